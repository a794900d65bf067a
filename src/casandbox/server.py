"""`python -m casandbox`: one uvicorn worker (state lives in one process), ready line on stdout."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path

import uvicorn

from casandbox.app import SandboxApp

READY = "casandbox listening on http://{host}:{port}"


class _QuietDrops(logging.Filter):
    """A drop fault ends a response on purpose; uvicorn's error line about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready_line: str) -> None:
        super().__init__(config)
        self._ready_line = ready_line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self._ready_line, flush=True)  # noqa: T201 - the ready line is the process's interface


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="casandbox", description="A local emulator of ChannelAdvisor's REST API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port and prints it")
    parser.add_argument("--data", default="var/casandbox.sqlite3", help="the SQLite file that keeps the state")
    parser.add_argument("--seed", choices=["demo"], help="seed the demo data set when the database is empty")
    parser.add_argument("--base-url", help="the URL clients reach the sandbox at (for nextLink and @odata.context)")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if Path(args.data).is_dir():
        # SQLite would only say "unable to open database file"
        example = Path(args.data) / "casandbox.sqlite3"
        sys.exit(f"casandbox: --data {args.data} is a folder; give the path of a file in it, e.g. {example}")
    app = SandboxApp(args.data, base_url=args.base_url, seed=args.seed)
    # Bind first, so --port 0 can report the port the OS chose before anyone connects.
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        access_log=False,
        lifespan="on",
        http="httptools",
        loop="uvloop",
        backlog=2048,
        timeout_keep_alive=30,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    server = _Server(config, READY.format(host=args.host, port=port))
    server.run(sockets=[sock])
    sys.exit(0 if server.started else 1)
