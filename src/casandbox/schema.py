"""Entity types as `$metadata` names them: property kinds drive $filter typing, $select and output order."""

from __future__ import annotations

from dataclasses import dataclass, field

NAMESPACE = "ChannelAdvisor.RestApi.V1.Models"

ENUMS: dict[str, tuple[str, ...]] = {
    "CheckoutStatus": (
        "NotVisited",
        "Completed",
        "Visited",
        "CompletedAndVisited",
        "Disabled",
        "CompletedOffline",
        "OnHold",
    ),
    "PaymentStatus": ("NotYetSubmitted", "Cleared", "Submitted", "Failed", "Deposited"),
    "ShippingStatus": (
        "Unshipped",
        "Shipped",
        "PartiallyShipped",
        "PendingShipment",
        "Canceled",
        "ThirdPartyManaged",
    ),
    "DistributionCenterTypeRollup": ("SellerManaged", "ExternallyManaged", "Mixed"),
    "FulfillmentType": ("Ship", "Pickup", "ShipToStore", "Courier"),
    "DeliveryStatus": (
        "NoChange",
        "InTransit",
        "ReadyForPickup",
        "Complete",
        "Canceled",
        "ThirdPartyManaged",
        "Confirmed",
        "PickAndPack",
        "LabelCreated",
        "Held",
    ),
    "ExternalFulfillmentStatus": ("New", "Pending", "Sent", "Processing", "Complete", "Held", "Failed"),
    "TaxType": ("NoTax", "Standard", "ExclusiveVat", "InclusiveVat"),
    "FlagType": (
        "NoFlag",
        "RedFlag",
        "QuestionMark",
        "NotAvailable",
        "Price",
        "YellowFlag",
        "GreenFlag",
        "BlueFlag",
        "NotSpecified",
        "ItemCopied",
        "ExclamationPoint",
    ),
    "AdjustmentReason": (
        "GeneralAdjustment",
        "ItemNotAvailable",
        "CustomerReturnedItem",
        "CouldNotShip",
        "AlternateItemProvided",
        "BuyerCancelled",
        "CustomerExchange",
        "MerchandiseNotReceived",
        "ShippingAddressUndeliverable",
    ),
    "AdjustmentType": ("Refund", "Cancellation"),
    "AdjustmentRequestStatus": (
        "SubmittedNotProcessed",
        "PendingSubmission",
        "Submitted",
        "PostProcessingComplete",
        "Error",
        "NoChange",
    ),
    "QuantityUpdateType": ("Absolute", "Relative", "Available", "InStock", "UnShipped", "Unconfirmed"),
    "DistributionCenterType": ("Warehouse", "ExternallyManaged", "DropShip", "RetailStore"),
}

# Kinds: "int", "decimal", "bool", "str", "date", or an enum name from ENUMS.
SCALAR_KINDS = {"int", "decimal", "bool", "str", "date"}
_EDM = {
    "int": "Edm.Int32",
    "decimal": "Edm.Decimal",
    "str": "Edm.String",
    "bool": "Edm.Boolean",
    "date": "Edm.DateTimeOffset",
}


def edm_name(kind: str) -> str:
    """The type name OData's error messages use for a kind."""
    return _EDM.get(kind, f"{NAMESPACE}.{kind}")


@dataclass
class EntityType:
    name: str
    props: dict[str, str]
    navs: dict[str, str] = field(default_factory=dict)  # nav name -> target type name
    lower: dict[str, str] = field(default_factory=dict)  # lower-case name -> canonical (props and navs)

    def __post_init__(self) -> None:
        for name in [*self.props, *self.navs]:
            self.lower[name.lower()] = name

    def canonical(self, name: str) -> str | None:
        """Property names after `?` are case-insensitive in CA's API."""
        return self.lower.get(name.lower())

    @property
    def full_name(self) -> str:
        return f"{NAMESPACE}.{self.name}"


def _props(spec: str) -> dict[str, str]:
    """`Name:kind` pairs separated by whitespace; a bare name is a string."""
    out: dict[str, str] = {}
    for token in spec.split():
        name, _, kind = token.partition(":")
        out[name] = kind or "str"
        assert out[name] in SCALAR_KINDS or out[name] in ENUMS, token
    return out


_ADDRESS = [
    "Title",
    "FirstName",
    "LastName",
    "Suffix",
    "CompanyName",
    "CompanyJobTitle",
    "DaytimePhone",
    "EveningPhone",
]
_ADDRESS += [
    "AddressLine1",
    "AddressLine2",
    "City",
    "StateOrProvince",
    "StateOrProvinceName",
    "PostalCode",
    "Country",
]

ORDER = EntityType(
    "Order",
    _props(
        "ID:int ProfileID:int SiteID:int SiteName UserDataPresent:bool UserDataRemovalDateUTC:date "
        "SiteAccountID:int SiteOrderID SecondarySiteOrderID SellerOrderID CheckoutSourceID Currency "
        "CreatedDateUtc:date ImportDateUtc:date UpdatedDateUtc:date PublicNotes PrivateNotes "
        "SpecialInstructions "
        "TotalPrice:decimal TotalTaxPrice:decimal TotalShippingPrice:decimal TotalShippingTaxPrice:decimal "
        "TotalInsurancePrice:decimal TotalGiftOptionPrice:decimal TotalGiftOptionTaxPrice:decimal "
        "AdditionalCostOrDiscount:decimal EstimatedShipDateUtc:date DeliverByDateUtc:date "
        "RequestedShippingCarrier RequestedShippingClass ResellerID FlagID:int FlagDescription OrderTags "
        "DistributionCenterTypeRollup:DistributionCenterTypeRollup CheckoutStatus:CheckoutStatus "
        "PaymentStatus:PaymentStatus ShippingStatus:ShippingStatus CheckoutDateUtc:date PaymentDateUtc:date "
        "ShippingDateUtc:date BuyerUserId BuyerEmailAddress BuyerEmailOptIn:bool OrderTaxType:TaxType "
        "ShippingTaxType:TaxType GiftOptionsTaxType:TaxType PaymentMethod PaymentTransactionID "
        "PaymentPaypalAccountID PaymentCreditCardLast4 PaymentMerchantReferenceNumber "
        + " ".join(f"Shipping{f}" for f in _ADDRESS)
        + " "
        + " ".join(f"Billing{f}" for f in _ADDRESS)
        + " PromotionCode PromotionAmount:decimal"
    ),
    {
        "Items": "OrderItem",
        "Fulfillments": "Fulfillment",
        "Adjustments": "Adjustment",
        "CustomFields": "CustomField",
        "OrderAttributes": "OrderAttribute",
        "Exports": "ExportStatus",
        "ChannelDocuments": "ChannelDocument",
    },
)

ORDER_ITEM = EntityType(
    "OrderItem",
    _props(
        "ID:int ProfileID:int OrderID:int ProductID:int SiteOrderItemID SiteListingID SellerOrderItemID Sku "
        "Title "
        "Quantity:int UnitPrice:decimal TaxPrice:decimal ShippingPrice:decimal ShippingTaxPrice:decimal "
        "RecyclingFee:decimal UnitEstimatedShippingCost:decimal GiftMessage GiftNotes GiftPrice:decimal "
        "GiftTaxPrice:decimal IsBundle:bool ItemURL HarmonizedCode ReferenceSku ReferenceProductID:int"
    ),
    {
        "FulfillmentItems": "FulfillmentItem",
        "Promotions": "Promotion",
        "Adjustments": "Adjustment",
        "BundleComponents": "BundleComponent",
        "OrderItemAttributes": "OrderItemAttribute",
    },
)

FULFILLMENT = EntityType(
    "Fulfillment",
    _props(
        "ID:int ProfileID:int OrderID:int CreatedDateUtc:date UpdatedDateUtc:date Type:FulfillmentType "
        "DeliveryStatus:DeliveryStatus TrackingNumber TrackingUrl ReturnTrackingNumber ShippingCarrier "
        "ShippingClass DistributionCenterID:int ExternalFulfillmentCenterCode "
        "ExternalFulfillmentStatus:ExternalFulfillmentStatus ShippingCost:decimal InsuranceCost:decimal "
        "TaxCost:decimal ShippedDateUtc:date SellerFulfillmentID HasShippingLabel:bool "
        "HasChannelPackingSlip:bool HasReturnLabel:bool"
    ),
    {"Items": "FulfillmentItem"},
)

FULFILLMENT_ITEM = EntityType(
    "FulfillmentItem",
    _props("ID:int ProfileID:int FulfillmentID:int OrderID:int OrderItemID:int Quantity:int ProductID:int"),
)

ADJUSTMENT = EntityType(
    "Adjustment",
    _props(
        "ID:int ProfileID:int OrderID:int OrderItemID:int SellerAdjustmentID Type:AdjustmentType "
        "Reason:AdjustmentReason RequestStatus:AdjustmentRequestStatus Comment Quantity:int Restock:bool "
        "PreventSiteProcessing:bool ItemAdjustment:decimal TaxAdjustment:decimal ShippingAdjustment:decimal "
        "ShippingTaxAdjustment:decimal GiftWrapAdjustment:decimal GiftWrapTaxAdjustment:decimal "
        "RecyclingFeeAdjustment:decimal CreatedDateUtc:date"
    ),
)

PROMOTION = EntityType("Promotion", _props("ID:int ProfileID:int OrderItemID:int Code Amount:decimal"))
CUSTOM_FIELD = EntityType("CustomField", _props("ID:int ProfileID:int OrderID:int FieldID:int Value"))
ORDER_ATTRIBUTE = EntityType("OrderAttribute", _props("ProfileID:int OrderID:int Name Value"))
CHANNEL_DOCUMENT = EntityType("ChannelDocument", _props("ID:int ProfileID:int OrderID:int DocumentType Url"))
BUNDLE_COMPONENT = EntityType(
    "BundleComponent", _props("ID:int ProfileID:int OrderItemID:int ProductID:int ComponentSku Quantity:int")
)
ORDER_ITEM_ATTRIBUTE = EntityType("OrderItemAttribute", _props("ProfileID:int OrderItemID:int Name Value"))
EXPORT_STATUS = EntityType(
    "ExportStatus", _props("ID:int ProfileID:int OrderID:int ApplicationID DeveloperKey Override:bool")
)

PRODUCT = EntityType(
    "Product",
    _props(
        "ID:int ProfileID:int CreateDateUtc:date UpdateDateUtc:date QuantityUpdateDateUtc:date Sku "
        "Title Brand "
        "Manufacturer MPN UPC EAN ASIN Description Condition Cost:decimal RetailPrice:decimal "
        "Weight:decimal IsParent:bool ParentProductID:int IsBlocked:bool "
        "TotalAvailableQuantity:int TotalQuantity:int TotalQuantityPooled:int "
        "OpenAllocatedQuantity:int OpenAllocatedQuantityPooled:int "
        "PendingCheckoutQuantity:int PendingCheckoutQuantityPooled:int "
        "PendingPaymentQuantity:int PendingPaymentQuantityPooled:int "
        "PendingShipmentQuantity:int PendingShipmentQuantityPooled:int"
    ),
    {"DCQuantities": "DCQuantity"},
)

DC_QUANTITY = EntityType(
    "DCQuantity", _props("ProductID:int ProfileID:int DistributionCenterID:int AvailableQuantity:int")
)

DISTRIBUTION_CENTER = EntityType(
    "DistributionCenter",
    _props(
        "ID:int ProfileID:int Name Code FulfillmentPartnerName ContactName ContactEmail ContactPhone "
        "Address1 "
        "Address2 City StateOrProvince Country PostalCode PickupLocation:bool ShipLocation:bool "
        "Type:DistributionCenterType IsExternallyManaged:bool IsDeleted:bool DeletedDateUtc:date"
    ),
)

PROFILE = EntityType("Profile", _props("ID:int AccountName CompanyName DefaultDistributionCenterID:int IsEnabled:bool"))

TYPES: dict[str, EntityType] = {
    t.name: t
    for t in (
        ORDER,
        ORDER_ITEM,
        FULFILLMENT,
        FULFILLMENT_ITEM,
        ADJUSTMENT,
        PROMOTION,
        CUSTOM_FIELD,
        ORDER_ATTRIBUTE,
        CHANNEL_DOCUMENT,
        BUNDLE_COMPONENT,
        ORDER_ITEM_ATTRIBUTE,
        EXPORT_STATUS,
        PRODUCT,
        DC_QUANTITY,
        DISTRIBUTION_CENTER,
        PROFILE,
    )
}
