"""Users with each role, and clients logged in as them, for the web app's tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

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
