"""The in-memory model, loaded from storage at start and written through on every change.

Orders are aggregates (the order with its Items, Fulfillments and Adjustments in one JSON row): every
write touches one order, so one row per write keeps a Ship call to a single UPDATE.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from casandbox.clock import Clock
from casandbox.config import Config
from casandbox.storage import Storage

Order = dict[str, Any]

_ID_KINDS = ("order", "item", "fulfillment", "fulfillment_item", "adjustment", "product", "call", "shipment")
_FIRST_IDS = {"order": 4_000_001, "item": 7_000_001, "product": 900_001}


class State:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.clock = Clock()
        self.config = Config()
        self._clear()

    def _clear(self) -> None:
        self.applications: dict[str, dict[str, Any]] = {}
        self.profiles: dict[int, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.auth_codes: dict[str, dict[str, Any]] = {}
        self.carriers: dict[int, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
        self.dcs: dict[tuple[int, int], dict[str, Any]] = {}
        self.orders: dict[int, Order] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.product_by_sku: dict[tuple[int, str], int] = {}
        self.exports: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.calls: list[dict[str, Any]] = []
        self.shipments: list[dict[str, Any]] = []
        self.item_order: dict[int, int] = {}
        self.fulfillment_order: dict[int, int] = {}
        self.fulfillment_item_order: dict[int, int] = {}
        self._next = {kind: _FIRST_IDS.get(kind, 1) for kind in _ID_KINDS}
        self.orders_version = 0  # bumped on every order write, so derived stock figures know to recompute

    # ---- lifecycle

    def load(self) -> None:
        self._clear()
        rows = self.storage.load()
        meta = rows.get("meta", {})
        self.config = Config.from_dict(meta.get("config", {}))
        clock = meta.get("clock", {})
        self.clock = Clock(clock.get("offset", 0.0), clock.get("frozen_at"))
        self.applications = dict(rows.get("application", {}))
        self.profiles = {int(k): v for k, v in rows.get("profile", {}).items()}
        self.refresh_tokens = dict(rows.get("refresh_token", {}))
        self.access_tokens = dict(rows.get("access_token", {}))
        self.auth_codes = dict(rows.get("auth_code", {}))
        for row in rows.get("carrier", {}).values():
            self.carriers[row["ProfileID"]][(row["CarrierCode"], row["ClassCode"])] = row
        for row in rows.get("dc", {}).values():
            self.dcs[(row["ProfileID"], row["ID"])] = row
        for row in rows.get("export", {}).values():
            self.exports[(row["DeveloperKey"], row["ApplicationID"])].add(row["OrderID"])
        for order in sorted(rows.get("order", {}).values(), key=lambda o: o["ID"]):
            self.index_order(order)
        for product in sorted(rows.get("product", {}).values(), key=lambda p: p["ID"]):
            self.index_product(product)
        self.calls = sorted(rows.get("call", {}).values(), key=lambda c: c["seq"])
        self.shipments = sorted(rows.get("shipment", {}).values(), key=lambda s: s["seq"])
        self._bump("call", [c["seq"] for c in self.calls])
        self._bump("shipment", [s["seq"] for s in self.shipments])

    def wipe(self) -> None:
        self.storage.wipe()
        self._clear()
        self.config = Config()
        self.clock = Clock()

    def save_meta(self) -> None:
        self.storage.put("meta", "config", self.config.to_dict())
        self.storage.put("meta", "clock", {"offset": self.clock.offset, "frozen_at": self.clock.frozen_at})

    # ---- ids

    def next_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def _bump(self, kind: str, ids: list[int]) -> None:
        if ids:
            self._next[kind] = max(self._next[kind], max(ids) + 1)

    # ---- indexes and write-through

    def index_order(self, order: Order) -> None:
        oid = order["ID"]
        self.orders[oid] = order
        self._bump("order", [oid])
        for item in order["Items"]:
            self.item_order[item["ID"]] = oid
        self._bump("item", [i["ID"] for i in order["Items"]])
        self.reindex_fulfillments(order)
        self._bump("adjustment", [a["ID"] for a in order["Adjustments"]])

    def reindex_fulfillments(self, order: Order) -> None:
        oid = order["ID"]
        for fulfillment in order["Fulfillments"]:
            self.fulfillment_order[fulfillment["ID"]] = oid
            self._bump("fulfillment", [fulfillment["ID"]])
            for fitem in fulfillment["Items"]:
                self.fulfillment_item_order[fitem["ID"]] = oid
                self._bump("fulfillment_item", [fitem["ID"]])

    def index_product(self, product: dict[str, Any]) -> None:
        self.products[product["ID"]] = product
        self.product_by_sku[(product["ProfileID"], product["Sku"])] = product["ID"]
        self._bump("product", [product["ID"]])

    def save_order(self, order: Order) -> None:
        self.orders_version += 1
        self.storage.put("order", order["ID"], order)

    def save_product(self, product: dict[str, Any]) -> None:
        self.storage.put("product", product["ID"], product)

    def add_call(self, call: dict[str, Any]) -> None:
        call["seq"] = self.next_id("call")
        self.calls.append(call)
        self.storage.put("call", call["seq"], call)

    def add_shipment(self, record: dict[str, Any]) -> None:
        record["seq"] = self.next_id("shipment")
        self.shipments.append(record)
        self.storage.put("shipment", record["seq"], record)

    # ---- lookups

    def order_of_item(self, item_id: int) -> Order | None:
        oid = self.item_order.get(item_id)
        return self.orders.get(oid) if oid is not None else None

    def order_of_fulfillment(self, fulfillment_id: int) -> Order | None:
        oid = self.fulfillment_order.get(fulfillment_id)
        return self.orders.get(oid) if oid is not None else None

    def order_of_fulfillment_item(self, fitem_id: int) -> Order | None:
        oid = self.fulfillment_item_order.get(fitem_id)
        return self.orders.get(oid) if oid is not None else None

    def product_for_sku(self, profile_id: int, sku: str) -> dict[str, Any] | None:
        pid = self.product_by_sku.get((profile_id, sku))
        return self.products.get(pid) if pid is not None else None
