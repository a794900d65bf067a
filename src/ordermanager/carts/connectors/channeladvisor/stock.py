"""Stock levels to ChannelAdvisor: ProductIDs by SKU (kept per cart), distribution centers, UpdateQuantity.

One UpdateQuantity per SKU carries every mapped center of the profile, with absolute quantities read
when the record is sent. Deleted and externally managed (FBA) centers are never written: a mapping to
one is a problem record that says how to fix it. Without mappings the total goes to the profile's only
center, or to its default center when it has several.
"""

from __future__ import annotations

import time

from ordermanager.carts.connectors.base import CartError, ErrorKind, Guard, QuantityUpdate, RemoteCenter
from ordermanager.carts.connectors.channeladvisor import answers
from ordermanager.carts.connectors.channeladvisor.client import ChannelAdvisorClient
from ordermanager.carts.models import Cart, ChannelAdvisorAccount
from ordermanager.inventory import actions as inventory
from ordermanager.inventory.models import CartProduct, CenterMapping

# A center deleted or handed to FBA meanwhile is noticed within this long (or at once, when CA refuses it).
CENTERS_FRESH_SECONDS = 300.0
MAP_HINT = "ordermanager stock map-center"


def odata_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StockSender:
    def __init__(self, cart: Cart, account: ChannelAdvisorAccount, client: ChannelAdvisorClient) -> None:
        self.cart, self.account, self.client = cart, account, client
        self._centers: dict[int, RemoteCenter] = {}
        self._centers_read_at = float("-inf")

    # --- distribution centers -------------------------------------------------------------------

    def centers(self, *, fresh: bool = False) -> dict[int, RemoteCenter]:
        if fresh or time.monotonic() - self._centers_read_at > CENTERS_FRESH_SECONDS:
            profile = self.account.profile_id
            default = next(
                (
                    p.DefaultDistributionCenterID
                    for p in self.client.records(answers.Profile, "/v1/Profiles", {})
                    if profile == p.ID
                ),
                None,
            )
            self._centers = {
                dc.ID: RemoteCenter(
                    center_id=dc.ID,
                    name=dc.Name or "",
                    code=dc.Code or "",
                    deleted=dc.IsDeleted,
                    externally_managed=dc.IsExternallyManaged or dc.Type == "ExternallyManaged",
                    is_default=default == dc.ID,
                )
                for dc in self.client.records(answers.DistributionCenter, "/v1/DistributionCenters", {})
                if dc.ProfileID in (None, profile)
            }
            self._centers_read_at = time.monotonic()
        return self._centers

    def _targets(self, update: QuantityUpdate) -> list[dict[str, int]]:
        mapped = list(CenterMapping.objects.filter(cart=self.cart).values_list("warehouse__code", "center_id"))
        centers = self.centers()
        if not mapped:
            return [{"DistributionCenterID": self._unmapped_center(centers), "Quantity": max(update.quantity, 0)}]
        targets = []
        for warehouse, center_id in mapped:
            center = centers.get(center_id)
            if center is None or not center.writable:
                state = "does not exist" if center is None else f"is {center.state}"
                raise CartError(
                    ErrorKind.PERMANENT,
                    f"distribution center {center_id} (warehouse {warehouse}) {state} at ChannelAdvisor",
                    fix_hint=f"map warehouse {warehouse} to a center the merchant manages ({MAP_HINT}; "
                    f"ordermanager carts dcs {self.cart.store_name!r} lists them), then retry the record",
                )
            targets.append(
                {"DistributionCenterID": center_id, "Quantity": max(update.by_warehouse.get(warehouse, 0), 0)}
            )
        return targets

    def _unmapped_center(self, centers: dict[int, RemoteCenter]) -> int:
        writable = [c for c in centers.values() if c.writable]
        if len(writable) == 1:
            return writable[0].center_id
        default = next((c for c in writable if c.is_default), None)
        if default is None:
            raise CartError(
                ErrorKind.PERMANENT,
                f"profile {self.account.profile_id} has {len(writable)} distribution centers the merchant "
                "manages and none is its default",
                fix_hint=f"map each warehouse to a center ({MAP_HINT})"
                if writable
                else "add a warehouse distribution center in ChannelAdvisor",
            )
        return default.center_id

    # --- ProductIDs ---------------------------------------------------------------------------

    def _remote_id(self, sku: str) -> int | None:
        kept = CartProduct.objects.filter(cart=self.cart, sku=sku).values_list("remote_id", flat=True).first()
        if kept is not None:
            return kept
        query = {"$filter": f"ProfileID eq {self.account.profile_id} and Sku eq {odata_quote(sku)}", "$select": "ID"}
        found = next(self.client.records(answers.ProductId, "/v1/Products", query), None)
        if found is None:
            return None
        inventory.remember_remote_id(self.cart, sku, found.ID)
        return found.ID

    # --- sending ----------------------------------------------------------------------------------

    def push(self, update: QuantityUpdate, guard: Guard | None) -> None:
        body = {"Value": {"UpdateType": "Absolute", "Updates": self._targets(update)}}
        for attempt in (1, 2):
            product = self._remote_id(update.sku)
            if product is None:
                raise CartError(
                    ErrorKind.PERMANENT,
                    f"ChannelAdvisor has no product with SKU {update.sku} in profile {self.account.profile_id}",
                    fix_hint="create the product in ChannelAdvisor with this SKU (or correct the SKU here), "
                    "then retry the record",
                )
            try:
                self.client.request("POST", f"/v1/Products({product})/UpdateQuantity", json=body, guard=guard)
                return
            except CartError as error:
                if error.status == 404 and attempt == 1:
                    inventory.forget_remote_id(self.cart, update.sku)  # deleted and created again: a new ID
                    continue
                raise self._explained(error) from None

    def _explained(self, error: CartError) -> CartError:
        if error.status == 400:
            self.centers(fresh=True)  # a center changed at ChannelAdvisor: the next send reads them again
            error.fix_hint = (
                "check the warehouse mapping against the account's centers "
                f"(ordermanager carts dcs {self.cart.store_name!r}; {MAP_HINT}), then retry the record"
            )
        return error
