"""Bulk seeding from JSON, and a generator of realistic orders."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from casandbox import auth, builders, timefmt
from casandbox.state import State

SEED_KEYS = ("profiles", "applications", "carriers", "distribution_centers", "products", "orders")


def seed(state: State, payload: dict[str, Any]) -> dict[str, Any]:
    """Add everything in `payload`; raises ValueError (a 400 for the caller) on the first bad entry."""
    unknown = set(payload) - set(SEED_KEYS)
    if unknown:
        raise ValueError(f"unknown seed section(s): {sorted(unknown)}; expected {list(SEED_KEYS)}")
    for profile in payload.get("profiles", []):
        add_profile(state, profile)
    for app in payload.get("applications", []):
        add_application(state, app)
    for carrier in payload.get("carriers", []):
        add_carrier(state, carrier)
    for dc in payload.get("distribution_centers", []):
        builders.build_dc(state, dc)
    products = [builders.build_product(state, p)["ID"] for p in payload.get("products", [])]
    orders = [builders.build_order(state, o) for o in payload.get("orders", [])]
    return {
        "product_ids": products,
        "order_ids": [o["ID"] for o in orders],
        "order_item_ids": {str(o["ID"]): [i["ID"] for i in o["Items"]] for o in orders},
    }


def add_profile(state: State, raw: dict[str, Any]) -> None:
    if not isinstance(raw.get("ID"), int) or not raw.get("AccountID"):
        raise ValueError("a profile needs an integer ID and an AccountID GUID")
    profile = {
        "ID": raw["ID"],
        "AccountID": str(raw["AccountID"]),
        "AccountName": raw.get("AccountName", f"Profile {raw['ID']}"),
        "CompanyName": raw.get("CompanyName", f"Company {raw['ID']}"),
        "DefaultDistributionCenterID": raw.get("DefaultDistributionCenterID", 0),
        "IsEnabled": raw.get("IsEnabled", True),
    }
    state.profiles[profile["ID"]] = profile
    state.storage.put("profile", profile["ID"], profile)


def add_application(state: State, raw: dict[str, Any]) -> None:
    for key in ("application_id", "shared_secret", "developer_key"):
        if not raw.get(key):
            raise ValueError(f"an application needs '{key}'")
    profiles = list(raw.get("profiles", []))
    if any(p not in state.profiles for p in profiles):
        raise ValueError(f"application {raw['application_id']}: unknown profile in {profiles}")
    app = {
        "application_id": raw["application_id"],
        "shared_secret": raw["shared_secret"],
        "developer_key": raw["developer_key"],
        "soap_password": raw.get("soap_password"),
        "profiles": profiles,
    }
    state.applications[app["application_id"]] = app
    state.storage.put("application", app["application_id"], app)
    for token in raw.get("refresh_tokens", []):
        scope = token.get("scope", "orders inventory")
        auth.add_refresh_token(state, app["application_id"], token.get("profiles", profiles), scope, token["token"])


def add_carrier(state: State, raw: dict[str, Any]) -> None:
    profile, carrier, klass = raw.get("ProfileID"), raw.get("CarrierCode"), raw.get("ClassCode")
    if profile not in state.profiles or not carrier or not klass:
        raise ValueError("a carrier needs a known ProfileID, a CarrierCode and a ClassCode")
    row = {
        "ProfileID": profile,
        "CarrierCode": carrier,
        "ClassCode": klass,
        "CarrierName": raw.get("CarrierName", carrier),
        "ClassName": raw.get("ClassName", klass),
    }
    state.carriers[profile][(carrier, klass)] = row
    state.storage.put("carrier", f"{profile}:{carrier}:{klass}", row)


_FIRST = ("Ava", "Ben", "Chloe", "Dan", "Emma", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kate", "Liam")
_LAST = ("Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Clark")
_CITIES = [
    ("Raleigh", "NC", "27601"),
    ("Austin", "TX", "73301"),
    ("Portland", "OR", "97201"),
    ("Denver", "CO", "80202"),
    ("Columbus", "OH", "43004"),
    ("Tampa", "FL", "33601"),
    ("Madison", "WI", "53703"),
    ("Boise", "ID", "83702"),
]
_SITES = [(640, "Amazon Seller Central - US"), (578, "eBay Fixed Price - US"), (1157, "Walmart Marketplace")]
# A realistic spread for "mixed": (weight, ShippingStatus, CheckoutStatus, PaymentStatus, rollup)
_MIX = [
    (50, "Unshipped", "Completed", "Cleared", "SellerManaged"),
    (5, "Unshipped", "Completed", "Submitted", "SellerManaged"),
    (4, "Unshipped", "Visited", "NotYetSubmitted", "SellerManaged"),
    (4, "PendingShipment", "Completed", "Cleared", "SellerManaged"),
    (20, "Shipped", "Completed", "Cleared", "SellerManaged"),
    (6, "PartiallyShipped", "Completed", "Cleared", "SellerManaged"),
    (5, "Canceled", "Completed", "Cleared", "SellerManaged"),
    (6, "ThirdPartyManaged", "Completed", "Cleared", "ExternallyManaged"),
]


def generate_orders(state: State, profile_id: int, count: int, **options: Any) -> list[int]:
    """`count` realistic orders for a profile, with SKUs and carriers from what is seeded for it."""
    allowed = {"seed", "shipping_status", "checkout_status", "payment_status", "max_items", "days"}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"unknown generator option(s): {sorted(unknown)}")
    if profile_id not in state.profiles:
        raise ValueError(f"unknown profile {profile_id}")
    rng = random.Random(options.get("seed"))
    skus = sorted(sku for (pid, sku) in state.product_by_sku if pid == profile_id) or [
        f"GEN-{n:04d}" for n in range(50)
    ]
    pairs = sorted(state.carriers.get(profile_id, {})) or [("UPS", "Ground")]
    max_items, days = int(options.get("max_items", 3)), float(options.get("days", 30))
    now = state.clock.now()
    ids = []
    for _ in range(count):
        status = _status(rng, options)
        created = now - timedelta(seconds=rng.uniform(0, days * 86400))
        raw = _order(rng, profile_id, skus, pairs, max_items, status, timefmt.format_utc(created))
        ids.append(builders.build_order(state, raw)["ID"])
    return ids


def _status(rng: random.Random, options: dict[str, Any]) -> tuple[str, str, str, str]:
    shipping = options.get("shipping_status", "Unshipped")
    if shipping == "mixed":
        row = rng.choices(_MIX, weights=[m[0] for m in _MIX])[0]
        return row[1], row[2], row[3], row[4]
    rollup = "ExternallyManaged" if shipping == "ThirdPartyManaged" else "SellerManaged"
    return (
        shipping,
        options.get("checkout_status", "Completed"),
        options.get("payment_status", "Cleared"),
        rollup,
    )


def _order(
    rng: random.Random,
    profile_id: int,
    skus: list[str],
    pairs: list[tuple[str, str]],
    max_items: int,
    status: tuple[str, str, str, str],
    created: str,
) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, region, postal = rng.choice(_CITIES)
    site_id, site_name = rng.choice(_SITES)
    carrier, klass = rng.choice(pairs)
    lines = rng.sample(skus, k=min(len(skus), rng.randint(1, max(1, max_items))))
    items = [
        {"Sku": sku, "Quantity": rng.choice((1, 1, 1, 2, 3)), "UnitPrice": rng.randint(500, 9999) / 100}
        for sku in lines
    ]
    shipping_status, checkout, payment, rollup = status
    address = {
        "FirstName": first,
        "LastName": last,
        "AddressLine1": f"{rng.randint(10, 9999)} {rng.choice(_LAST)} St",
        "City": city,
        "StateOrProvince": region,
        "PostalCode": postal,
        "Country": "US",
        "DaytimePhone": f"919-555-{rng.randint(0, 9999):04d}",
    }
    order: dict[str, Any] = {
        "ProfileID": profile_id,
        "SiteID": site_id,
        "SiteName": site_name,
        "SiteOrderID": _site_order_id(rng, site_id),
        "CreatedDateUtc": created,
        "ImportDateUtc": created,
        "UpdatedDateUtc": created,
        "CheckoutDateUtc": created if checkout.startswith("Completed") else None,
        "PaymentDateUtc": created if payment in ("Cleared", "Deposited") else None,
        "BuyerEmailAddress": f"{first}.{last}{rng.randint(1, 999)}@example.com".lower(),
        "BuyerUserId": f"{first}{last}{rng.randint(1, 99)}".lower(),
        "RequestedShippingCarrier": carrier,
        "RequestedShippingClass": klass,
        "ShippingStatus": shipping_status,
        "CheckoutStatus": checkout,
        "PaymentStatus": payment,
        "DistributionCenterTypeRollup": rollup,
        "PaymentMethod": rng.choice(("VI", "MC", "AX", "PayPal")),
        "Items": items,
    }
    for key, value in address.items():
        order[f"Shipping{key}"] = order[f"Billing{key}"] = value
    return order


def _site_order_id(rng: random.Random, site_id: int) -> str:
    if site_id == 640:
        return f"11{rng.randint(1, 4)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
    if site_id == 578:
        return f"{rng.randint(10, 27)}-{rng.randint(0, 99999):05d}-{rng.randint(0, 99999):05d}"
    return f"{rng.randint(10**12, 10**13 - 1)}"
