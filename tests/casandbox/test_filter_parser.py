"""The $filter compiler on its own, against plain dictionaries."""

from __future__ import annotations

import pytest

from casandbox.odata import ODataError
from casandbox.odata.filter import compile_filter
from casandbox.schema import ORDER

pytestmark = pytest.mark.sandbox
ORDER_A = {
    "ID": 1,
    "ShippingStatus": "Unshipped",
    "TotalPrice": 10.5,
    "CreatedDateUtc": "2016-10-31T14:08:36Z",
    "BuyerUserId": "o'brien",
    "ShippingDateUtc": None,
    "Items": [{"Sku": "A"}, {"Sku": "B"}],
}


def _navs(etype, entity, nav):
    return entity.get(nav, [])


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("ID eq 1", True),
        ("ID ne 1", False),
        ("TotalPrice gt 10 and TotalPrice lt 11", True),
        ("ShippingStatus eq 'Shipped' or ID le 1", True),
        ("(ID eq 2 or ID eq 3) and ShippingStatus eq 'Unshipped'", False),
        ("CreatedDateUtc ge 2016-10-31 and CreatedDateUtc lt 2016-11-01", True),
        ("CreatedDateUtc eq 2016-10-31T10:08:36-04:00", True),
        ("month(CreatedDateUtc) eq 10 and second(CreatedDateUtc) eq 36", True),
        ("floor(TotalPrice) eq 10 and ceiling(TotalPrice) eq 11", True),
        ("BuyerUserId eq 'o''brien'", True),
        ("ShippingDateUtc eq null", True),
        ("ShippingDateUtc gt 2016-01-01", False),
        ("Items/any(i: i/Sku eq 'B')", True),
        ("Items/all(i: i/Sku eq 'B')", False),
    ],
)
def test_expressions(expr: str, expected: bool) -> None:
    assert compile_filter(expr, ORDER, _navs)(ORDER_A) is expected


@pytest.mark.parametrize(
    "expr",
    [
        "startswith(SiteOrderID, 'x')",
        "contains(SiteOrderID, 'x')",
        "ShippingStatus eq 'Bogus'",
        "CreatedDateUtc eq 'yesterday'",
        "ID eq 1 and",
        "Items eq 1",
        "not ID eq 1",
        "ID add 1 eq 2",
        "ID eq 1)",
    ],
)
def test_rejected(expr: str) -> None:
    with pytest.raises(ODataError):
        compile_filter(expr, ORDER, _navs)
