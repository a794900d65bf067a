"""`ordermanager serve`: set up and start everything `make run` promises, and stop it all on Ctrl-C.

It migrates, loads the default status events on first run, creates the first admin user (showing its
password once), then starts the web app under gunicorn and a stack controller beside it. With
--demo it also starts the ChannelAdvisor sandbox (its own process, over HTTP) and points a demo cart
at it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ordermanager import keys
from ordermanager.carts import actions as carts
from ordermanager.carts.models import Cart
from ordermanager.demo import DEMO_CART, add_demo_cart
from ordermanager.params import actions as params
from ordermanager.statuses.actions import load_default_status_events
from ordermanager.statuses.models import StatusLabel


def admin_password_file() -> Path:
    return settings.DATA_DIR / "admin-password.txt"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for_port(host: str, port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"{what} stopped while starting (exit code {process.returncode}); see the lines above")
        with socket.socket() as probe:
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise CommandError(f"{what} did not start listening on {host}:{port} within {timeout:.0f} s")


class Command(BaseCommand):
    help = "Set up and run the order manager: web app and stack controller (and, with --demo, the sandbox)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=os.environ.get("ORDERMANAGER_HOST", "127.0.0.1"),
            help="the address to listen on (ORDERMANAGER_HOST; default 127.0.0.1)",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("ORDERMANAGER_PORT", "8000")),
            help="the web app's port (ORDERMANAGER_PORT; default 8000)",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--demo", action="store_true", help="also run the ChannelAdvisor sandbox as a demo cart")
        parser.add_argument(
            "--sandbox-port",
            type=int,
            default=int(os.environ.get("ORDERMANAGER_SANDBOX_PORT", "8765")),
            help="the sandbox's port, with --demo (ORDERMANAGER_SANDBOX_PORT; default 8765)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, sandbox_port = options["host"], options["port"], options["sandbox_port"]
        wanted = [(port, "the web app")] + ([(sandbox_port, "the sandbox")] if options["demo"] else [])
        for number, what in wanted:
            if not _port_free(host, number):
                raise CommandError(f"port {number} for {what} is in use; stop what uses it or pass another port")
        call_command("migrate", verbosity=0, interactive=False)
        first_run = not StatusLabel.objects.exists()
        if first_run:
            load_default_status_events()
            self.stdout.write("Default status events loaded.")
        password = self._first_admin()
        children: list[tuple[str, subprocess.Popen]] = []
        try:
            if options["demo"]:
                children.append(("sandbox", self._start_sandbox(host, sandbox_port)))
                self._demo_cart(f"http://{host}:{sandbox_port}")
            children.append(("stack controller", self._start([sys.executable, "-m", "ordermanager", "stack", "run"])))
            web = self._start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "ordermanager.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(options["workers"]),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "10",
                ]
            )
            children.append(("web app", web))
            _wait_for_port(host, port, web, "the web app")
            self._welcome(host, port, sandbox_port if options["demo"] else None, password)
            self._watch(children)
        finally:
            self._stop(children)

    # --- set-up -------------------------------------------------------------------------------

    def _first_admin(self) -> str | None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return None
        password = secrets.token_urlsafe(12)
        users.create_superuser("admin", "admin@localhost", password)
        # Standard output scrolls away (or lands in a shared log): the password also goes to a private file.
        keys.write_private(admin_password_file(), f"admin\n{password}\n")
        return password

    def _demo_cart(self, sandbox_url: str) -> None:
        cart = Cart.objects.filter(store_name=DEMO_CART).first()
        if cart is None:
            add_demo_cart(sandbox_url)
            # The demo shows status updates end to end, so they start switched on.
            params.set_parameter("UseStatusUpdates", "True")
        elif cart.channeladvisor.api_base_url != sandbox_url:
            carts.edit_cart(cart, api_base_url=sandbox_url)

    # --- processes ----------------------------------------------------------------------------

    def _start(self, command: list[str]) -> subprocess.Popen:
        env = {**os.environ, "ORDERMANAGER_DATA": str(settings.DATA_DIR)}
        # Each child in its own process group, so Ctrl-C reaches it only through us, in order.
        return subprocess.Popen(command, env=env, start_new_session=True)

    def _start_sandbox(self, host: str, port: int) -> subprocess.Popen:
        data = settings.DATA_DIR / "casandbox.sqlite3"
        process = self._start(
            [
                sys.executable,
                "-m",
                "casandbox",
                "--host",
                host,
                "--port",
                str(port),
                "--data",
                str(data),
                "--seed",
                "demo",
            ]
        )
        _wait_for_port(host, port, process, "the ChannelAdvisor sandbox")
        return process

    def _welcome(self, host: str, port: int, sandbox_port: int | None, password: str | None) -> None:
        lines = ["", f"The order manager is running: http://{host}:{port}/"]
        if password:
            # The first user is a superuser: every screen, the Maintenance menu and the Django admin.
            lines.append(
                f"  Log in as admin with password {password}  (also in {admin_password_file()}, readable by you "
                "only; change the password, then delete the file)"
            )
        lines.append(f"  Django admin (superusers): http://{host}:{port}/admin/")
        if sandbox_port:
            lines.append(
                f"  Demo cart {DEMO_CART!r} talks to the ChannelAdvisor sandbox at http://{host}:{sandbox_port}"
            )
        lines += [f"  Metrics for Prometheus: http://{host}:{port}/metrics", "  Stop with Ctrl-C.", ""]
        self.stdout.write("\n".join(lines))

    def _watch(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        stopping = {"now": False}

        def stop(*_: Any) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping["now"]:
            for name, process in children:
                if process.poll() is not None:
                    raise CommandError(f"the {name} stopped (exit code {process.returncode}); stopping the rest")
            time.sleep(0.5)
        self.stdout.write("Stopping…")

    def _stop(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        for _, process in reversed(children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(children):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
