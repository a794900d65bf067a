"""Reading collections and entities the OData way; shared by every entity set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casandbox.context import Ctx
from casandbox.errors import not_found_entity
from casandbox.http import ApiResponse, json_response, text_response
from casandbox.odata.filter import NavFn
from casandbox.odata.options import QueryOptions, split_query
from casandbox.odata.serialize import ENTITY_SETS, Shaper, envelope, next_link, paginate, sort_entities
from casandbox.schema import TYPES, EntityType

Entity = dict[str, Any]


def make_navs(ctx: Ctx) -> NavFn:
    state = ctx.state

    def navs(etype: EntityType, entity: Entity, nav: str) -> list[Entity]:
        name = etype.name
        if name == "Order":
            if nav == "Exports":
                return _exports(ctx, entity)
            return entity.get(nav, [])
        if name == "OrderItem":
            order = state.order_of_item(entity["ID"])
            if order is None:
                return []
            if nav == "FulfillmentItems":
                return [fi for f in order["Fulfillments"] for fi in f["Items"] if fi["OrderItemID"] == entity["ID"]]
            if nav == "Adjustments":
                return [a for a in order["Adjustments"] if a.get("OrderItemID") == entity["ID"]]
        return entity.get(nav, [])

    return navs


def _exports(ctx: Ctx, order: Entity) -> list[Entity]:
    p = ctx.principal
    if order["ID"] not in ctx.state.exports.get((p.developer_key, p.application_id), ()):
        return []
    return [
        {
            "ID": order["ID"],
            "ProfileID": order["ProfileID"],
            "OrderID": order["ID"],
            "ApplicationID": p.application_id,
            "DeveloperKey": p.developer_key,
            "Override": False,
        }
    ]


def shaper(ctx: Ctx, navs: NavFn, *, in_list: bool) -> Shaper:
    token = ""
    if ctx.principal.via_query:
        token = next((seg for name, seg in _segments(ctx) if name == "access_token"), "")
    return Shaper(navs, ctx.base, ctx.state.config.nav_page_size if in_list else None, token)


def _segments(ctx: Ctx) -> list[tuple[str, str]]:
    return [(name, raw) for name, _, raw in split_query(ctx.req.query)]


def filtered(opts: QueryOptions, entities: Iterable[Entity], etype: EntityType) -> list[Entity]:
    matches = [e for e in entities if opts.filter(e)] if opts.filter else list(entities)
    # Entities without an ID (a product's DCQuantities) keep their stored order unless asked otherwise.
    default = [("ID", False)] if "ID" in etype.props else []
    if opts.orderby or default:
        sort_entities(matches, etype, opts.orderby or default)
    return matches


def collection(
    ctx: Ctx,
    entity_set: str,
    etype: EntityType,
    entities: Iterable[Entity],
    *,
    page_size: int,
    opts: QueryOptions | None = None,
    navs: NavFn | None = None,
) -> ApiResponse:
    navs = navs or make_navs(ctx)
    opts = opts or ctx.options(etype, navs)
    matches = filtered(opts, entities, etype)
    page = paginate(matches, opts, page_size, skip_wraps=ctx.state.config.skip_past_end_returns_first_page)
    shape = shaper(ctx, navs, in_list=True)
    values = [shape.project(e, etype, opts.select, opts.expand) for e in page.items]
    url = f"{ctx.req.base_url}{ctx.req.path}"
    body = envelope(
        f"{ctx.base}/$metadata#{entity_set}",
        values,
        count=page.total if opts.count else None,
        next_url=next_link(url, opts, page),
    )
    return json_response(body)


def count(ctx: Ctx, etype: EntityType, entities: Iterable[Entity]) -> ApiResponse:
    navs = make_navs(ctx)
    opts = ctx.options(etype, navs, allow={"$filter"})
    return text_response(str(len(filtered(opts, entities, etype))))


def single(ctx: Ctx, entity_set: str, etype: EntityType, entity: Entity | None, key: object) -> ApiResponse:
    if entity is None or not ctx.visible(entity["ProfileID"]):
        raise not_found_entity(entity_set, key)
    navs = make_navs(ctx)
    opts = ctx.options(etype, navs, allow={"$select", "$expand"})
    body = {"@odata.context": f"{ctx.base}/$metadata#{entity_set}/$entity"}
    body.update(shaper(ctx, navs, in_list=False).project(entity, etype, opts.select, opts.expand))
    return json_response(body)


def nav_collection(ctx: Ctx, parent_type: EntityType, parent: Entity, nav: str) -> ApiResponse:
    """GET Orders(ID)/Items and the like: where a capped expansion's nextLink points."""
    navs = make_navs(ctx)
    etype = TYPES[parent_type.navs[nav]]
    entity_set = f"{ENTITY_SETS[parent_type.name]}({parent['ID']})/{nav}"
    page_size = ctx.state.config.nav_page_size
    return collection(ctx, entity_set, etype, navs(parent_type, parent, nav), page_size=page_size, navs=navs)
