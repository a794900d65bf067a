"""The ChannelAdvisor client against a deliberately broken server (issue: trust at the edges).

Each fault ends quickly in one clear line and a non-zero exit, writes nothing, and the bearer token
never leaves the cart's own scheme, host and port.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command

from ordermanager.carts.connectors.base import CartError, ErrorKind
from ordermanager.carts.connectors.channeladvisor.connector import ChannelAdvisorConnector
from ordermanager.carts.connectors.channeladvisor.wire import foreign_link
from ordermanager.carts.models import Cart, ImportProblem
from ordermanager.orders.models import Order
from ordermanager.params import actions as params
from ordermanager.stack.models import StackRecord
from tests.ordermanager.hostile import MB, PROFILE_ID, HostileServer, add_hostile_cart, self_signed_certificate

pytestmark = pytest.mark.django_db
DEADLINE = 2  # CartCallDeadlineSeconds in these tests: every fault must end well within a few of these


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[HostileServer]:
    """Another server on loopback: it must never hear from the client."""
    with HostileServer() as server:
        yield server


@pytest.fixture
def cart(hostile: HostileServer) -> Cart:
    cart = add_hostile_cart(hostile, DEADLINE)
    params.set_parameter("CartMaxPagesPerRun", "20", cart=cart)
    return cart


def run_failing(*args: str) -> tuple[str, int, float]:
    """Run a command that must fail: its one-line message, its exit code, and how long it took."""
    start = time.monotonic()
    with pytest.raises(CommandError) as error:
        call_command(*args, stdout=io.StringIO(), stderr=(err := io.StringIO()))
    message = (err.getvalue() + str(error.value)).strip()
    return message, error.value.returncode, time.monotonic() - start


def assert_token_stayed_home(hostile: HostileServer, elsewhere: HostileServer | None = None) -> None:
    home = f"127.0.0.1:{hostile.port}"
    carried = [r for r in hostile.requests if r["authorization"].startswith("Bearer")]
    assert all(r["host"] == home for r in carried), carried
    if elsewhere is not None:
        assert elsewhere.requests == []


def assert_nothing_written() -> None:
    assert (Order.objects.count(), ImportProblem.objects.count(), StackRecord.objects.count()) == (0, 0, 0)


def test_the_server_answers_well_when_told_to(cart, hostile):
    # given the hostile server in its normal mode, the fixture itself is sound
    out = io.StringIO()
    call_command("carts", "test", "Hostile", stdout=out)
    assert f"profile {PROFILE_ID} is reachable" in out.getvalue()


def test_a_cookie_the_cart_sets_is_never_sent_back(cart, hostile):
    # given a cart whose answers set a session cookie
    hostile.mode = "cookie"

    # when Test Settings runs twice with the same connector (one session, one connection pool)
    connector = ChannelAdvisorConnector(cart)
    try:
        connector.test_settings()
        connector.test_settings()
    finally:
        connector.close()

    # then every call went with the token alone: the cookie was neither kept nor returned
    api_calls = [r for r in hostile.requests if r["authorization"].startswith("Bearer")]
    assert len(api_calls) >= 2
    assert [r["cookie"] for r in hostile.requests] == [""] * len(hostile.requests)


FAULTS = [
    ("token_not_json", "POST", "/oauth2/token (HTTP 200) is unusable: the answer is not JSON; it starts '<html>"),
    ("token_no_access_token", "POST", "is unusable: access_token: Field required"),
    ("token_list", "POST", "is unusable: the answer is a JSON list, not an object"),
    ("token_expires_soon", "POST", "is unusable: expires_in: Input should be a valid number"),
    ("api_html", "GET", "(HTTP 200) is unusable: the answer is not JSON; it starts '<!DOCTYPE html> <html>"),
    ("api_malformed_json", "GET", 'is unusable: the answer is not JSON; it starts \'{"value": [{"ID": 1,\''),
    ("api_list", "GET", "is unusable: the answer is a JSON list, not an object"),
    ("value_string", "GET", "is unusable: value: Input should be a valid list (got '12345678')"),
    ("nextlink_number", "GET", "is unusable: @odata.nextLink: Input should be a valid string (got 42)"),
    ("redirect_302", "GET", "answered 302 to GET "),
    ("redirect_301_body", "GET", "answered 301 to GET "),
    ("endless", "GET", "kept offering next pages after 20 pages this run"),
    ("huge", "GET", "was cut off: it was still coming after 20,971,520 bytes; answers are limited to 20,971,520 bytes"),
    ("huge_declared", "GET", "was cut off: it announces 157,286,400 bytes"),
    ("drip", "GET", f"did not finish answering GET {{url}}/v1/Profiles within the call's {DEADLINE} s deadline"),
    ("drip_headers", "GET", f"within the call's {DEADLINE} s deadline"),
    ("bad_gzip", "GET", "could not be decoded: Error -3 while decompressing data"),
    ("retry_after_huge", "GET", "answered 429 to GET /v1/Profiles: Too many requests"),
    ("retry_after_inf", "GET", "answered 429 to GET /v1/Profiles: Too many requests"),
]


@pytest.mark.parametrize(("mode", "method", "expected"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_ends_carts_test_in_one_line(cart, hostile, elsewhere, mode, method, expected):
    # given a server that answers the way `mode` says
    hostile.mode, hostile.next_link = mode, elsewhere.url

    # when the operator tests the cart's settings
    message, code, seconds = run_failing("carts", "test", "Hostile")

    # then one clear line, exit code 2, soon, and nothing written; the token went nowhere else
    assert expected.replace("{url}", hostile.url) in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert code == 2
    assert seconds < 2 * DEADLINE + 2
    assert_nothing_written()
    assert_token_stayed_home(hostile, elsewhere)


@pytest.mark.parametrize(
    "mode", ["api_html", "value_string", "redirect_302", "endless", "huge", "drip", "retry_after_inf"]
)
def test_each_fault_ends_an_import_in_one_line_and_exit_1(cart, hostile, elsewhere, mode):
    hostile.mode, hostile.next_link = mode, elsewhere.url
    hostile.orders = [good_order(1)]

    message, code, seconds = run_failing("import-orders", "--cart", "Hostile")

    assert message.startswith("Hostile: ")
    assert "ChannelAdvisor" in message.splitlines()[0]
    assert "Traceback" not in message
    assert code == 1
    assert seconds < 2 * DEADLINE + 2
    assert_nothing_written()
    assert hostile.exported == []
    assert_token_stayed_home(hostile, elsewhere)


def test_a_150_mb_answer_is_cut_off_after_the_limit(cart, hostile):
    hostile.mode = "huge"

    run_failing("carts", "test", "Hostile")

    # the client stopped reading at 20 MB: the server could not hand over much more than that
    assert hostile.bytes_sent < 40 * MB


@pytest.mark.parametrize("mode", ["retry_after_huge", "retry_after_inf"])
def test_nonsense_retry_after_does_not_freeze_the_account(cart, hostile, mode):
    hostile.mode = mode
    connector = ChannelAdvisorConnector(cart)
    try:
        with pytest.raises(CartError) as error:
            connector.test_settings()
        # then it counts as absent: the pacer pauses its default second, not 28 hours
        assert error.value.kind == ErrorKind.RATE_LIMITED
        assert error.value.retry_after is None
        assert connector.client.gate.bucket.reserve() <= 1.0
    finally:
        connector.close()


def test_a_sane_retry_after_is_honoured_up_to_the_bound(cart, hostile):
    connector = ChannelAdvisorConnector(cart)
    try:
        headers = {"Retry-After": "600"}
        assert connector.client.retry_after(_headers(headers)) == 600
        assert connector.client.retry_after(_headers({"Retry-After": "901"})) is None
        for nonsense in ("-5", "nan", "inf", "1e400", "soon", "Thu, 01 Jan 1970 00:00:00 GMT"):
            assert connector.client.retry_after(_headers({"Retry-After": nonsense})) is None
        params.set_parameter("CartMaxRetryAfterSeconds", "60", cart=cart)
        bounded = ChannelAdvisorConnector(cart)
        assert bounded.client.retry_after(_headers(headers)) is None
        bounded.close()
    finally:
        connector.close()


def _headers(values: dict[str, str]):
    import httpx

    return httpx.Headers(values)


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("https://127.0.0.1:{port}/v1/Profiles?page=2", "its scheme is https, not http"),
        ("http://localhost:{port}/v1/Profiles?page=2", "it leads to localhost:{port}"),
        ("http://127.0.0.1:{other}/v1/Profiles?page=2", "it leads to 127.0.0.1:{other}"),
        ("http://user:pw@127.0.0.1:{port}/v1/Profiles?page=2", "it carries user info"),
        ("http://[::1/v1/Profiles?page=2", "it is not a valid address"),
        ("http://127.0.0.1:port/v1/Profiles?page=2", "it is not a valid address"),
    ],
    ids=["other-scheme", "other-host", "other-port", "userinfo", "broken-ipv6", "port-not-a-number"],
)
def test_a_next_link_away_from_the_cart_is_not_followed(cart, hostile, elsewhere, link, why):
    hostile.mode = "nextlink"
    hostile.next_link = link.format(port=hostile.port, other=elsewhere.port)

    message, code, _seconds = run_failing("carts", "test", "Hostile")

    assert "next-page link" in message
    assert why.format(port=hostile.port, other=elsewhere.port) in message
    assert "user:pw" not in message
    assert code == 2
    assert [r["path"] for r in hostile.requests] == ["/oauth2/token", "/v1/Profiles"]
    assert_token_stayed_home(hostile, elsewhere)


def test_a_next_link_that_drops_https_for_http_is_not_followed(tmp_path, monkeypatch):
    # given a cart at an https address whose first page links to the same host and port over plain http
    certificate, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    with HostileServer(tls=(certificate, key)) as secure:
        add_hostile_cart(secure, DEADLINE)
        secure.mode, secure.next_link = "nextlink", f"http://127.0.0.1:{secure.port}/v1/Profiles?page=2"

        # when the operator tests the cart
        message, code, _ = run_failing("carts", "test", "Hostile")

    # then the link is refused: the token went only over TLS, and nothing spoke plain http to the server
    assert f"next-page link http://127.0.0.1:{secure.port}/v1/Profiles?page=2" in message
    assert "its scheme is http, not https" in message
    assert code == 2
    assert [r["path"] for r in secure.requests] == ["/oauth2/token", "/v1/Profiles"]
    assert secure.failed_handshakes == []


def test_a_downgrade_from_https_to_http_is_refused():
    # the same host and port over plain http would carry the token in clear text
    assert foreign_link("http://api.example.com/v1/Orders?page=2", "https://api.example.com") == (
        "its scheme is http, not https"
    )
    assert foreign_link("http://api.example.com:443/v1/Orders", "https://api.example.com") is not None
    assert foreign_link("https://api.example.com:443/v1/Orders?page=2", "https://api.example.com") is None
    assert foreign_link("https://API.example.com/v1/Orders", "https://api.example.com:443") is None


# --- import quarantine --------------------------------------------------------------------------


def good_order(order_id: int, **fields: object) -> dict:
    return {
        "ID": order_id,
        "ProfileID": PROFILE_ID,
        "CreatedDateUtc": "2026-11-27T10:00:00.1234567Z",
        "CheckoutStatus": "Completed",
        "PaymentStatus": "Cleared",
        "ShippingStatus": "Unshipped",
        "TotalPrice": 20.0,
        "Items": [{"ID": order_id * 10, "Sku": "WID-1", "Title": "Widget", "Quantity": 2, "UnitPrice": 10.0}],
        **fields,
    }


MALFORMED = {
    "bad date": (good_order(102, CreatedDateUtc="yesterday"), "CreatedDateUtc: a date must look like"),
    "quantity": (
        good_order(103, Items=[{"ID": 1030, "Sku": "WID-1", "Quantity": "two"}]),
        "Items.0.Quantity: Input should be a valid integer",
    ),
    "items object": (good_order(104, Items={"ID": 1040, "Quantity": 1}), "Items: Input should be a valid list"),
    "no ID": ({k: v for k, v in good_order(105).items() if k != "ID"}, "ID: Field required"),
}


def test_one_malformed_order_never_blocks_the_others(cart, hostile):
    # given a batch with good orders and one malformed order of each kind
    hostile.orders = [good_order(101), *(raw for raw, _ in MALFORMED.values()), good_order(106)]

    # when the orders are imported
    message, code, _ = run_failing("import-orders", "--cart", "Hostile")

    # then the good ones are imported and marked exported; each bad one is an import problem with its reason
    assert sorted(Order.objects.values_list("channel_order_id", flat=True)) == ["101", "106"]
    assert sorted(hostile.exported) == [101, 106]
    problems = {p.channel_order_id: p for p in ImportProblem.objects.all()}
    assert len(problems) == 4
    for raw, reason in MALFORMED.values():
        key = str(raw["ID"]) if "ID" in raw else next(k for k in problems if k.startswith("no-ID:"))
        assert reason in problems[key].reason
        assert problems[key].raw == raw
        assert reason in message
    assert code == 1
    assert "import-problems list" in message
    assert_token_stayed_home(hostile)


def test_a_problem_is_not_retried_until_it_changes_or_the_operator_asks(cart, hostile):
    bad = good_order(102, CreatedDateUtc="yesterday")
    hostile.orders = [good_order(101), bad]
    run_failing("import-orders", "--cart", "Hostile")
    problem = ImportProblem.objects.get()

    # when nothing changed at the cart, the next import leaves it set aside without trying it again
    out = io.StringIO()
    call_command("import-orders", "--cart", "Hostile", stdout=out)
    assert "1 set aside as import problems (1 unchanged since last time)" in out.getvalue()
    problem.refresh_from_db()
    assert problem.attempts == 1

    # when the operator asks, it is tried again (and stays, still broken)
    with pytest.raises(CommandError):
        call_command("import-problems", "retry", str(problem.pk), stdout=io.StringIO(), stderr=io.StringIO())
    problem.refresh_from_db()
    assert (problem.attempts, problem.retry_requested) == (2, False)

    # when the order is mended at the cart, it imports and its problem is gone
    bad["CreatedDateUtc"] = "2026-11-27T11:00:00Z"
    call_command("import-orders", "--cart", "Hostile", stdout=io.StringIO())
    assert ImportProblem.objects.count() == 0
    assert sorted(hostile.exported) == [101, 102]


def test_import_problems_are_listed_in_stack_status_and_metrics(cart, hostile, client, settings):
    settings.METRICS_PUBLIC = True
    hostile.orders = [good_order(101, access_token="leaked"), good_order(104, Items={"ID": 1})]
    run_failing("import-orders", "--cart", "Hostile")

    listing, status = io.StringIO(), io.StringIO()
    call_command("import-problems", "list", stdout=listing)
    call_command("stack", "status", stdout=status)
    problem = ImportProblem.objects.get()
    shown = io.StringIO()
    call_command("import-problems", "show", str(problem.pk), stdout=shown)

    assert re.search(r"Hostile +104 ", listing.getvalue())
    assert "Items: Input should be a valid list" in listing.getvalue()
    assert "Hostile: 1 order set aside at import needs you" in status.getvalue()
    assert '"Sku"' not in shown.getvalue() or '"ShippingStatus": "Unshipped"' in shown.getvalue()
    assert 'ordermanager_import_problems{cart="Hostile"} 1.0' in client.get("/metrics").content.decode()
    # secrets never kept: no key that looks like a credential survives in the raw order
    assert "leaked" not in str(ImportProblem.objects.values_list("raw", flat=True))


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path, hostile):
    # the console command as the operator runs it, against the broken server
    env = {**os.environ, "ORDERMANAGER_DATA": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}

    def ordermanager(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "ordermanager", *args]
        return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, timeout=60)

    ordermanager("migrate", "-v0")
    secrets = '{"application_id": "app", "shared_secret": "secret", "refresh_token": "refresh"}'
    added = ordermanager(
        "carts", "add", "Hostile", "--type", "channeladvisor", "--account-id", "11111111-2222-3333-4444-555555555555",
        "--profile-id", str(PROFILE_ID), "--api-base-url", hostile.url, "--secrets-file", "-", stdin=secrets,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    hostile.mode = "token_list"

    tested = ordermanager("carts", "test", "Hostile")
    imported = ordermanager("import_orders", "--cart", "Hostile")

    assert tested.returncode == 2
    assert "Traceback" not in tested.stderr
    assert len(tested.stderr.strip().splitlines()) == 1
    assert "is unusable: the answer is a JSON list, not an object" in tested.stderr
    assert imported.returncode == 1
    assert "Traceback" not in imported.stderr
    assert "is unusable: the answer is a JSON list" in imported.stderr
