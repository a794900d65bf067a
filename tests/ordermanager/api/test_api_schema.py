"""schemathesis against the API's own OpenAPI document: no 500s, and every answer matches the schema.

Generated requests (valid and invalid) go to every operation with a write token, through Django's WSGI
application and the test database. A few seeded orders give the generator real numbers to hit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import new_order
from tests.ordermanager.api.conftest import token_for

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# negative_data_rejection is left out: the test adds the token to every request, so schemathesis's cases
# "without the Authorization header" arrive with it and are answered, which that check counts as a failure.


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request; the test's transaction needs it open
    (Django's test client disconnects the same signal handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(ca_cart, status_updates, settings, keep_test_connection) -> str:
    settings.ORDERMANAGER_API_REQUESTS_PER_MINUTE = 100_000
    for _ in range(3):
        new_order(ca_cart, ("SKU-1", 3))
    return token_for("schemathesis", "write")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_answers_every_request_as_its_schema_says(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)
