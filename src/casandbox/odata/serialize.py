"""Shaping results: $select/$expand projection, $orderby, server-driven paging and the OData envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from casandbox import timefmt
from casandbox.odata.filter import NavFn
from casandbox.odata.options import Expand, QueryOptions, split_top
from casandbox.schema import EntityType

# Entity sets that can be addressed by key, so a capped nested collection can point at the rest.
ENTITY_SETS = {
    "Order": "Orders",
    "OrderItem": "OrderItems",
    "Fulfillment": "Fulfillments",
    "Product": "Products",
}


@dataclass
class Shaper:
    """Per-request settings for projection: where links point and how many children a list shows."""

    navs: NavFn
    base: str  # e.g. http://127.0.0.1:8123/v1
    nav_cap: int | None  # None outside lists: GET Orders(ID) returns every child
    token_param: str = ""  # "access_token=..." when the client authenticated in the query string

    def project(
        self, entity: dict[str, Any], etype: EntityType, select: list[str] | None, expand: list[Expand]
    ) -> dict:
        names = etype.props if select is None else [n for n in etype.props if n in select]
        out = {name: entity.get(name) for name in names}
        for spec in expand:
            children = self.navs(etype, entity, spec.nav)
            if self.nav_cap is not None and len(children) > self.nav_cap:
                link = self._nav_link(etype, entity, spec)
                children = children[: self.nav_cap]
                if link:
                    out[f"{spec.nav}@odata.nextLink"] = link
            out[spec.nav] = [self.project(child, spec.type, spec.select, spec.expand) for child in children]
        return out

    def _nav_link(self, etype: EntityType, entity: dict[str, Any], spec: Expand) -> str | None:
        entity_set = ENTITY_SETS.get(etype.name)
        if entity_set is None:
            return None
        params = [f"$skip={self.nav_cap}"]
        if spec.raw:
            params = [quote(part, safe="$=,()'") for part in split_top(spec.raw, ";")] + params
        if self.token_param:
            params.append(self.token_param)
        return f"{self.base}/{entity_set}({entity['ID']})/{spec.nav}?{'&'.join(params)}"


def sort_entities(entities: list[dict[str, Any]], etype: EntityType, orderby: list[tuple[str, bool]]) -> None:
    """Stable multi-key sort; nulls sort first ascending, as OData orders null below every value."""
    for name, descending in reversed(orderby):
        key = _sort_key(etype.props[name], name)
        entities.sort(key=key, reverse=descending)


def _sort_key(kind: str, name: str) -> Callable[[dict[str, Any]], tuple]:
    if kind == "date":
        return lambda e: (e.get(name) is not None, timefmt.parse_stored(e[name]) if e.get(name) else 0)
    return lambda e: (e.get(name) is not None, e.get(name) if e.get(name) is not None else 0)


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    next_skip: int | None
    next_top: int | None


def paginate(entities: list[dict[str, Any]], opts: QueryOptions, page_size: int, *, skip_wraps: bool) -> Page:
    total = len(entities)
    skip = opts.skip
    if skip_wraps and skip >= total and skip > 0:
        skip = 0  # the documented CA quirk: a page past the end comes back as page 1
    limit = page_size if opts.top is None else min(page_size, opts.top)
    items = entities[skip : skip + limit]
    end = skip + len(items)
    remaining_top = None if opts.top is None else opts.top - len(items)
    more = end < total and (remaining_top is None or remaining_top > 0)
    return Page(items, total, end if more else None, remaining_top if more else None)


def next_link(url: str, opts: QueryOptions, page: Page) -> str | None:
    """The same URL with every original parameter kept as written, and $skip (and $top) moved on."""
    if page.next_skip is None:
        return None
    kept = [segment for name, segment in opts.segments if name not in ("$skip", "$top")]
    if page.next_top is not None:
        kept.append(f"$top={page.next_top}")
    kept.append(f"$skip={page.next_skip}")
    return f"{url}?{'&'.join(kept)}"


def envelope(context: str, values: list[dict], *, count: int | None, next_url: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"@odata.context": context}
    if count is not None:
        body["@odata.count"] = count
    body["value"] = values
    if next_url:
        body["@odata.nextLink"] = next_url
    return body
