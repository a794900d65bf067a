"""The API object: /api/v1/, its OpenAPI document and its docs page (served from the product's static files)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from ordermanager.api import orders, problems, stack
from ordermanager.api.auth import BearerToken


class OrderManagerAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return problems.mark_problem_responses(super().get_openapi_schema(**kwargs))


api = OrderManagerAPI(
    title="Order manager API",
    version="1",
    description=(
        "Orders, tracking numbers and the stack. Authenticate with a personal token "
        "(`ordermanager api-token create USERNAME --scope write`): `Authorization: Bearer om_...`. "
        "POSTs take an `Idempotency-Key` header. Errors are RFC 9457 problem details."
    ),
    urls_namespace="api-v1",
    auth=BearerToken(),
    # "ninja" is an installed app, so the docs page loads Swagger UI from /static/ninja/, never a CDN.
    docs=Swagger(settings={"persistAuthorization": False}),
)
problems.install(api)
api.add_router("/", orders.router)
api.add_router("/", stack.router)
