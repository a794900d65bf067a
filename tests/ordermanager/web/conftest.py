"""Users with each role, and clients logged in as them, for the web app's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.stack import actions as stack_actions
from ordermanager.stack import leases
from ordermanager.stack.models import StackRecord
from ordermanager.web.permissions import ensure_roles

PASSWORD = "correct horse battery"


def make_user(username: str, role: str | None = None, **fields: object) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, **fields)
    if role:
        ensure_roles()  # a transactional test's flush removed the groups the migration made
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


# --- browser tests (Playwright driving Debian's chromium against pytest-django's live_server) ----

CHROMIUM = os.environ.get("ORDERMANAGER_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium per test module. Its Playwright event loop runs in this thread only while the module runs,
    so the rest of the suite never sees a running loop."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}: apt-get update && apt-get install -y chromium"
        )
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still synchronous.
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            yield browser
            browser.close()
    finally:
        if old is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/<database>/ (gitignored), for people to look at."""
    folder = SCREENSHOTS / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
