"""CA's routes, matched exactly: paths and OData keys are case-sensitive, `Orders(123)` not `Orders/123`."""

from __future__ import annotations

import re

from casandbox import auth
from casandbox.context import Ctx, Handler, Route
from casandbox.errors import ApiError, no_route
from casandbox.http import ApiResponse
from casandbox.resources import adjust, batch, fulfillments, orders, products, ship

_KEY = r"\((?P<key>\d+)\)"
_ORDER_NAVS = "Items|Fulfillments|Adjustments|CustomFields|OrderAttributes|Exports|ChannelDocuments"
_ITEM_NAVS = "FulfillmentItems|Promotions|Adjustments|BundleComponents|OrderItemAttributes"


def _alias(ctx: Ctx) -> ApiResponse:
    # Product attributes, images, labels and bundle components are not emulated; the routes exist so that
    # a batch can refuse them the way CA does.
    raise no_route(f"{ctx.req.base_url}{ctx.req.path}")


def _token(ctx: Ctx) -> ApiResponse:
    return auth.token_endpoint(ctx.state, ctx.req)


def _authorize(ctx: Ctx) -> ApiResponse:
    return auth.authorize_endpoint(ctx.state, ctx.req)


def _r(name: str, group: str, methods: str, path: str, handler: Handler, **kwargs: object) -> Route:
    return Route(name, group, tuple(methods.split()), re.compile(path + "$"), handler, **kwargs)  # type: ignore[arg-type]


ROUTES: list[Route] = [
    _r("token", "token", "POST", "/oauth2/token", _token, auth=False, batchable=False),
    _r("authorize", "token", "GET", "/oauth2/authorize", _authorize, auth=False, batchable=False),
    _r("orders_list", "orders", "GET", r"/v1/Orders", orders.list_orders, scope="orders"),
    _r("order_create", "orders", "POST", r"/v1/Orders", orders.create_order, scope="orders", write=True),
    _r("orders_count", "orders", "GET", r"/v1/Orders/\$count", orders.count_orders, scope="orders"),
    _r("order_get", "orders", "GET", rf"/v1/Orders{_KEY}", orders.get_order, scope="orders", key="order"),
    _r(
        "order_update",
        "orders",
        "PATCH PUT",
        rf"/v1/Orders{_KEY}",
        orders.update_order,
        scope="orders",
        write=True,
        key="order",
    ),
    _r(
        "order_nav",
        "orders",
        "GET",
        rf"/v1/Orders{_KEY}/(?P<nav>{_ORDER_NAVS})",
        orders.order_nav,
        scope="orders",
        key="order",
    ),
    _r("ship", "ship", "POST", rf"/v1/Orders{_KEY}/Ship", ship.ship, scope="orders", write=True, key="order"),
    _r(
        "export",
        "export",
        "POST DELETE",
        rf"/v1/Orders{_KEY}/Export",
        orders.export,
        scope="orders",
        write=True,
        key="order",
        batchable=False,
    ),
    _r(
        "order_adjust",
        "adjust",
        "POST",
        rf"/v1/Orders{_KEY}/Adjust",
        adjust.adjust_order,
        scope="orders",
        write=True,
        key="order",
    ),
    _r(
        "order_item_nav",
        "orders",
        "GET",
        rf"/v1/OrderItems{_KEY}/(?P<nav>{_ITEM_NAVS})",
        orders.order_item_nav,
        scope="orders",
        key="order_item",
    ),
    _r(
        "item_adjust",
        "adjust",
        "POST",
        rf"/v1/OrderItems{_KEY}/Adjust",
        adjust.adjust_item,
        scope="orders",
        write=True,
        key="order_item",
    ),
    _r(
        "fulfillments_list",
        "fulfillments",
        "GET",
        r"/v1/Fulfillments",
        fulfillments.list_fulfillments,
        scope="orders",
    ),
    _r(
        "fulfillment_create",
        "fulfillments",
        "POST",
        r"/v1/Fulfillments",
        fulfillments.create_fulfillment,
        scope="orders",
        write=True,
    ),
    _r(
        "fulfillment_get",
        "fulfillments",
        "GET",
        rf"/v1/Fulfillments{_KEY}",
        fulfillments.get_fulfillment,
        scope="orders",
        key="fulfillment",
    ),
    _r(
        "fulfillment_update",
        "fulfillments",
        "PATCH PUT",
        rf"/v1/Fulfillments{_KEY}",
        fulfillments.update_fulfillment,
        scope="orders",
        write=True,
        key="fulfillment",
    ),
    _r(
        "fulfillment_items",
        "fulfillments",
        "GET",
        rf"/v1/Fulfillments{_KEY}/Items",
        fulfillments.fulfillment_items,
        scope="orders",
        key="fulfillment",
    ),
    _r(
        "fulfillment_item_move",
        "fulfillments",
        "POST",
        rf"/v1/FulfillmentItems{_KEY}/Move",
        fulfillments.move_item,
        scope="orders",
        write=True,
        key="fulfillment_item",
    ),
    _r("products_list", "products", "GET", r"/v1/Products", products.list_products, scope="inventory"),
    _r(
        "products_count",
        "products",
        "GET",
        r"/v1/Products/\$count",
        products.count_products,
        scope="inventory",
    ),
    _r(
        "product_get",
        "products",
        "GET",
        rf"/v1/Products{_KEY}",
        products.get_product,
        scope="inventory",
        key="product",
    ),
    _r(
        "product_nav",
        "products",
        "GET",
        rf"/v1/Products{_KEY}/DCQuantities",
        products.product_nav,
        scope="inventory",
        key="product",
    ),
    _r(
        "update_quantity",
        "update_quantity",
        "POST",
        rf"/v1/Products{_KEY}/UpdateQuantity",
        products.update_quantity,
        scope="inventory",
        write=True,
        key="product",
    ),
    _r(
        "alias",
        "products",
        "GET PUT PATCH POST DELETE",
        rf"/v1/Products{_KEY}/(?:(?:Attributes|Images|Labels)\('[^']*'\)|BundleComponents\(\d+\))",
        _alias,
        batchable=False,
    ),
    _r(
        "distribution_centers",
        "distribution_centers",
        "GET",
        r"/v1/DistributionCenters",
        products.list_distribution_centers,
    ),
    _r(
        "distribution_center_get",
        "distribution_centers",
        "GET",
        rf"/v1/DistributionCenters{_KEY}",
        products.get_distribution_center,
    ),
    _r("profiles", "profiles", "GET", r"/v1/Profiles", products.list_profiles),
    _r("batch", "batch", "POST", r"/v1/\$batch", batch.batch),
]


def resolve(method: str, path: str, url: str) -> tuple[Route, re.Match[str]]:
    """The route for a request, or CA's Web API 404 (no such path) or 405 (no such verb on it)."""
    allowed: list[str] = []
    for route in ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        if method in route.methods:
            return route, match
        allowed.extend(route.methods)
    if allowed:
        raise ApiError(405, f"The requested resource does not support http method '{method}'.", web_api_style=True)
    raise no_route(url)
