"""The demo data set: fixed credentials, two profiles, carriers, distribution centers, products, orders.

These constants are the contract with the order manager's demo cart and docs/sandbox.md.
"""

from __future__ import annotations

import random
from typing import Any

from casandbox.control import seeding
from casandbox.state import State

APPLICATION_ID = "demo-application"
SHARED_SECRET = "demo-shared-secret"  # noqa: S105 - a published demo credential, not a secret
DEVELOPER_KEY = "demo-developer-key"
SOAP_PASSWORD = "demo-soap-password"  # noqa: S105 - a published demo credential
REFRESH_TOKEN = "demo-refresh-token"  # noqa: S105 - a published demo credential
SCOPE = "orders inventory"
PROFILE_ID = 12345678
SECOND_PROFILE_ID = 12345679
PROFILE_IDS = (PROFILE_ID, SECOND_PROFILE_ID)
ACCOUNT_IDS = {
    PROFILE_ID: "a1b2c3d4-0001-4a5b-8c9d-0123456789ab",
    SECOND_PROFILE_ID: "a1b2c3d4-0002-4a5b-8c9d-0123456789ab",
}
CARRIERS = [
    ("UPS", "Ground"),
    ("UPS", "2nd Day Air"),
    ("UPS", "Next Day Air"),
    ("FedEx", "Ground"),
    ("FedEx", "Home Delivery"),
    ("FedEx", "2Day"),
    ("USPS", "Priority"),
    ("USPS", "First Class"),
    ("USPS", "Ground Advantage"),
    ("DHL", "Express"),
]
ORDERS_PER_PROFILE = {PROFILE_ID: 200, SECOND_PROFILE_ID: 100}
_SEED = 20240501


def payload() -> dict[str, Any]:
    """Everything but the orders, in the control API's seed format."""
    rng = random.Random(_SEED)
    products = []
    for profile, prefix, count, dc_ids in (
        (PROFILE_ID, "WID", 40, (1, 2, 4)),
        (SECOND_PROFILE_ID, "GAD", 30, (0,)),
    ):
        for n in range(1, count + 1):
            products.append(
                {
                    "ProfileID": profile,
                    "Sku": f"{prefix}-{n:03d}",
                    "Title": f"{'Widget' if prefix == 'WID' else 'Gadget'} model {n}",
                    "Brand": "Acme" if n % 2 else "Globex",
                    "UPC": f"0{rng.randint(10**10, 10**11 - 1)}",
                    "Cost": rng.randint(200, 4000) / 100,
                    "RetailPrice": rng.randint(500, 9999) / 100,
                    "DCQuantities": [
                        {"DistributionCenterID": d, "AvailableQuantity": rng.randint(0, 120)} for d in dc_ids
                    ],
                }
            )
    return {
        "profiles": [
            {
                "ID": PROFILE_ID,
                "AccountID": ACCOUNT_IDS[PROFILE_ID],
                "AccountName": "Demo Widgets US",
                "CompanyName": "Demo Widgets Inc.",
                "DefaultDistributionCenterID": 1,
            },
            {
                "ID": SECOND_PROFILE_ID,
                "AccountID": ACCOUNT_IDS[SECOND_PROFILE_ID],
                "AccountName": "Demo Gadgets US",
                "CompanyName": "Demo Gadgets LLC",
                "DefaultDistributionCenterID": 0,
            },
        ],
        "applications": [
            {
                "application_id": APPLICATION_ID,
                "shared_secret": SHARED_SECRET,
                "developer_key": DEVELOPER_KEY,
                "soap_password": SOAP_PASSWORD,
                "profiles": list(PROFILE_IDS),
                "refresh_tokens": [{"token": REFRESH_TOKEN, "profiles": list(PROFILE_IDS), "scope": SCOPE}],
            }
        ],
        "carriers": [{"ProfileID": p, "CarrierCode": c, "ClassCode": k} for p in PROFILE_IDS for c, k in CARRIERS],
        "distribution_centers": [
            _dc(PROFILE_ID, 1, "Main Warehouse", "MAIN", "Raleigh", "NC"),
            _dc(PROFILE_ID, 2, "West Coast Warehouse", "WEST", "Reno", "NV"),
            {
                **_dc(PROFILE_ID, 3, "Old Warehouse", "OLD", "Durham", "NC"),
                "IsDeleted": True,
                "DeletedDateUtc": "2023-01-31T00:00:00Z",
            },
            {
                **_dc(PROFILE_ID, 4, "Amazon FBA", "FBA", "Seattle", "WA"),
                "Type": "ExternallyManaged",
                "FulfillmentPartnerName": "Amazon",
            },
            # A single-DC account: CA gives its only distribution center the ID 0.
            _dc(SECOND_PROFILE_ID, 0, "Gadgets Warehouse", "GADGETS", "Columbus", "OH"),
        ],
        "products": products,
    }


def _dc(profile: int, dc_id: int, name: str, code: str, city: str, region: str) -> dict[str, Any]:
    return {
        "ProfileID": profile,
        "ID": dc_id,
        "Name": name,
        "Code": code,
        "City": city,
        "StateOrProvince": region,
        "Country": "US",
        "ContactEmail": f"{code.lower()}@example.com",
    }


def seed_demo(state: State) -> None:
    seeding.seed(state, payload())
    for profile, count in ORDERS_PER_PROFILE.items():
        seeding.generate_orders(state, profile, count, seed=_SEED + profile, shipping_status="mixed", max_items=4)
