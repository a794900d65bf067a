"""The product's command line: one screen of grouped commands, hyphenated names with aliases, help everywhere."""

from __future__ import annotations

import argparse
import datetime as dt
import io

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connections

from ordermanager import cli
from ordermanager.management.output import Screen, local_time, plural
from ordermanager.orders.models import Order


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)


def product_commands() -> list[str]:
    return sorted(name for name, app in get_commands().items() if app == "ordermanager")


def test_help_fits_one_screen_of_the_products_own_commands(capsys):
    assert cli.run(["--help"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 30
    assert max(len(line) for line in lines) <= 100
    listed = {line.split()[0] for line in lines if line.startswith("  ")}
    assert set(product_commands()) <= listed
    for django_only in ("flush", "sqlflush", "startproject", "startapp", "squashmigrations"):
        assert django_only not in listed
    assert "django" in listed


def test_djangos_commands_live_under_django(capsys):
    assert cli.run(["flush"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ordermanager: flush is one of Django's own commands: run ordermanager django flush"
    )
    assert cli.run(["django", "help"]) == 0
    assert "sqlflush" in capsys.readouterr().out


def test_unknown_commands_say_so_in_one_line(capsys):
    assert cli.run(["shipit"]) == 2
    assert (
        capsys.readouterr().err.strip() == "ordermanager: there is no command 'shipit'; ordermanager --help lists them"
    )


@pytest.mark.parametrize(
    ("old", "new"), [("import_orders", "import-orders"), ("ca_sandbox", "ca-sandbox"), ("rotate_key", "rotate-key")]
)
def test_old_spellings_are_aliases(old, new):
    assert cli.resolve(old) == new
    assert cli.resolve(new) == new


def test_names_are_hyphenated():
    for name in product_commands():
        assert "_" not in name, name


def _actions(parser: argparse.ArgumentParser, where: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{where} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield where, action


@pytest.mark.parametrize("name", product_commands())
def test_every_option_has_help_text(name):
    parser = load_command_class("ordermanager", name).create_parser("ordermanager", name)
    missing = [f"{where}: {'/'.join(a.option_strings) or a.dest}" for where, a in _actions(parser, name) if not a.help]
    assert not missing


@pytest.mark.django_db
def test_lists_say_when_they_are_empty():
    for args, empty in [
        (("order", "list"), "No orders yet"),
        (("carts", "list"), "No carts yet"),
        (("stack", "list"), "The stack is empty."),
        (("stack", "list", "--state", "problem"), "No problem records on the stack."),
        (("tracking", "list"), "No tracking numbers yet."),
        (("labels", "list"), "No status labels yet"),
    ]:
        out = io.StringIO()
        call_command(*args, stdout=out)
        assert out.getvalue().startswith(empty), args


@pytest.mark.django_db
def test_json_on_every_list_and_show_command():
    import json

    call_command("carts", "add", "Web", "--type", "generic", "--script-url", "http://127.0.0.1:9/s.php")
    call_command("order", "create", "--item", "SKU-1:2", stdout=io.StringIO())
    number = str(Order.objects.get().pk)
    for args in [
        ("order", "list"),
        ("order", "show", number),
        ("order", "timeline", number),
        ("carts", "list"),
        ("carts", "show", "Web"),
        ("carts", "carriers", "Web"),
        ("tracking", "list"),
        ("stack", "list"),
        ("stack", "status"),
        ("labels", "list"),
        ("events", "list"),
        ("events", "show", "OrderShip"),
        ("params", "show", "ship"),
    ]:
        out = io.StringIO()
        call_command(*args, "--json", stdout=out)
        json.loads(out.getvalue())


def test_plurals():
    assert plural(1, "record") == "1 record"
    assert plural(0, "record") == "0 records"
    assert plural(2_500, "entry", "entries") == "2,500 entries"


def test_times_are_shown_in_the_operators_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    stored = dt.datetime(2026, 7, 1, 16, 30, tzinfo=dt.UTC)
    assert local_time(stored) == "2026-07-01 12:30:00 EDT"


def test_colour_only_on_a_terminal():
    plain, forced = io.StringIO(), io.StringIO()
    for stream, force in ((plain, False), (forced, True)):
        Screen(stream, force_color=force).table([("a", "A")], [{"a": "x"}], empty="none")
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[" in forced.getvalue()


def test_progress_off_a_terminal_is_a_plain_line_every_tenth():
    out = io.StringIO()
    progress = Screen(out).progress("Demo: importing")
    for done in range(1, 201):
        progress(done, 200)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Demo: importing 1/200"
    assert lines[-1] == "Demo: importing 200/200"
    assert len(lines) == 11
    assert "\x1b" not in out.getvalue()
