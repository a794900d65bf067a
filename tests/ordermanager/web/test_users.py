"""Maintenance > Users: managers add users with a role, change roles, deactivate and set passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ordermanager.web.accounts import role_of
from tests.ordermanager.web.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

GOOD = "a long enough pass phrase"


def test_a_manager_adds_an_operator_who_can_then_log_in(manager_client: Client) -> None:
    response = manager_client.post(
        "/maintenance/users/",
        {"username": "otto", "email": "otto@example.com", "role": "Operator", "password": GOOD, "confirm": GOOD},
    )
    assert response.status_code == 302
    otto = User.objects.get(username="otto")
    assert role_of(otto) == "Operator"
    assert Client().login(username="otto", password=GOOD)
    assert "User otto added as Operator." in manager_client.get("/maintenance/users/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "role": "Operator"}, "a user name is 1 to 150 characters"),
        ({"username": "olga smith", "role": "Operator"}, "use letters, digits and @ . + - _ only"),
        ({"username": "max", "role": "Operator"}, "there is already a user"),
        ({"username": "otto", "role": "Boss"}, "choose Operator or Manager, not &#x27;Boss&#x27;"),
        ({"username": "otto", "role": "Operator", "confirm": "something else"}, "the two passwords differ"),
        ({"username": "otto", "role": "Operator", "password": "short", "confirm": "short"}, "too short"),
    ],
)
def test_bad_input_names_the_field_and_adds_nobody(manager_client: Client, data: dict, message: str) -> None:
    before = User.objects.count()
    response = manager_client.post("/maintenance/users/", {"password": GOOD, "confirm": GOOD, **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_change_role_deactivate_and_set_a_password(manager_client: Client, operator: User) -> None:
    url = f"/maintenance/users/{operator.pk}/"
    manager_client.post(url, {"change": "role", "role": "Manager"})
    operator.refresh_from_db()
    assert role_of(operator) == "Manager"
    manager_client.post(url, {"change": "deactivate"})
    assert not Client().login(username=operator.username, password=PASSWORD)
    manager_client.post(url, {"change": "activate"})
    manager_client.post(url, {"change": "password", "password": GOOD, "confirm": GOOD})
    assert Client().login(username=operator.username, password=GOOD)


def test_a_manager_cannot_lock_themselves_out_nor_touch_a_superuser(
    manager_client: Client, manager: User, admin_user: User
) -> None:
    own = manager_client.post(f"/maintenance/users/{manager.pk}/", {"change": "deactivate"})
    assert own.status_code == 422
    assert "you cannot change your own role or access" in own.content.decode()
    superuser = manager_client.post(f"/maintenance/users/{admin_user.pk}/", {"change": "deactivate"})
    assert "is a superuser" in superuser.content.decode()
    manager.refresh_from_db()
    admin_user.refresh_from_db()
    assert manager.is_active
    assert admin_user.is_active


def test_operators_cannot_manage_users(operator_client: Client, manager: User) -> None:
    assert operator_client.get("/maintenance/users/").status_code == 403
    assert operator_client.post(f"/maintenance/users/{manager.pk}/", {"change": "deactivate"}).status_code == 403
    manager.refresh_from_db()
    assert manager.is_active


def test_the_users_page_has_a_query_budget(manager_client: Client, django_assert_max_num_queries) -> None:
    for n in range(20):
        make_user(f"user{n}", "Operator" if n % 2 else "Manager")
    with django_assert_max_num_queries(8):
        response = manager_client.get("/maintenance/users/")
    assert response.content.decode().count('<tr id="user-') == 21
