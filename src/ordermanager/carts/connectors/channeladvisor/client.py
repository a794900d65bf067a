"""ChannelAdvisor's REST API over httpx: tokens, paging, and errors classified for the stack controller.

Every answer is bounded (a deadline for the whole call, a maximum size, no redirects) and checked
against its shape in `answers` before it is used. Whatever is wrong becomes a classified CartError
with one line that names the call, the status and the first bytes of the answer.
"""

from __future__ import annotations

import base64
import email.utils
import math
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from pydantic import BaseModel

from ordermanager.carts.connectors.base import WRITE_METHODS, CartError, ErrorKind, Guard, transport_error
from ordermanager.carts.connectors.channeladvisor import answers
from ordermanager.carts.connectors.channeladvisor.wire import (
    Connections,
    DeadlineExceeded,
    Limits,
    Reply,
    TooLarge,
    deadline,
    foreign_link,
)
from ordermanager.carts.connectors.pacing import AccountGate

DENIED = b"Authorization has been denied for this request."
# Refresh this long before the token's stated expiry, so a request never leaves with a dying token.
TOKEN_MARGIN_SECONDS = 300
ADDRESS_HINT = "check the cart's API base address: a proxy, a login page or another server answers like this"
S = TypeVar("S", bound=BaseModel)


def redact(url: str) -> str:
    """A URL fit for logs and the timeline: no user info, and any access_token in it masked."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: mask by pattern
        return re.sub(r"(?i)(access_token=)[^&#]*", r"\1****", re.sub(r"//[^/?#]*@", "//", url))
    query = [
        (k, "****" if k.lower() == "access_token" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="$(),' ")))


@dataclass(frozen=True)
class Answer:
    """One answer, read in full within the limits."""

    method: str
    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def where(self) -> str:
        return f"{self.method} {redact(self.url)}"

    @property
    def head(self) -> str:
        return " ".join(self.body[:80].decode("utf-8", "replace").split())

    @property
    def text(self) -> str:
        return self.body[:4000].decode("utf-8", "replace")


# The headers of every call. Calls go over `Connections` (wire.py: http.client, not an httpx.Client): each
# carries its own bearer token, a redirect is refused rather than followed, and no cookie is kept or sent back.
_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": "ordermanager/0.1",
}


class PageBudget:
    """The pages one run (an import, a Test Settings) may read: endless next links end here."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, path: str) -> None:
        self.used += 1
        if self.used > self.limit:
            raise CartError(
                ErrorKind.PERMANENT,
                f"stopped reading {path}: ChannelAdvisor kept offering next pages after {self.limit} pages this run",
                fix_hint="if the account really has that many, raise the CartMaxPagesPerRun parameter; "
                "otherwise " + ADDRESS_HINT,
            )


class ChannelAdvisorClient:
    """One cart's API session. Thread-safe: the stack controller shares it among its senders."""

    def __init__(
        self,
        base_url: str,
        application_id: str,
        shared_secret: str,
        refresh_token: str,
        *,
        limits: Limits | None = None,
        max_connections: int = 10,
        gate: AccountGate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limits = limits or Limits()
        self._basic = base64.b64encode(f"{application_id}:{shared_secret}".encode()).decode()
        self._refresh_token = refresh_token
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self.token_refreshes = 0
        # Paces every API call (not the token call, which ChannelAdvisor does not count) for this account.
        self.gate = gate or AccountGate(per_minute=2000, concurrency=5)
        pool = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.connections = Connections(pool, self.limits.timeout)

    def close(self) -> None:
        self.connections.close()

    def budget(self) -> PageBudget:
        return PageBudget(self.limits.max_pages)

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
        answer = self._send(
            "POST",
            f"{self.base_url}/oauth2/token",
            headers={"Authorization": f"Basic {self._basic}"},
            data={"grant_type": "refresh_token", "refresh_token": self._refresh_token},
        )
        if answer.status == 200:
            token = self.read(answers.TokenAnswer, answer, kind=ErrorKind.PERMANENT)
            return token.access_token, token.expires_in
        if answer.status in (400, 401):
            raise self._credentials_refused(answer)
        raise self._http_error(answer)

    @staticmethod
    def _credentials_refused(answer: Answer) -> CartError:
        message = answers.error_text(answer.body)
        if "invalid_client" in message:
            what, fix = "the Application ID or Shared Secret", "check them against ChannelAdvisor's developer console"
        else:
            what = "the Refresh Token (revoked, unused for 3 months, or not issued for this application)"
            fix = "authorize the application again to get a new refresh token, and check the Application ID and Secret"
        return CartError(
            ErrorKind.PERMANENT,
            f"ChannelAdvisor refused {what}: HTTP {answer.status} {message}",
            fix_hint=fix,
            status=answer.status,
            raw=answer.text,
        )

    # --- requests ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, headers: dict[str, str], **kwargs: Any) -> Answer:
        """One exchange, within the call's deadline and size limit; a redirect is refused, never followed.

        `kwargs` are Connections.exchange's: params, data (a form) or json."""
        try:
            with deadline(self.limits.deadline_seconds):
                reply = self.connections.exchange(
                    method, url, {**_HEADERS, **headers}, max_bytes=self.limits.max_answer_bytes, **kwargs
                )
        except TooLarge as error:
            raise CartError(
                ErrorKind.AMBIGUOUS if method in WRITE_METHODS else ErrorKind.PERMANENT,
                f"ChannelAdvisor's answer to {method} {redact(url)} was cut off: {error}; answers are limited "
                f"to {self.limits.max_answer_bytes:,} bytes",
                fix_hint="raise CartMaxAnswerMegabytes if such answers are expected; otherwise " + ADDRESS_HINT,
            ) from None
        except httpx.TransportError as error:
            if isinstance(error.__cause__, DeadlineExceeded):
                raise CartError(
                    ErrorKind.AMBIGUOUS if method in WRITE_METHODS else ErrorKind.TRANSIENT,
                    f"ChannelAdvisor did not finish answering {method} {redact(url)} within the call's "
                    f"{self.limits.deadline_seconds:g} s deadline",
                ) from None
            raise transport_error(error, method, urlsplit(url).netloc or self.base_url, "ChannelAdvisor") from None
        except httpx.DecodingError as error:  # e.g. a body that claims gzip and is not
            raise CartError(
                ErrorKind.AMBIGUOUS if method in WRITE_METHODS else ErrorKind.TRANSIENT,
                f"ChannelAdvisor's answer to {method} {redact(url)} could not be decoded: {error}",
                fix_hint=ADDRESS_HINT,
            ) from None
        if 300 <= reply.status < 400:
            raise self._redirected(method, url, reply)
        return Answer(method, url, reply.status, reply.headers, reply.body)

    @staticmethod
    def _redirected(method: str, url: str, reply: Reply) -> CartError:
        target = redact(reply.headers.get("Location", "")) or "nowhere"
        return CartError(
            ErrorKind.PERMANENT,
            f"ChannelAdvisor answered {reply.status} to {method} {redact(url)}, a redirect to {target}: "
            "redirects are refused, so the token never leaves the cart's address",
            fix_hint="set the cart's API base address to the address that answers without a redirect",
            status=reply.status,
        )

    def request(self, method: str, path_or_url: str, *, guard: Guard | None = None, **kwargs: Any) -> Answer:
        """Send one API call with the token; on a 401, refresh the token once and send it once more.

        `guard` runs after the call has its slot and its token, just before it leaves: the last moment
        to find that the caller may no longer send.
        """
        url = path_or_url if path_or_url.startswith(("http:", "https:")) else f"{self.base_url}{path_or_url}"
        self._check_own_address(url)
        token = self.token()
        for attempt in (1, 2):
            with self.gate.call():
                if guard is not None:
                    guard()
                answer = self._send(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
            if answer.status == 429:
                self.gate.rate_limited(self.retry_after(answer.headers))
            denied = answer.status == 401 or (answer.status == 200 and DENIED in answer.body[:200])
            if not denied:
                break
            if attempt == 2:
                raise CartError(
                    ErrorKind.PERMANENT,
                    f"ChannelAdvisor denied {answer.where} even with a fresh token: {answers.error_text(answer.body)}",
                    fix_hint="check that the application is authorized for this profile with the orders and "
                    "inventory scopes (not read-only)",
                    status=401,
                    raw=answer.text,
                )
            token = self.token(stale=token)
        if answer.status >= 400:
            raise self._http_error(answer)
        return answer

    def read(self, shape: type[S], answer: Answer, *, kind: ErrorKind | None = None) -> S:
        """The answer's body as `shape`, or a CartError naming what was wrong and where."""
        try:
            return answers.check(shape, answers.decode(answer.body))
        except answers.BadAnswer as error:
            raise self.bad_answer(answer, str(error), kind=kind) from None

    def bad_answer(self, answer: Answer, problem: str, *, kind: ErrorKind | None = None) -> CartError:
        # A read can be tried again; a write that got a strange answer may still have been applied.
        kind = kind or (ErrorKind.AMBIGUOUS if answer.method in WRITE_METHODS else ErrorKind.TRANSIENT)
        return CartError(
            kind,
            f"ChannelAdvisor's answer to {answer.where} (HTTP {answer.status}) is unusable: {problem}; "
            f"it starts {answer.head[:80]!r}",
            fix_hint=ADDRESS_HINT,
            status=answer.status,
            raw=answer.text,
        )

    def get(self, shape: type[S], path_or_url: str, params: dict[str, Any] | None = None) -> S:
        return self.read(shape, self.request("GET", path_or_url, params=params))

    def pages(self, path: str, params: dict[str, Any], budget: PageBudget | None = None) -> Iterator[list[dict]]:
        """Each page of a collection, following @odata.nextLink as the documentation asks (never our own $skip).

        A link is followed only to the cart's own scheme, host and port, never twice, and no further
        than `budget` allows (by default, one run's worth for this listing alone).
        """
        for _, page in self._pages(path, params, budget):
            yield page.value

    def records(
        self, shape: type[S], path: str, params: dict[str, Any], budget: PageBudget | None = None
    ) -> Iterator[S]:
        """Each entity of a collection, checked as `shape`."""
        for answer, page in self._pages(path, params, budget):
            for number, raw in enumerate(page.value):
                try:
                    yield answers.check(shape, raw)
                except answers.BadAnswer as error:
                    raise self.bad_answer(answer, f"value[{number}]: {error}") from None

    def _pages(
        self, path: str, params: dict[str, Any], budget: PageBudget | None
    ) -> Iterator[tuple[Answer, answers.Page]]:
        budget = budget or self.budget()
        budget.spend(path)
        answer = self.request("GET", path, params=params)
        seen: set[str] = set()
        while True:
            page = self.read(answers.Page, answer)
            yield answer, page
            link = page.next_link
            if not link:
                return
            why = foreign_link(link, self.base_url)
            if why:
                raise CartError(
                    ErrorKind.PERMANENT,
                    f"ChannelAdvisor's next-page link {redact(link)} from {path} was not followed: {why}; the "
                    f"token is sent only to {self.base_url}",
                    fix_hint=ADDRESS_HINT,
                )
            if link in seen:  # the API answers page 1 for a page past the end; do not loop forever
                raise CartError(ErrorKind.TRANSIENT, f"ChannelAdvisor repeated a page link: {redact(link)}")
            seen.add(link)
            budget.spend(path)
            answer = self.request("GET", link)

    def retry_after(self, headers: httpx.Headers) -> float | None:
        """Retry-After in seconds, if it is a sane number up to the bound; nonsense counts as absent."""
        value = headers.get("Retry-After", "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
        if not math.isfinite(seconds) or not 0 <= seconds <= self.limits.max_retry_after_seconds:
            return None
        return seconds

    # --- classification ---------------------------------------------------------------------

    def _check_own_address(self, url: str) -> None:
        # The token must never travel anywhere but the cart's own scheme, host and port.
        why = foreign_link(url, self.base_url)
        if why:
            raise CartError(
                ErrorKind.PERMANENT,
                f"refused to send the API token to {redact(url)}: {why}; the cart's API address is {self.base_url}",
                fix_hint="check the cart's API base address",
            )

    def _http_error(self, answer: Answer) -> CartError:
        status, message = answer.status, answers.error_text(answer.body)
        text = f"ChannelAdvisor answered {status} to {answer.method} {redact(urlsplit(answer.url).path)}: {message}"
        if status == 429:
            return CartError(
                ErrorKind.RATE_LIMITED,
                text,
                retry_after=self.retry_after(answer.headers),
                status=status,
                raw=answer.text,
            )
        if status == 500 and answer.method in WRITE_METHODS:
            # A plain 500 does not say whether the change was made before the failure.
            return CartError(ErrorKind.AMBIGUOUS, text, status=status, raw=answer.text)
        if status >= 500 or status in (408, 406):
            return CartError(ErrorKind.TRANSIENT, text, status=status, raw=answer.text)
        return CartError(ErrorKind.PERMANENT, text, status=status, raw=answer.text)
