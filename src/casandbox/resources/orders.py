"""Orders: the list with CA's `exported` flag, single orders, their navigation collections, edits."""

from __future__ import annotations

from typing import Any

from casandbox import bodies, builders, timefmt
from casandbox.context import Ctx
from casandbox.errors import bad_request, not_found_entity
from casandbox.http import ApiResponse, json_response, no_content
from casandbox.resources import common
from casandbox.schema import ORDER, ORDER_ITEM
from casandbox.state import Order

# What PATCH/PUT Orders(ID) may change, with CA's documented length limits.
_ADDRESS = [f"{p}{f}" for p in ("Shipping", "Billing") for f in ("FirstName", "LastName", "CompanyName")]
_ADDRESS += [f"{p}{f}" for p in ("Shipping", "Billing") for f in ("AddressLine1", "AddressLine2", "City")]
_ADDRESS += [f"{p}{f}" for p in ("Shipping", "Billing") for f in ("StateOrProvince", "PostalCode", "Country")]
EDITABLE: bodies.Spec = {
    name: ORDER.props[name]
    for name in (
        "SellerOrderID",
        "PublicNotes",
        "PrivateNotes",
        "SpecialInstructions",
        "FlagID",
        "FlagDescription",
        "OrderTags",
        "EstimatedShipDateUtc",
        "DeliverByDateUtc",
        "RequestedShippingCarrier",
        "RequestedShippingClass",
        *_ADDRESS,
    )
}
MAX_LENGTH = {"SellerOrderID": 25, "PrivateNotes": 4000, "SpecialInstructions": 255}


def _visible(ctx: Ctx, opts_params: dict[str, str]) -> list[Order]:
    orders = [o for o in ctx.state.orders.values() if ctx.visible(o["ProfileID"])]
    exported = opts_params.get("exported")
    if exported is None:
        return orders
    if exported.lower() not in ("true", "false"):
        raise bad_request(f"The value '{exported}' is not valid for 'exported'; use true or false.")
    marked = ctx.state.exports.get((ctx.principal.developer_key, ctx.principal.application_id), set())
    want = exported.lower() == "true"
    return [o for o in orders if (o["ID"] in marked) == want]


def list_orders(ctx: Ctx) -> ApiResponse:
    navs = common.make_navs(ctx)
    opts = ctx.options(ORDER, navs)
    page_size = ctx.state.config.page_sizes["Orders"]
    return common.collection(
        ctx, "Orders", ORDER, _visible(ctx, opts.params), page_size=page_size, opts=opts, navs=navs
    )


def count_orders(ctx: Ctx) -> ApiResponse:
    opts = ctx.options(ORDER, common.make_navs(ctx), allow={"$filter"})
    return common.count(ctx, ORDER, _visible(ctx, opts.params))


def find(ctx: Ctx) -> Order:
    order = ctx.state.orders.get(ctx.key())
    if order is None or not ctx.visible(order["ProfileID"]):
        raise not_found_entity("Orders", ctx.key())
    return order


def get_order(ctx: Ctx) -> ApiResponse:
    # GET Orders(ID) ignores the exported flag, as CA documents.
    return common.single(ctx, "Orders", ORDER, ctx.state.orders.get(ctx.key()), ctx.key())


def order_nav(ctx: Ctx) -> ApiResponse:
    return common.nav_collection(ctx, ORDER, find(ctx), ctx.match.group("nav"))


def order_item_nav(ctx: Ctx) -> ApiResponse:
    order = ctx.state.order_of_item(ctx.key())
    if order is None or not ctx.visible(order["ProfileID"]):
        raise not_found_entity("OrderItems", ctx.key())
    item = next(i for i in order["Items"] if i["ID"] == ctx.key())
    return common.nav_collection(ctx, ORDER_ITEM, item, ctx.match.group("nav"))


def update_order(ctx: Ctx) -> ApiResponse:
    order = find(ctx)
    body = ctx.json_body()
    if isinstance(body, dict):
        fixed = [k for k in body if k in ORDER.props and k not in EDITABLE]
        if fixed:
            raise bad_request(f"The property '{fixed[0]}' cannot be updated.")
    data = bodies.check(body, EDITABLE, "Order")
    for name, limit in MAX_LENGTH.items():
        if data.get(name) and len(data[name]) > limit:
            raise bad_request(f"{name} cannot be longer than {limit} characters.")
    order.update(data)
    order["UpdatedDateUtc"] = timefmt.format_utc(ctx.state.clock.now())
    ctx.state.save_order(order)
    return no_content()


def create_order(ctx: Ctx) -> ApiResponse:
    body = ctx.json_body()
    if not isinstance(body, dict):
        raise bad_request("An Order object was expected.")
    profile = body.get("ProfileID")
    if profile is None:
        if len(ctx.principal.profiles) > 1:
            raise bad_request("ProfileID is required when the token spans several profiles.")
        profile = ctx.principal.profiles[0]
    if not isinstance(profile, int) or not ctx.visible(profile):
        raise bad_request(f"The profile {profile} is not authorized for this token.")
    data = {k: v for k, v in body.items() if k != "ID"}
    try:
        order = builders.build_order(ctx.state, {**data, "ProfileID": profile})
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    out: dict[str, Any] = {"@odata.context": f"{ctx.base}/$metadata#Orders/$entity"}
    out.update(common.shaper(ctx, common.make_navs(ctx), in_list=False).project(order, ORDER, None, []))
    return json_response(out, status=201)


def export(ctx: Ctx) -> ApiResponse:
    """POST marks, DELETE unmarks; the flag belongs to this developer key and application id only."""
    order = find(ctx)
    p = ctx.principal
    marked = ctx.state.exports[(p.developer_key, p.application_id)]
    key = f"{p.developer_key}|{p.application_id}|{order['ID']}"
    if ctx.req.method == "POST":
        marked.add(order["ID"])
        row = {"DeveloperKey": p.developer_key, "ApplicationID": p.application_id, "OrderID": order["ID"]}
        ctx.state.storage.put("export", key, row)
    else:
        marked.discard(order["ID"])
        ctx.state.storage.delete("export", key)
    return no_content()
