"""What a resource handler gets: the state, the request, who is calling and the matched route."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from casandbox.errors import ApiError, bad_request
from casandbox.http import ApiRequest, ApiResponse
from casandbox.odata import ODataError
from casandbox.odata.filter import NavFn
from casandbox.odata.options import QueryOptions, parse_options
from casandbox.schema import EntityType
from casandbox.state import State


@dataclass(frozen=True)
class Principal:
    """The caller, as its access token says: one integration, one or more profiles."""

    token: str
    application_id: str
    developer_key: str
    profiles: tuple[int, ...]
    scopes: frozenset[str]
    via_query: bool  # the token came as ?access_token=, so links we emit must carry it too


@dataclass
class Effects:
    """Side effects a handler asks of the front door: injected delay, a dropped connection."""

    delay_ms: float = 0.0
    drop: bool = False
    batch_id: int | None = None  # set on a $batch call, so its record and its parts' records share it


Handler = Callable[["Ctx"], ApiResponse]


@dataclass(frozen=True)
class Route:
    name: str  # what faults and the call log filter on, e.g. "ship"
    group: str  # a coarser name, e.g. "fulfillments" for every Fulfillments route
    methods: tuple[str, ...]
    pattern: re.Pattern[str]
    handler: Handler
    scope: str | None = None  # "orders" or "inventory"; None: any valid token
    write: bool = False
    key: str | None = None  # what the (ID) in the path names: order, order_item, fulfillment, ...
    auth: bool = True
    batchable: bool = True


@dataclass
class Ctx:
    state: State
    req: ApiRequest
    route: Route
    match: re.Match[str]
    principal: Principal
    effects: Effects = field(default_factory=Effects)
    charged: list[int] = field(default_factory=list)  # the profiles this call counted against
    run_part: Callable[[ApiRequest], ApiResponse] | None = None  # set for $batch: runs one inner request

    @property
    def base(self) -> str:
        return f"{self.req.base_url}/v1"

    def key(self) -> int:
        return int(self.match.group("key"))

    def visible(self, profile_id: int) -> bool:
        return profile_id in self.principal.profiles

    def json_body(self, *, allow_empty: bool = False) -> Any:
        body = self.req.body.strip()
        if not body:
            if allow_empty:
                return {}
            raise bad_request("The request body is empty; a JSON body is required.")
        ctype = self.req.headers.get("content-type", "")
        if ctype and "json" not in ctype.lower():
            raise ApiError(415, f"The request entity's media type '{ctype}' is not supported for this resource.")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") from exc

    def options(self, etype: EntityType, navs: NavFn, **kwargs: Any) -> QueryOptions:
        try:
            return parse_options(self.req.query, etype, navs, **kwargs)
        except ODataError as exc:
            raise bad_request(str(exc)) from exc
