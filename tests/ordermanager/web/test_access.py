"""Login, roles and the permission check every view goes through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ordermanager.web.permissions import MANAGE_SETTINGS, ROLES
from tests.ordermanager.web.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def web_views() -> list[tuple[str, object]]:
    """Every view the web app's URLconf reaches (the login/logout views aside)."""
    found = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name not in ("login", "logout"):
                found.append((prefix + str(p.pattern), p.callback))

    walk(get_resolver("ordermanager.web.urls").url_patterns, "")
    return found


def test_the_data_migration_creates_both_roles_with_their_permissions() -> None:
    for role, permissions in ROLES.items():
        held = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        assert held == set(permissions)


def test_every_web_view_checks_a_permission() -> None:
    views = web_views()
    assert len(views) >= 5
    unchecked = [route for route, view in views if not hasattr(view, "required_permission")]
    assert unchecked == []


def test_anonymous_users_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get("/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/orders/"


def test_login_with_the_form_then_logout() -> None:
    make_user("olga", "Operator")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.cookies["csrftoken"].value
    bad = client.post("/login/", {"username": "olga", "password": "wrong", "csrfmiddlewaretoken": token})
    assert bad.status_code == 200
    assert b"Please enter a correct username and password" in bad.content
    good = client.post("/login/", {"username": "olga", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert good.status_code == 302
    assert good["Location"] == "/"
    assert client.get("/").status_code == 200
    token = client.cookies["csrftoken"].value
    assert client.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_post_without_the_csrf_token_is_refused() -> None:
    make_user("olga", "Operator")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "olga", "password": PASSWORD}).status_code == 403


def test_an_operator_cannot_open_maintenance(operator_client: Client) -> None:
    response = operator_client.get("/maintenance/")
    assert response.status_code == 403
    assert b"Manager role" in response.content
    assert b"Maintenance menu" not in operator_client.get("/").content


def test_a_manager_and_a_superuser_open_maintenance(manager_client: Client, admin_client: Client) -> None:
    assert manager_client.get("/maintenance/").status_code == 200
    assert admin_client.get("/maintenance/").status_code == 200


def test_a_user_without_a_role_sees_nothing() -> None:
    client = Client()
    client.force_login(User.objects.create_user("nobody", password=PASSWORD))
    assert client.get("/orders/").status_code == 403
    assert client.get("/stack/").status_code == 403


def test_manager_only_views_are_marked_so() -> None:
    maintenance = [view for route, view in web_views() if route.startswith("maintenance/")]
    assert maintenance
    # The stack viewer is also listed under Maintenance, but its URL is /stack/ (operators retry records).
    assert {view.required_permission for view in maintenance} <= {
        MANAGE_SETTINGS,
        "web.manage_carts",
        "web.manage_users",
    }


def test_the_login_and_maintenance_pages_have_query_budgets(
    client: Client, manager_client: Client, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(0):
        assert client.get("/login/").status_code == 200
    with django_assert_max_num_queries(6):
        assert manager_client.get("/maintenance/").status_code == 200
