"""A deployment that is safe by default: HTTPS settings, login lockout, private metrics, a health check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from ordermanager.carts import actions as service
from ordermanager.stack import leases, metrics
from ordermanager.stack.models import StackRecord

STRONG_SECRET = "x7Kp2-" + "qZ9vLm3RtY8wNb4HcJ6sDf1GaE5uTo0iPxWkVyQn" * 2


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERMANAGER_HTTPS")}
    env.update(ORDERMANAGER_DATA=str(tmp_path), DJANGO_SECRET_KEY=STRONG_SECRET, **extra)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ordermanager", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = _check_deploy(tmp_path, ORDERMANAGER_HTTPS="1")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_https(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


# --- login lockout ------------------------------------------------------------------------------

PASSWORD = "a-long-Passphrase-for-tests"


def _login(client: Client, username: str, password: str, page: str = "/admin/login/?next=/admin/") -> int:
    response = client.post(page, {"username": username, "password": password})
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/admin/login/?next=/admin/", "/login/"])
def test_ten_wrong_passwords_lock_the_account(page):
    User.objects.create_superuser("op", "op@example.com", PASSWORD)
    client = Client()
    for _ in range(9):
        assert _login(client, "op", "wrong", page) == 200  # the form again, with its error
    # the tenth wrong one locks the account ...
    assert _login(client, "op", "wrong", page) == 429
    # ... and now even the right password is refused, from any address, on either login page
    assert _login(Client(REMOTE_ADDR="10.0.0.9"), "op", PASSWORD, page) == 429
    assert _login(Client(REMOTE_ADDR="10.0.0.9"), "op", PASSWORD) == 429
    assert Client().get("/admin/").status_code == 302


@pytest.mark.django_db
def test_nine_wrong_passwords_then_the_right_one_logs_in():
    User.objects.create_superuser("op", "op@example.com", PASSWORD)
    client = Client()
    for _ in range(9):
        _login(client, "op", "wrong")
    assert _login(client, "op", PASSWORD) == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_full_set_of_password_validators():
    from django.conf import settings
    from django.contrib.auth.password_validation import get_password_validators, validate_password
    from django.core.exceptions import ValidationError

    assert len(get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)) == 4
    user = User(username="warehouse", email="warehouse@example.com")
    for weak in ("12345678901", "password123", "warehouse1", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)


# --- /metrics and /healthz ----------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_need_the_token_or_a_staff_login(settings):
    settings.METRICS_TOKEN = "scrape-token"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200
    staff = Client()
    staff.force_login(User.objects.create_user("ops", password=PASSWORD, is_staff=True))
    assert staff.get("/metrics").status_code == 200
    clerk = Client()
    clerk.force_login(User.objects.create_user("clerk", password=PASSWORD))
    assert clerk.get("/metrics").status_code == 401
    settings.METRICS_PUBLIC = True
    assert Client().get("/metrics").status_code == 200


@pytest.mark.django_db
def test_a_cart_name_with_quotes_and_backslashes_is_escaped(settings):
    settings.METRICS_PUBLIC = True
    name = 'Bob\'s "Best" \\ Store'
    cart = service.add_cart(name, "generic", script_url="http://127.0.0.1:9/seom.php")
    StackRecord.objects.create(kind="status_update", cart=cart, coalesce_key="k1")
    metrics.bump("ordermanager_stack_retries_total", {"kind": "status_update", "cart": name, "reason": "transient"})

    body = Client().get("/metrics").content.decode()

    families = {f.name: f for f in text_string_to_metric_families(body)}
    (record,) = families["ordermanager_stack_records"].samples
    assert record.labels == {"cart": name, "kind": "status_update", "state": "pending"}
    (retry,) = families["ordermanager_stack_retries"].samples
    assert retry.labels["cart"] == name
    assert retry.value == 1


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_controller_heartbeat():
    body = Client().get("/healthz").json()
    assert body == {"database": "ok", "controller": "none", "controller_heartbeat_age_seconds": None}

    leases.acquire("controller:test", "host-1", 30)
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["controller"] == "ok"
    assert 0 <= response.json()["controller_heartbeat_age_seconds"] < 30


@pytest.mark.django_db
def test_a_locked_account_stays_locked_for_the_web_even_if_code_checks_its_password():
    from django.contrib.auth import authenticate

    User.objects.create_superuser("op", "op@example.com", PASSWORD)
    for _ in range(10):
        _login(Client(), "op", "wrong")
    assert _login(Client(), "op", PASSWORD) == 429
    # code in this process (no request) still checks the password itself
    assert authenticate(username="op", password=PASSWORD) is not None
    assert authenticate(username="op", password="wrong") is None
