"""The README's tour, run as written against the demo data: a command that breaks fails this test."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.db import connections

from casandbox.testing import SandboxProcess
from ordermanager import cli
from ordermanager.demo import add_demo_cart
from ordermanager.params import actions as params
from ordermanager.statuses.actions import load_default_status_events

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_commands() -> list[str]:
    """The lines of the fenced block under "A tour from the command line", exactly as printed there."""
    text = README.read_text()
    section = text.split("## A tour from the command line", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the tour has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture
def demo(sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `make run` sets up: the default status events, the sandbox's demo account with its orders, and the
    demo cart pointed at it."""
    with sandbox.control() as control:
        control.reset(seed="demo")
    load_default_status_events()
    add_demo_cart(sandbox.base_url)
    params.set_parameter("UseStatusUpdates", "True")
    # Each command closes the connections as a process would; in-process that would end the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_readme_tour_runs_as_written(demo, capsys):
    commands = tour_commands()
    assert len(commands) >= 15
    for line in commands:
        args = shlex.split(line, comments=True)
        assert args[0] == "ordermanager", line
        code = cli.run(args[1:])
        out, err = capsys.readouterr()
        print(f"$ {line}\n{out}{err}")
        assert code == 0, f"{line}\n{err}"
        assert "Traceback" not in out + err
