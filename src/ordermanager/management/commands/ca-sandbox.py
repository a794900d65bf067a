"""`ordermanager ca-sandbox`: run the ChannelAdvisor sandbox in this terminal.

The order manager never imports the sandbox: this command hands the process over to
`python -m casandbox`, and the two meet over HTTP like any cart and its API.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the ChannelAdvisor sandbox (a local emulator of ChannelAdvisor's REST API)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", default="8765", help="the port to listen on (default 8765)")
        parser.add_argument("--data", default="var/casandbox.sqlite3", help="its SQLite file")
        parser.add_argument("--seed", choices=["demo"], help="load the demo account into an empty sandbox")

    def handle(self, *args: Any, host: str, port: str, data: str, seed: str | None, **options: Any) -> None:
        argv = [sys.executable, "-m", "casandbox", "--host", host, "--port", port, "--data", data]
        if seed:
            argv += ["--seed", seed]
        os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter, our own package
