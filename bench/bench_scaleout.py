"""Benchmark: several stack controllers sharing ChannelAdvisor accounts (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/om_bench .venv/bin/python bench/bench_scaleout.py \
        [--packages 600] [--latency-ms 100] [--lease-seconds 6] [--scenarios together,staggered,...]

Each account is its own stand-in ChannelAdvisor account (its own application, profile, 2,000 calls/min
and 5 calls in flight), on one sandbox at 100 ms latency. Scenarios, each on fresh accounts:
1. `together`: 2 accounts x 2 controllers started together; 2. `staggered`: the same, the second controller
started 6 s later; 3. `four-by-one`: 4 accounts x 1 controller; 4. `four-by-two`: 4 accounts x 2 controllers;
5. `busy`: 1 account x 1 controller while two busy CPU loops (`while True: pass`) run beside it;
6. `failover`: 2 x 2, one controller killed with SIGKILL mid-backlog.
For each: calls/min per account after the controllers balanced (as a share of the limit), CPU seconds per
Ship call per controller, and that every package reached the sandbox exactly once. It is a benchmark,
not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
os.environ.setdefault("ORDERMANAGER_DATA", str(WORK))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from _setup import analyze, empty_database  # noqa: E402 - run as bench/bench_scaleout.py: bench/ is on sys.path
from bench_stack import parse_time, process_cpu, wait_for  # noqa: E402
from casandbox import demo  # noqa: E402
from casandbox.testing import SandboxControl, SandboxProcess  # noqa: E402
from ordermanager.carts import actions as carts  # noqa: E402
from ordermanager.carts.carriers import map_carrier  # noqa: E402
from ordermanager.carts.models import Cart  # noqa: E402
from ordermanager.demo import DEMO_ACCOUNT  # noqa: E402
from ordermanager.orders import actions  # noqa: E402
from ordermanager.orders.actions import NewItem  # noqa: E402
from ordermanager.params import actions as params  # noqa: E402
from ordermanager.stack import leases  # noqa: E402
from ordermanager.stack.models import StackRecord, State  # noqa: E402
from ordermanager.statuses.actions import load_default_status_events  # noqa: E402

LIMIT = 2000
ACTOR = "bench"


def seed(ca: SandboxControl, accounts: int, first: int) -> list[int]:
    """The demo data plus `accounts` stand-in accounts, each with its own application and profile."""
    data = demo.payload()
    widgets = [p for p in data["products"] if p["ProfileID"] == demo.PROFILE_ID]
    profiles = [900000 + first + n for n in range(accounts)]
    for profile in profiles:
        data["profiles"].append({**data["profiles"][0], "ID": profile, "AccountID": account_guid(profile)})
        data["applications"].append(
            {
                **data["applications"][0],
                "application_id": f"bench-app-{profile}",
                "profiles": [profile],
                "refresh_tokens": [{"token": f"bench-token-{profile}", "profiles": [profile], "scope": demo.SCOPE}],
            }
        )
        data["carriers"] += [{"ProfileID": profile, "CarrierCode": c, "ClassCode": k} for c, k in demo.CARRIERS]
        data["distribution_centers"].append({**data["distribution_centers"][0], "ProfileID": profile})
        data["products"] += [{**p, "ProfileID": profile} for p in widgets]
    ca.reset()
    ca.seed(**data)
    return profiles


def account_guid(profile: int) -> str:
    return f"b0000000-0000-4000-8000-{profile:012d}"


def add_account(sandbox: SandboxProcess, profile: int) -> Cart:
    account = {
        **DEMO_ACCOUNT,
        "account_id": account_guid(profile),
        "profile_id": profile,
        "application_id": f"bench-app-{profile}",
        "refresh_token": f"bench-token-{profile}",
    }
    cart = carts.add_cart(f"Bench {profile}", "channeladvisor", api_base_url=sandbox.base_url, **account)
    map_carrier(cart, "UPS", "Ground", "UPS", "Ground")
    return cart


def backlog(ca: SandboxControl, cart: Cart, profile: int, count: int) -> None:
    """`count` orders here and at the sandbox, each with one package to ship."""
    for n, ca_id in enumerate(ca.generate_orders(profile, count, seed=1, max_items=1, shipping_status="Unshipped")):
        item = ca.order(ca_id)["Items"][0]
        order = actions.receive_order(
            [NewItem(item["Sku"], item["Quantity"], channel_item_id=str(item["ID"]))],
            actor=ACTOR,
            cart=cart,
            channel_order_id=str(ca_id),
            profile_id=profile,
        )
        actions.add_tracking_number(
            order.pk, f"1Z{profile}{n:05d}", carrier="UPS", shipping_class="Ground", actor=ACTOR
        )


def controller(lease: int) -> subprocess.Popen:
    env = {**os.environ, "ORDERMANAGER_ENCRYPTION_KEY": settings.ENCRYPTION_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "ordermanager", "stack", "run", "--no-import", "--lease-seconds", str(lease)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(WORK / "controllers.log").open("a"),
    )


def holders(accounts: list[Cart]) -> dict[int, str]:
    held = {lease.name: lease.holder for lease in leases.alive("cart:")}
    return {cart.pk: held.get(leases.lane_name(cart.pk), "") for cart in accounts}


def balanced(accounts: list[Cart], processes: list[subprocess.Popen]) -> bool:
    counts = Counter(holders(accounts).values())
    share = -(-len(accounts) // len(processes))
    return "" not in counts and len(counts) == len(processes) and max(counts.values()) <= share


def open_records() -> int:
    return StackRecord.objects.filter(state__in=[State.PENDING, State.RETRY, State.IN_FLIGHT]).count()


class Run:
    """One scenario: fresh accounts with a backlog each, and controllers delivering it."""

    def __init__(self, sandbox: SandboxProcess, ca: SandboxControl, args: argparse.Namespace, accounts: int) -> None:
        Cart.objects.filter(active=True).update(active=False)  # earlier scenarios' accounts are done
        self.ca, self.args = ca, args
        self.profiles = seed(ca, accounts, StackRecord.objects.count())
        self.carts = [add_account(sandbox, profile) for profile in self.profiles]
        for cart, profile in zip(self.carts, self.profiles, strict=True):
            backlog(ca, cart, profile, args.packages)
        analyze()
        ca.set_latency(args.latency_ms)
        self.seq = ca.last_call_seq()
        self.processes: list[subprocess.Popen] = []
        self.cpu: dict[int, float] = {}
        self.balanced_at = 0.0  # the sandbox's clock

    def start(self, count: int = 1) -> None:
        self.processes += [controller(self.args.lease_seconds) for _ in range(count)]

    def wait_balanced(self) -> float:
        """Seconds from the last controller's first heartbeat until each drives its share."""
        wait_for(lambda: len(leases.alive("controller:")) == len(self.processes), 60)
        started = time.monotonic()
        wait_for(lambda: balanced(self.carts, self.processes), 60)
        self.balanced_at = parse_time(self.ca.now())
        return time.monotonic() - started

    def finish(self) -> None:
        wait_for(lambda: open_records() == 0, 300)
        owners = holders(self.carts)
        for process in self.processes:
            if process.poll() is None:
                self.cpu[process.pid] = process_cpu(process.pid)
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        self.owners = owners

    def rates(self) -> dict[int, float]:
        """Calls/min per account from the balance (plus 2 s) to its last call (less 2 s): the steady state."""
        calls = [c for c in self.ca.calls(since=self.seq) if c["route"] not in ("token", None)]
        out = {}
        for profile in self.profiles:
            times = sorted(parse_time(c["time"]) for c in calls if c["application_id"] == f"bench-app-{profile}")
            start, end = self.balanced_at + 2, times[-1] - 2
            steady = [t for t in times if start <= t <= end]
            out[profile] = len(steady) / ((end - start) / 60) / LIMIT if end - start > 5 else float("nan")
        return out

    def ships_by_controller(self) -> dict[int, int]:
        ships = Counter(c["application_id"] for c in self.ca.calls(since=self.seq, route="ship"))
        out: Counter[int] = Counter()
        for cart, profile in zip(self.carts, self.profiles, strict=True):
            holder = self.owners.get(cart.pk, "")
            if holder:
                out[int(holder.rsplit(":", 2)[1])] += ships[f"bench-app-{profile}"]
        return dict(out)

    def exactly_once(self) -> str:
        counts = Counter(f["order_id"] for f in self.ca.fulfillments())
        twice = sum(1 for n in counts.values() if n > 1)
        problems = StackRecord.objects.filter(cart__in=self.carts, state=State.PROBLEM).count()
        shipped = f"{len(counts)} of {len(self.carts) * self.args.packages} packages shipped"
        return f"{shipped}, {twice} twice, {problems} problem records"

    def report(self, title: str) -> None:
        print(f"{title}:")
        rates = self.rates()
        print(
            "  calls/min per account after balancing, share of the limit: "
            + ", ".join(f"{r:.3f}" for r in rates.values())
        )
        for pid, ships in sorted(self.ships_by_controller().items()):
            cpu = self.cpu.get(pid, 0.0)
            print(
                f"  controller {pid}: {ships} Ship calls on the accounts it ended with, "
                f"{cpu:.1f} s CPU = {1000 * cpu / max(ships, 1):.1f} ms per Ship call"
            )
        total = sum(rates.values()) * LIMIT
        print(f"  together {total:.0f} calls/min; {self.exactly_once()}", flush=True)


def together(sandbox, ca, args, accounts: int = 2, controllers: int = 2) -> None:
    run = Run(sandbox, ca, args, accounts)
    run.start(controllers)
    took = run.wait_balanced()
    run.finish()
    cores = f" on {os.cpu_count()} cores" if accounts > 2 else ""
    up = "both were up" if controllers > 1 else "it was up"
    how = "started together" if controllers > 1 else "alone"
    run.report(
        f"{accounts} accounts x {controllers} controller{'s' * (controllers > 1)} {how}{cores} "
        f"(balanced {took:.1f} s after {up})"
    )


def busy(sandbox, ca, args) -> None:
    """One controller on one account while two processes spin on the CPU: a machine shared with other work."""
    run = Run(sandbox, ca, args, 1)  # the backlog is set up first, on a quiet machine
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        run.start()
        took = run.wait_balanced()
        run.finish()
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    run.report(f"1 account x 1 controller beside two busy CPU loops (driving it {took:.1f} s after it was up)")


def staggered(sandbox, ca, args) -> None:
    run = Run(sandbox, ca, args, 2)
    run.start()
    time.sleep(6)  # the first controller alone drives both accounts meanwhile (the set-up, not a race)
    run.start()
    took = run.wait_balanced()
    run.finish()
    run.report(f"2 accounts x 2 controllers, the second started 6 s later (balanced {took:.1f} s after it was up)")


def failover(sandbox, ca, args) -> None:
    run = Run(sandbox, ca, args, 2)
    run.start(2)
    run.wait_balanced()
    time.sleep(4)  # well into the backlog
    victim = run.processes[0]
    lost = [cart for cart, holder in holders(run.carts).items() if f":{victim.pid}:" in holder]
    apps = {f"bench-app-{p}" for c, p in zip(run.carts, run.profiles, strict=True) if c.pk in lost}
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    killed = parse_time(ca.now())
    killed_wall = time.monotonic()
    flying = list(StackRecord.objects.filter(cart_id__in=lost, state=State.IN_FLIGHT).values_list("id", flat=True))
    wait_for(lambda: StackRecord.objects.filter(id__in=flying, state=State.SENT).count() == len(flying), 120)
    settled = time.monotonic() - killed_wall
    run.processes = run.processes[1:]
    run.finish()
    after = [
        parse_time(c["time"])
        for c in ca.calls(since=run.seq, route="ship")
        if c["application_id"] in apps and parse_time(c["time"]) > killed
    ]
    first = min(after) - killed if after else float("nan")
    print(
        "failover (kill -9, same machine): first Ship on the victim's account "
        f"{first:.2f} s after the kill; its {len(flying)} records in flight settled in {settled:.2f} s; "
        f"{run.exactly_once()}",
        flush=True,
    )


SCENARIOS = {
    "together": together,
    "staggered": staggered,
    "four-by-one": functools.partial(together, accounts=4, controllers=1),
    "four-by-two": functools.partial(together, accounts=4),
    "busy": busy,
    "failover": failover,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", type=int, default=600, help="backlog per account")
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--lease-seconds", type=int, default=6)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, from: {', '.join(SCENARIOS)}"
    )
    args = parser.parse_args()
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"--scenarios: unknown {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    if connection.vendor != "postgresql":
        sys.exit("bench_scaleout needs PostgreSQL (DATABASE_URL): SQLite runs one controller")
    empty_database()
    load_default_status_events()
    params.set_parameter("UseStatusUpdates", "True")
    print(
        f"{args.packages} packages per account, sandbox at {args.latency_ms:.0f} ms, {LIMIT}/min per account, "
        f"lease {args.lease_seconds} s; data in {WORK}",
        flush=True,
    )
    with SandboxProcess(WORK / "casandbox.sqlite3") as sandbox, sandbox.control() as ca:
        for name in args.scenarios.split(","):
            SCENARIOS[name](sandbox, ca, args)


if __name__ == "__main__":
    main()
