"""Fixtures for the REST API: a user with a write token and one with a read token, and a client that sends them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ordermanager.api.tokens import create_token


class ApiClient:
    def __init__(self, token: str) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(None))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers(headers)
        )


def token_for(username: str, scope: str) -> str:
    get_user_model().objects.get_or_create(username=username)
    return create_token(username, scope=scope, name="tests")[1]


@pytest.fixture
def writer(db: None) -> ApiClient:
    return ApiClient(token_for("shipper", "write"))


@pytest.fixture
def reader(db: None) -> ApiClient:
    return ApiClient(token_for("viewer", "read"))
