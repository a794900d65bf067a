"""OAuth2 as CA runs it: a token endpoint with Basic client auth; Bearer or ?access_token= on each call."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from casandbox.context import Principal, Route
from casandbox.errors import unauthorized
from casandbox.http import ApiRequest, ApiResponse, dumps
from casandbox.odata.options import query_param
from casandbox.state import State

ACCESS_LIFETIME_S = 3600
CODE_LIFETIME_S = 300
REFRESH_IDLE_S = 90 * 24 * 3600  # the newer doc: a refresh token dies after 3 months of non-use


class TokenError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def token_endpoint(state: State, req: ApiRequest) -> ApiResponse:
    try:
        return _token(state, req)
    except TokenError as exc:
        # CA answers 400 either way; some of its answers are plain text, hence the switch.
        if state.config.token_error_format == "text":  # noqa: S105 - a format name, not a password
            return ApiResponse(400, b"Bad Request", [("content-type", "text/html")])
        return ApiResponse(400, dumps({"error": exc.error}), [("content-type", "application/json;charset=UTF-8")])


def _client(state: State, req: ApiRequest) -> dict[str, Any]:
    header = req.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise TokenError("invalid_client")
    try:
        app_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TokenError("invalid_client") from exc
    app = state.applications.get(app_id)
    if app is None or not secrets.compare_digest(app["shared_secret"], secret):
        raise TokenError("invalid_client")
    return app


def _token(state: State, req: ApiRequest) -> ApiResponse:
    app = _client(state, req)
    if "application/x-www-form-urlencoded" not in req.headers.get("content-type", ""):
        raise TokenError("invalid_request")
    form = dict(parse_qsl(req.body.decode(errors="replace"), keep_blank_values=True))
    grant = form.get("grant_type")
    now = state.clock.time()
    if grant == "refresh_token":
        record = state.refresh_tokens.get(form.get("refresh_token", ""))
        if record is None or record["application_id"] != app["application_id"] or record["revoked"]:
            raise TokenError("invalid_grant")
        if now - record["last_used"] > REFRESH_IDLE_S:
            raise TokenError("invalid_grant")
        record["last_used"] = now
        state.storage.put("refresh_token", record["token"], record)
        return _issue(state, app, record["profiles"], record["scope"])
    if grant == "authorization_code":
        code = state.auth_codes.pop(form.get("code", ""), None)
        if code is None or code["application_id"] != app["application_id"]:
            raise TokenError("invalid_grant")
        state.storage.delete("auth_code", code["code"])  # single use, even when it fails below
        if code["expires_at"] <= now or code.get("redirect_uri") not in (None, form.get("redirect_uri")):
            raise TokenError("invalid_grant")
        refresh = add_refresh_token(state, app["application_id"], code["profiles"], code["scope"])
        return _issue(state, app, code["profiles"], code["scope"], refresh_token=refresh["token"])
    if grant == "soap":
        profile = _soap_profile(state, app, form)
        return _issue(state, app, [profile], form.get("scope") or "orders inventory")
    raise TokenError("unsupported_grant_type")


def _soap_profile(state: State, app: dict[str, Any], form: dict[str, str]) -> int:
    """The SOAP bridge: developer key + password + one SOAP AccountID GUID the app is authorized for."""
    if form.get("client_id", app["application_id"]) != app["application_id"]:
        raise TokenError("invalid_client")
    if form.get("developer_key") != app["developer_key"] or form.get("password") != app.get("soap_password"):
        raise TokenError("invalid_grant")
    account = (form.get("account_id") or "").lower()
    for profile_id in app.get("profiles", []):
        if str(state.profiles.get(profile_id, {}).get("AccountID", "")).lower() == account:
            return profile_id
    raise TokenError("invalid_grant")


def _issue(
    state: State, app: dict[str, Any], profiles: list[int], scope: str, refresh_token: str | None = None
) -> ApiResponse:
    token = secrets.token_urlsafe(32)
    record = {
        "token": token,
        "application_id": app["application_id"],
        "developer_key": app["developer_key"],
        "profiles": list(profiles),
        "scope": scope,
        "expires_at": state.clock.time() + ACCESS_LIFETIME_S,
    }
    state.access_tokens[token] = record
    state.storage.put("access_token", token, record)
    body: dict[str, Any] = {"access_token": token, "token_type": "bearer", "expires_in": ACCESS_LIFETIME_S}
    if refresh_token:
        body["refresh_token"] = refresh_token
    return ApiResponse(200, dumps(body), [("content-type", "application/json;charset=UTF-8")])


def add_refresh_token(
    state: State, application_id: str, profiles: list[int], scope: str, token: str | None = None
) -> dict[str, Any]:
    record = {
        "token": token or secrets.token_urlsafe(32),
        "application_id": application_id,
        "profiles": list(profiles),
        "scope": scope,
        "revoked": False,
        "last_used": state.clock.time(),
    }
    state.refresh_tokens[record["token"]] = record
    state.storage.put("refresh_token", record["token"], record)
    return record


def add_auth_code(
    state: State, application_id: str, profiles: list[int], scope: str, redirect_uri: str | None
) -> dict[str, Any]:
    code = {
        "code": secrets.token_urlsafe(16),
        "application_id": application_id,
        "profiles": list(profiles),
        "scope": scope,
        "redirect_uri": redirect_uri,
        "expires_at": state.clock.time() + CODE_LIFETIME_S,
    }
    state.auth_codes[code["code"]] = code
    state.storage.put("auth_code", code["code"], code)
    return code


def authorize_endpoint(state: State, req: ApiRequest) -> ApiResponse:
    """GET /oauth2/authorize: the consent screen, approved at once for every profile of the app."""
    params = {k.lower(): v for k, v in parse_qsl(req.query)}
    app = state.applications.get(params.get("client_id", ""))
    redirect = params.get("redirect_uri")
    if app is None or not redirect or params.get("response_type", "code") != "code":
        return ApiResponse(400, b"Bad Request", [("content-type", "text/html")])
    code = add_auth_code(state, app["application_id"], app.get("profiles", []), params.get("scope", ""), redirect)
    query = {"code": code["code"], **({"state": params["state"]} if "state" in params else {})}
    sep = "&" if "?" in redirect else "?"
    return ApiResponse(302, b"", [("location", f"{redirect}{sep}{urlencode(query)}")])


def _token_of(req: ApiRequest) -> tuple[str, bool]:
    """The access token and whether it came in the query string."""
    header = req.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), False
    return query_param(req.query, "access_token") or "", True


def token_expired(state: State, req: ApiRequest) -> bool:
    """The request carries a token the sandbox issued that has since expired."""
    record = state.access_tokens.get(_token_of(req)[0])
    return record is not None and record["expires_at"] <= state.clock.time()


def authenticate(state: State, req: ApiRequest, route: Route) -> Principal:
    token, via_query = _token_of(req)
    record = state.access_tokens.get(token)
    if record is None or record["expires_at"] <= state.clock.time():
        raise unauthorized()
    scopes = frozenset(record["scope"].split())
    if route.scope is not None:
        allowed = {route.scope} if route.write else {route.scope, f"{route.scope}.readonly"}
        if not scopes & allowed:
            raise unauthorized()
    return Principal(
        token, record["application_id"], record["developer_key"], tuple(record["profiles"]), scopes, via_query
    )
