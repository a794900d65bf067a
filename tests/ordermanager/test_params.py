"""System parameters: typed, grouped, searchable, overridable per cart."""

from __future__ import annotations

import pytest

from ordermanager.errors import InputError
from ordermanager.params import actions as params
from ordermanager.params.models import SystemParameter
from ordermanager.params.registry import GROUPS, PARAMETERS


def test_each_parameter_has_a_group_a_type_a_default_and_a_description():
    for definition in PARAMETERS.values():
        assert definition.group in GROUPS
        assert definition.value_type in (bool, int, str)
        assert isinstance(definition.default, definition.value_type)
        assert definition.description
    assert PARAMETERS["UseStatusUpdates"].group == "Program"
    assert PARAMETERS["SynchQOH"].group == "Program"
    assert PARAMETERS["TrackImportSetActualShipDate"].group == "Shipping"
    assert PARAMETERS["SetActualShipDate"].group == "Shipping"
    assert PARAMETERS["TrackingLookbackDays"].default == 7


def test_search_by_part_of_the_name_in_any_case():
    assert [p.name for p in params.search("shipdate")] == ["SetActualShipDate", "TrackImportSetActualShipDate"]
    assert [p.name for p in params.search("", group="program")] == ["StackKeepSentDays", "SynchQOH", "UseStatusUpdates"]


@pytest.mark.django_db
def test_every_parameter_has_a_row_for_the_admin():
    assert set(SystemParameter.objects.values_list("name", flat=True)) == set(PARAMETERS)


@pytest.mark.django_db
def test_values_are_typed_and_reset_returns_the_default():
    params.set_parameter("TrackingLookbackDays", " 30 ")
    assert params.get("TrackingLookbackDays") == 30
    params.reset_parameter("TrackingLookbackDays")
    assert params.get("TrackingLookbackDays") == 7


@pytest.mark.django_db
def test_a_bad_value_changes_nothing():
    params.set_parameter("TrackingLookbackDays", "9")
    with pytest.raises(InputError, match="at most 365"):
        params.set_parameter("TrackingLookbackDays", "366")
    assert params.get("TrackingLookbackDays") == 9
