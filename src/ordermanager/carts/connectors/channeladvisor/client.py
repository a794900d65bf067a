"""ChannelAdvisor's REST API over httpx: tokens, paging, and errors classified for the stack controller."""

from __future__ import annotations

import base64
import email.utils
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ordermanager.carts.connectors.base import TIMEOUT, WRITE_METHODS, CartError, ErrorKind, Guard, transport_error
from ordermanager.carts.connectors.pacing import AccountGate

DENIED = "Authorization has been denied for this request."
# Refresh this long before the token's stated expiry, so a request never leaves with a dying token.
TOKEN_MARGIN_SECONDS = 300


def redact(url: str) -> str:
    """A URL fit for logs and the timeline: any access_token in it is masked."""
    parts = urlsplit(url)
    query = [
        (k, "****" if k.lower() == "access_token" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="$(),' ")))


def error_message(response: httpx.Response) -> str:
    """ChannelAdvisor answers errors in two formats (OData `error.message`, Web API `Message`), or plain text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if body.get("Message"):
            return str(body["Message"])
    return response.text.strip()[:500]


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class ChannelAdvisorClient:
    """One cart's API session. Thread-safe: the stack controller shares it among its senders."""

    def __init__(
        self,
        base_url: str,
        application_id: str,
        shared_secret: str,
        refresh_token: str,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        max_connections: int = 10,
        gate: AccountGate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._basic = base64.b64encode(f"{application_id}:{shared_secret}".encode()).decode()
        self._refresh_token = refresh_token
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self.token_refreshes = 0
        # Paces every API call (not the token call, which ChannelAdvisor does not count) for this account.
        self.gate = gate or AccountGate(per_minute=2000, concurrency=5)
        self.http = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Accept": "application/json", "User-Agent": "ordermanager/0.1"},
        )

    def close(self) -> None:
        self.http.close()

    # --- tokens -----------------------------------------------------------------------------

    def token(self, *, stale: str | None = None) -> str:
        """A valid access token. `stale` is a token the API just refused: refresh unless another thread did."""
        with self._token_lock:  # one refresh in flight per cart; the others wait and reuse its token
            fresh = self._token and time.monotonic() < self._token_expires and self._token != stale
            if not fresh:
                self._token, lifetime = self._refresh()
                self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, lifetime / 2)
                self.token_refreshes += 1
            assert self._token is not None
            return self._token

    def _refresh(self) -> tuple[str, float]:
        if not self._basic or not self._refresh_token:
            raise CartError(
                ErrorKind.PERMANENT,
                "the cart has no Application ID, Shared Secret or Refresh Token",
                fix_hint="enter them in the cart definition (ordermanager carts edit … --ask-secrets)",
            )
        try:
            response = self.http.post(
                f"{self.base_url}/oauth2/token",
                headers={"Authorization": f"Basic {self._basic}"},
                data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
            )
        except httpx.TransportError as error:
            raise self._transport_error(error, "POST", f"{self.base_url}/oauth2/token") from None
        if response.status_code == 200:
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 3600))
        if response.status_code in (400, 401):
            raise self._credentials_refused(response)
        raise self._http_error(response, "POST", f"{self.base_url}/oauth2/token")

    @staticmethod
    def _credentials_refused(response: httpx.Response) -> CartError:
        message = error_message(response)
        if "invalid_client" in message:
            what, fix = "the Application ID or Shared Secret", "check them against ChannelAdvisor's developer console"
        else:
            what = "the Refresh Token (revoked, unused for 3 months, or not issued for this application)"
            fix = "authorize the application again to get a new refresh token, and check the Application ID and Secret"
        return CartError(
            ErrorKind.PERMANENT,
            f"ChannelAdvisor refused {what}: HTTP {response.status_code} {message}",
            fix_hint=fix,
            status=response.status_code,
            raw=response.text,
        )

    # --- requests ---------------------------------------------------------------------------

    def request(self, method: str, path_or_url: str, *, guard: Guard | None = None, **kwargs: Any) -> httpx.Response:
        """Send one API call with the token; on a 401, refresh the token once and send it once more.

        `guard` runs after the call has its slot and its token, just before it leaves: the last moment
        to find that the caller may no longer send.
        """
        url = path_or_url if path_or_url.startswith("http") else f"{self.base_url}{path_or_url}"
        self._check_same_host(url)
        token = self.token()
        for attempt in (1, 2):
            try:
                with self.gate.call():
                    if guard is not None:
                        guard()
                    response = self.http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
            except httpx.TransportError as error:
                raise self._transport_error(error, method, url) from None
            if response.status_code == 429:
                self.gate.rate_limited(retry_after_seconds(response))
            denied = response.status_code == 401 or (response.status_code == 200 and DENIED in response.text[:200])
            if not denied:
                break
            if attempt == 2:
                raise CartError(
                    ErrorKind.PERMANENT,
                    f"ChannelAdvisor denied {method} {redact(url)} even with a fresh token: {error_message(response)}",
                    fix_hint="check that the application is authorized for this profile with the orders and "
                    "inventory scopes (not read-only)",
                    status=401,
                    raw=response.text,
                )
            token = self.token(stale=token)
        if response.status_code >= 400:
            raise self._http_error(response, method, url)
        return response

    def get_json(self, path_or_url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path_or_url, params=params).json()

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Each page of a collection, following @odata.nextLink as the documentation asks (never our own $skip)."""
        body = self.get_json(path, params)
        seen: set[str] = set()
        while True:
            yield list(body.get("value", []))
            link = body.get("@odata.nextLink")
            if not link:
                return
            if link in seen:  # the API answers page 1 for a page past the end; do not loop forever
                raise CartError(ErrorKind.TRANSIENT, f"ChannelAdvisor repeated a page link: {redact(link)}")
            seen.add(link)
            body = self.get_json(link)

    # --- classification ---------------------------------------------------------------------

    def _check_same_host(self, url: str) -> None:
        # The token must never travel to another host, even if a nextLink names one.
        if urlsplit(url).netloc != urlsplit(self.base_url).netloc:
            raise CartError(
                ErrorKind.PERMANENT,
                f"refused to send the API token to {urlsplit(url).netloc}: the cart's API address is {self.base_url}",
                fix_hint="check the cart's API base address",
            )

    def _transport_error(self, error: httpx.TransportError, method: str, url: str) -> CartError:
        return transport_error(error, method, urlsplit(url).netloc or self.base_url, "ChannelAdvisor")

    def _http_error(self, response: httpx.Response, method: str, url: str) -> CartError:
        status, message = response.status_code, error_message(response)
        text = f"ChannelAdvisor answered {status} to {method} {redact(urlsplit(url).path)}: {message}"
        if status == 429:
            return CartError(
                ErrorKind.RATE_LIMITED,
                text,
                retry_after=retry_after_seconds(response),
                status=status,
                raw=response.text,
            )
        if status == 500 and method in WRITE_METHODS:
            # A plain 500 does not say whether the change was made before the failure.
            return CartError(ErrorKind.AMBIGUOUS, text, status=status, raw=response.text)
        if status >= 500 or status in (408, 406):
            return CartError(ErrorKind.TRANSIENT, text, status=status, raw=response.text)
        return CartError(ErrorKind.PERMANENT, text, status=status, raw=response.text)
