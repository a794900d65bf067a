"""CA's two error bodies: OData style (`error.message`) and Web API style (`Message`, for routing)."""

from __future__ import annotations

from casandbox.http import ApiResponse, dumps

DENIED = "Authorization has been denied for this request."


class ApiError(Exception):
    """Raised anywhere below the front door; turned into CA's error response."""

    def __init__(self, status: int, message: str, *, web_api_style: bool = False, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.web_api_style = web_api_style
        self.retry_after = retry_after

    def response(self) -> ApiResponse:
        if self.web_api_style:
            body = {"$id": "1", "Message": self.message}
        else:
            body = {"error": {"code": "", "message": self.message}}
        headers = [("content-type", "application/json; charset=utf-8")]
        if self.retry_after is not None:
            headers.append(("retry-after", str(self.retry_after)))
        return ApiResponse(self.status, dumps(body), headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found_entity(entity_set: str, key: object) -> ApiError:
    return ApiError(404, f"No {entity_set} entity was found with key '{key}'.")


def no_route(url: str) -> ApiError:
    return ApiError(404, f"No HTTP resource was found that matches the request URI '{url}'.", web_api_style=True)


def unauthorized() -> ApiError:
    return ApiError(401, DENIED)
