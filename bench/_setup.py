"""What every benchmark sets up: the database with the default rules, and the sandbox with the demo account
as a cart whose UPS Ground is mapped. Import after django.setup()."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess
from ordermanager.carts.carriers import map_carrier
from ordermanager.carts.models import Cart
from ordermanager.demo import add_demo_cart
from ordermanager.params import actions as params
from ordermanager.statuses.actions import load_default_status_events


def analyze() -> None:
    """PostgreSQL: give the planner statistics for the rows just loaded, as autovacuum does within a minute
    of a bulk load on a default server. This machine's server runs with autovacuum off (conf.d/90-ci.conf):
    without this, never-analyzed tables make PostgreSQL read each order's packages by scanning every
    tracking number and package line, a cost that grows with each run's history and starves the machine."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def empty_database() -> None:
    """Migrated and, on PostgreSQL (a server that outlives the run), emptied: each run starts alike."""
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)


@contextmanager
def bench_setup(work: Path) -> Iterator[tuple[SandboxProcess, SandboxControl, Cart]]:
    """A migrated database (PostgreSQL: emptied first), status updates on; a fresh sandbox and its cart."""
    empty_database()
    load_default_status_events()
    params.set_parameter("UseStatusUpdates", "True")
    print(f"database: {connection.vendor}; data in {work}", flush=True)
    with SandboxProcess(work / "casandbox.sqlite3") as sandbox, sandbox.control() as ca:
        ca.reset()
        ca.seed(**demo.payload())
        cart = add_demo_cart(sandbox.base_url, "Bench")
        map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
        yield sandbox, ca, cart
