"""Hostile input on the command line: each one ends in one line naming the field, exit status 2, nothing changed."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.db import connections

from ordermanager import cli
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders.models import Order, TimelineEntry
from ordermanager.stack.models import StackRecord
from ordermanager.statuses.models import StatusLabel

HUGE = "99999999999999999999999"
GUID = "11111111-2222-3333-4444-555555555555"
WEB = ("--type", "generic", "--script-url", "http://127.0.0.1:9/seom.php")

FUZZ = [
    (("order", "show", HUGE), "order"),
    (("order", "approve", HUGE), "order"),
    (("order", "timeline", "-" + HUGE), "order"),
    (("order", "show", "9" * 5000), "order"),
    (("order", "create", "--item", f"SKU-1:{HUGE}"), "quantity"),
    (("order", "create", "--item", "SKU-1:1:" + "9" * 5000), "unit_price"),
    (("order", "create", "--item", "SKU-1:1", "--total", "9" * 5000), "total"),
    (("order", "create", "--item", "S" * 100_000 + ":1"), "sku"),
    (("order", "create", "--item", "SKU-1:1", "--channel-order-id", "x" * 100_000), "channel_order_id"),
    (("order", "create", "--item", "SKU\x1b[31m:1"), "item"),
    (("order", "create", "--item", "SKU-1:1", "--buyer", "Ann\x00"), "buyer"),
    (("order", "note", "{order}", "x" * 100_000), "note"),
    (("order", "hold", "{order}", "--reason", "r" * 100_000), "hold_reason"),
    (("order", "list", "--limit", HUGE), "limit"),
    (("order", "change-item", "{order}", "SKU-1", "--title", "t" * 100_000), "title"),
    (("order", "drop-ship", "{order}", "SKU-1", "--supplier", "s" * 100_000), "supplier"),
    (("order", "fire", "{order}", "E" * 100_000), "event"),
    (("tracking", "add", "{order}", "1Z1111", "--carrier", "UPS", "--package", HUGE), "package"),
    (("tracking", "add", "{order}", "1Z1111", "--carrier", "U" * 100_000), "carrier"),
    (("tracking", "add", "{order}", "1" * 100_000, "--carrier", "UPS"), "tracking_number"),
    (("tracking", "add", "{order}", "1Z1111", "--carrier", "UPS", "--item", f"SKU-1:{HUGE}"), "quantity"),
    (("carts", "add", "x" * 100_000, *WEB), "store_name"),
    (("carts", "add", "Line\nbreak", *WEB), "store_name"),
    (("carts", "show", "x" * 100_000), "cart"),
    (
        ("carts", "add", "CA", "--type", "channeladvisor", "--account-id", GUID, "--profile-id", "9" * 5000),
        "profile_id",
    ),
    (("carts", "add", "CA", "--type", "channeladvisor", "--account-id", GUID, "--profile-id", HUGE), "profile_id"),
    (
        ("carts", "add", "CA", "--type", "channeladvisor", "--account-id", "g" * 100_000, "--profile-id", "1"),
        "account_id",
    ),
    (("carts", "edit", "Web", "--order-download-batch", HUGE), "order_download_batch"),
    (("carts", "edit", "Web", "--script-url", "http://" + "h" * 100_000 + ".example"), "script_url"),
    (("carts", "edit", "Web", "--user-name", "u" * 100_000), "user_name"),
    (("carts", "map-carrier", "Web", "C" * 100_000, "Ground", "UPS", "Ground"), "carrier"),
    (("carts", "add-carrier-class", "Web", "UPS", "G" * 100_000), "cart_class"),
    (("labels", "add", "L" * 100_000), "label"),
    (("labels", "add", "bell\x07"), "name"),
    (("events", "set", "OrderPick", "--order-label", "L" * 100_000), "label"),
    (("events", "show", "E" * 100_000), "event"),
    (("params", "set", "TrackingLookbackDays", "9" * 5000), "TrackingLookbackDays"),
    (("params", "set", "P" * 100_000, "1"), "parameter"),
    (("params", "show", "x", "--cart", "\x00"), "cart"),
    (("stack", "show", HUGE), "id"),
    (("stack", "list", "--limit", "9" * 5000), "limit"),
    (("stack", "retry", HUGE), "id"),
    (("import-orders", "--cart", "x" * 100_000), "cart"),
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # Each command closes the database connections when it ends, as a process would; in-process, that
    # would close the test's transaction, so here the connection stays open.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def counts() -> tuple[int, ...]:
    return (
        Order.objects.count(),
        TimelineEntry.objects.count(),
        Cart.objects.count(),
        StatusLabel.objects.count(),
        StackRecord.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "field"), FUZZ, ids=[f"{a[0]}-{a[1]}-{f}" for a, f in FUZZ])
def test_hostile_input_ends_in_one_line_naming_the_field(capsys, args, field):
    # given an order and a cart to aim at
    assert cli.run(["carts", "add", "Web", *WEB]) == 0
    assert cli.run(["order", "create", "--item", "SKU-1:2"]) == 0
    order = str(Order.objects.get().pk)
    capsys.readouterr()
    before = counts()

    # when
    code, _, err = run_cli(capsys, *(a.replace("{order}", order) for a in args))

    # then
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[:500]
    assert len(lines[0]) < 400
    assert f"{field}:" in lines[0], lines[0]
    assert "Traceback" not in err
    assert counts() == before


@pytest.mark.django_db
def test_ask_secrets_without_a_terminal_is_refused(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run_cli(capsys, "carts", "add", "CA", "--type", "channeladvisor", "--ask-secrets")
    assert code == 2
    assert err.strip().startswith("CommandError: ask_secrets: needs a terminal")
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_end_of_input_at_a_prompt(capsys, monkeypatch):
    assert cli.run(["labels", "add", "Gift Wrapped"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run_cli(capsys, "labels", "delete", "Gift Wrapped")
    assert code == 2
    assert err.strip().splitlines()[-1] == "CommandError: input: standard input ended before an answer was given"
    assert StatusLabel.objects.filter(name="Gift Wrapped").exists()


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "ORDERMANAGER_DATA": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}


def test_a_closed_pipe_ends_quietly(tmp_path):
    env = _env(tmp_path)
    om = [sys.executable, "-m", "ordermanager"]
    subprocess.run([*om, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*om, "events", "load-defaults"], env=env, check=True, capture_output=True)
    # `ordermanager events list | head -0`: the reader is gone before the first line is written
    with subprocess.Popen([*om, "events", "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        proc.stdout.close()
        err = proc.stderr.read().decode() if proc.stderr else ""
        proc.wait(60)
    assert "Traceback" not in err
    assert "BrokenPipe" not in err
    assert proc.returncode == 141


def test_a_malformed_encryption_key_is_refused_at_start_in_one_line(tmp_path):
    env = {**_env(tmp_path), "ORDERMANAGER_ENCRYPTION_KEY": "not-a-key"}
    result = subprocess.run(
        [sys.executable, "-m", "ordermanager", "order", "list"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ordermanager: ORDERMANAGER_ENCRYPTION_KEY: key 1 is not a Fernet key "
        "(32 url-safe base64-encoded bytes; make one with: ordermanager rotate-key --print-new-key)"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"store_name": "x" * 100_000}, "store_name"),
        ({"store_name": "nul\x00name"}, "store_name"),
        ({"order_download_batch": 2**40}, "order_download_batch"),
    ],
)
def test_every_write_path_checks_the_columns_before_the_database_does(change, field):
    # given a write that skips the actions (as the admin or a script might)
    cart = Cart(**{"cart_type": "generic", "store_name": "Web", **change})

    # then the row is refused with the field's name, and the database never sees it
    with pytest.raises(InputError) as error:
        cart.save()
    assert error.value.field == field
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_a_huge_profile_id_written_directly_is_refused(ca_cart):
    account = ca_cart.channeladvisor
    account.profile_id = 10**30
    with pytest.raises(InputError, match="profile_id: must be between"):
        account.save()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "ORDERMANAGER_TIME_ZONE",
            "Mars/Olympus",
            "ordermanager: ORDERMANAGER_TIME_ZONE: 'Mars/Olympus' is not a time zone",
        ),
        ("DATABASE_URL", "bogus://x", "ordermanager: DATABASE_URL: Scheme 'bogus://' is unknown."),
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/",
            "ordermanager: DATABASE_URL: name the database after the last /",
        ),
    ],
)
def test_a_broken_setting_is_one_line_at_start(tmp_path, variable, value, message):
    env = {**_env(tmp_path), variable: value}
    result = subprocess.run(
        [sys.executable, "-m", "ordermanager", "order", "list"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(message)
