"""Users with each role, and clients logged in as them, for the web app's tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord

PASSWORD = "correct horse battery"


def make_user(username: str, role: str | None = None, **fields: object) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def operator(db: None) -> User:
    return make_user("olga", "Operator")


@pytest.fixture
def manager(db: None) -> User:
    return make_user("max", "Manager")


@pytest.fixture
def operator_client(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def manager_client(manager: User) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def fail_records(cart_id: int | None, kind: ErrorKind, message: str, fix_hint: str = "") -> list[StackRecord]:
    """What a controller does when the cart refuses: claim the lane's due records and mark them failed,
    through the stack's own actions (in this thread, so inside the test's transaction)."""
    holder, lane = "test-controller", f"cart:{cart_id}"
    assert leases.acquire(lane, holder, 60)
    claimed = stack_actions.claim(cart_id, holder, lane, 100, 60)
    for record in claimed:
        stack_actions.mark_failed(record, holder, CartError(kind, message, fix_hint=fix_hint), "test")
    leases.release(lane, holder)
    return claimed
