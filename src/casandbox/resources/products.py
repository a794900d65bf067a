"""Products by ProductID (never SKU), their DC quantities, and UpdateQuantity."""

from __future__ import annotations

from typing import Any

from casandbox import bodies, stock, timefmt
from casandbox.context import Ctx
from casandbox.errors import bad_request, not_found_entity
from casandbox.http import ApiResponse, no_content
from casandbox.resources import common
from casandbox.schema import DISTRIBUTION_CENTER, PRODUCT, PROFILE

PENDING = stock.PendingQuantities()

DC_UPDATE: bodies.Spec = {"DistributionCenterID": "int", "Quantity": "int"}
QUANTITY_UPDATE: bodies.Spec = {
    "CompleteDCList": "bool",
    "UpdateType": "QuantityUpdateType",
    "Updates": ("list", DC_UPDATE, "DCxQtyUpdate"),
}


def _products(ctx: Ctx) -> list[dict[str, Any]]:
    state = ctx.state
    return [stock.derived(state, PENDING, p) for p in state.products.values() if ctx.visible(p["ProfileID"])]


def list_products(ctx: Ctx) -> ApiResponse:
    page_size = ctx.state.config.page_sizes["Products"]
    return common.collection(ctx, "Products", PRODUCT, _products(ctx), page_size=page_size)


def count_products(ctx: Ctx) -> ApiResponse:
    return common.count(ctx, PRODUCT, _products(ctx))


def _find(ctx: Ctx) -> dict[str, Any]:
    product = ctx.state.products.get(ctx.key())
    if product is None or not ctx.visible(product["ProfileID"]):
        raise not_found_entity("Products", ctx.key())
    return product


def get_product(ctx: Ctx) -> ApiResponse:
    product = stock.derived(ctx.state, PENDING, _find(ctx))
    return common.single(ctx, "Products", PRODUCT, product, ctx.key())


def product_nav(ctx: Ctx) -> ApiResponse:
    return common.nav_collection(ctx, PRODUCT, _find(ctx), "DCQuantities")


def update_quantity(ctx: Ctx) -> ApiResponse:
    body = ctx.json_body()
    if not isinstance(body, dict) or body.get("Value") is None:
        raise bad_request(
            "The parameter 'Value' is missing: the body must be {\"Value\": {...QuantityUpdateRequest...}}."
        )
    request = bodies.check(body["Value"], QUANTITY_UPDATE, "QuantityUpdateRequest")
    update_type = bodies.required(request, "UpdateType", "QuantityUpdateRequest")
    updates = request.get("Updates")
    if not updates:
        raise bad_request("The property 'Updates' is required and must list at least one distribution center.")
    state = ctx.state
    product = _find(ctx)
    profile = product["ProfileID"]
    for update in updates:
        dc_id = bodies.required(update, "DistributionCenterID", "DCxQtyUpdate")
        bodies.required(update, "Quantity", "DCxQtyUpdate")
        dc = state.dcs.get((profile, dc_id))
        if dc is None or dc["IsDeleted"]:
            raise bad_request(f"The distribution center {dc_id} does not exist.")
        if dc["IsExternallyManaged"]:
            raise bad_request(f"The distribution center {dc_id} is externally managed; its quantity cannot be updated.")
    figures = stock.derived(state, PENDING, product)
    default_dc = state.profiles[profile].get("DefaultDistributionCenterID")
    rows = {row["DistributionCenterID"]: row for row in product["DCQuantities"]}
    if request.get("CompleteDCList"):
        for row in rows.values():
            row["AvailableQuantity"] = 0
    for update in updates:
        row = rows.get(update["DistributionCenterID"])
        if row is None:
            row = {
                "ProductID": product["ID"],
                "ProfileID": profile,
                "DistributionCenterID": update["DistributionCenterID"],
            }
            row["AvailableQuantity"] = 0
            product["DCQuantities"].append(row)
            rows[row["DistributionCenterID"]] = row
        if update_type == "Relative":
            value = row["AvailableQuantity"] + update["Quantity"]
        else:
            # Pending units ship from the profile's default DC, so only its figure has them taken off.
            taken = stock.deduction(update_type, figures) if update["DistributionCenterID"] == default_dc else 0
            value = update["Quantity"] - taken
        row["AvailableQuantity"] = max(0, value)
    now = timefmt.format_utc(state.clock.now())
    product["QuantityUpdateDateUtc"] = product["UpdateDateUtc"] = now
    state.save_product(product)
    return no_content()


def list_distribution_centers(ctx: Ctx) -> ApiResponse:
    dcs = [dc for (profile, _), dc in ctx.state.dcs.items() if ctx.visible(profile)]
    page_size = ctx.state.config.page_sizes["DistributionCenters"]
    return common.collection(ctx, "DistributionCenters", DISTRIBUTION_CENTER, dcs, page_size=page_size)


def get_distribution_center(ctx: Ctx) -> ApiResponse:
    dc = next((dc for p in ctx.principal.profiles if (dc := ctx.state.dcs.get((p, ctx.key())))), None)
    return common.single(ctx, "DistributionCenters", DISTRIBUTION_CENTER, dc, ctx.key())


def list_profiles(ctx: Ctx) -> ApiResponse:
    profiles = [_profile(p) for pid, p in ctx.state.profiles.items() if ctx.visible(pid)]
    page_size = ctx.state.config.page_sizes["Profiles"]
    return common.collection(ctx, "Profiles", PROFILE, profiles, page_size=page_size)


def _profile(profile: dict[str, Any]) -> dict[str, Any]:
    return {name: profile.get(name) for name in PROFILE.props}
