"""Helpers for tests and benchmarks: start a sandbox process, and drive its control API.

The order manager's product code never imports this; its tests and benchmarks may.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from casandbox.server import READY


class SandboxProcess:
    """`python -m casandbox` as a subprocess on a free port, with its own data file.

    `restart()` keeps the data file and the port, so a client's configuration stays valid.
    """

    def __init__(
        self,
        data_path: str | Path | None = None,
        *,
        seed: str | None = None,
        host: str = "127.0.0.1",
        base_url: str | None = None,
        startup_timeout: float = 30.0,
        log_path: str | Path | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="casandbox-")
            data_path = Path(self._tmp.name) / "casandbox.sqlite3"
        self.data_path = Path(data_path)
        self.log_path = Path(log_path) if log_path else self.data_path.with_suffix(".log")
        self.seed = seed
        self.host = host
        self.port = 0
        self._base_url = base_url
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self._log: Any = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    def control(self, **kwargs: Any) -> SandboxControl:
        return SandboxControl(self.base_url, **kwargs)

    def start(self) -> SandboxProcess:
        if self.process is not None:
            raise RuntimeError("the sandbox is already running")
        cmd = [sys.executable, "-m", "casandbox", "--host", self.host, "--port", str(self.port)]
        cmd += ["--data", str(self.data_path)]
        if self.seed:
            cmd += ["--seed", self.seed]
        if self._base_url:
            cmd += ["--base-url", self._base_url]
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in _reap
        self.process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        line = self._ready_line()
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def _ready_line(self) -> str:
        assert self.process is not None
        assert self.process.stdout is not None
        holder: list[str] = []
        reader = threading.Thread(target=lambda: holder.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(self.startup_timeout)
        line = holder[0].strip() if holder else ""
        prefix = READY.split("{")[0]
        if not line.startswith(prefix):
            self.kill()
            raise RuntimeError(f"the sandbox did not start (got {line!r}); see {self.log_path}")
        return line

    def stop(self, timeout: float = 10.0) -> None:
        """A clean stop (SIGTERM): uvicorn finishes in-flight requests and the database is closed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reap()

    def kill(self) -> None:
        """SIGKILL: what a crash looks like. Committed writes survive it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reap()

    def restart(self) -> SandboxProcess:
        self.stop()
        return self.start()

    def _reap(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ControlError(RuntimeError):
    pass


class SandboxControl:
    """Typed wrappers for every /_sandbox/ endpoint. Use as a context manager or call close()."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self._http = httpx.Client(base_url=f"{base_url.rstrip('/')}/_sandbox", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=json, params=params)
        if response.status_code >= 400:
            raise ControlError(f"{method} /_sandbox{path}: {response.status_code} {response.text}")
        return response.json()

    # ---- state

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, seed: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/reset", json={"seed": seed} if seed else {})

    def seed(self, **sections: Any) -> dict[str, Any]:
        """Sections: profiles, applications, carriers, distribution_centers, products, orders."""
        return self._call("POST", "/seed", json=sections)

    def generate_orders(self, profile_id: int, count: int, **options: Any) -> list[int]:
        body = {"profile_id": profile_id, "count": count, **options}
        return self._call("POST", "/orders/generate", json=body)["order_ids"]

    def order(self, order_id: int) -> dict[str, Any]:
        return self._call("GET", f"/orders/{order_id}")

    def product(self, product_id: int) -> dict[str, Any]:
        return self._call("GET", f"/products/{product_id}")

    def carriers(self) -> list[dict[str, Any]]:
        return self._call("GET", "/carriers")["carriers"]

    def exports(self) -> list[dict[str, Any]]:
        return self._call("GET", "/exports")["exports"]

    # ---- read back

    def calls(self, since: int = 0, route: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since}
        if route:
            params["route"] = route
        return self._call("GET", "/calls", params=params)["calls"]

    def last_call_seq(self) -> int:
        return self._call("GET", "/calls", params={"limit": 0})["last_seq"]

    def fulfillments(self, since: int = 0, order_id: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since}
        if order_id is not None:
            params["order_id"] = order_id
        return self._call("GET", "/fulfillments", params=params)["fulfillments"]

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset_stats(self) -> dict[str, Any]:
        return self._call("POST", "/stats")

    # ---- faults and timing

    def fault(
        self,
        route: str = "*",
        mode: str = "status",
        *,
        status: int = 503,
        count: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
        delay_ms: float = 0,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        spec = {"route": route, "mode": mode, "status": status, "seed": seed, "delay_ms": delay_ms}
        spec.update(
            {k: v for k, v in (("count", count), ("fraction", fraction), ("retry_after", retry_after)) if v is not None}
        )
        return self._call("POST", "/faults", json=spec)["faults"][0]

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def config(self) -> dict[str, Any]:
        return self._call("GET", "/config")

    def update_config(self, **settings: Any) -> dict[str, Any]:
        return self._call("PATCH", "/config", json=settings)

    def set_latency(self, ms: float) -> None:
        self.update_config(latency_ms=ms)

    def set_limits(self, **limits: Any) -> dict[str, Any]:
        """Keys: enabled, profile_requests, profile_window_s, ip_per_minute, ip_per_hour, concurrency,
        retry_after."""
        return self.update_config(limits=limits)["limits"]

    def set_page_size(self, entity_set: str, size: int) -> None:
        self.update_config(page_sizes={entity_set: size})

    def set_token_error_format(self, fmt: str) -> None:
        self.update_config(token_error_format=fmt)

    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def advance_clock(self, seconds: float) -> str:
        return self._call("POST", "/clock", json={"advance": seconds})["now"]

    def freeze_clock(self, frozen: bool = True) -> str:
        """Stop the sandbox's clock (token expiry, rate windows) until it is moved or thawed again."""
        return self._call("POST", "/clock", json={"freeze": frozen})["now"]

    def set_clock(self, when: datetime | str) -> str:
        value = when.isoformat() if isinstance(when, datetime) else when
        return self._call("POST", "/clock", json={"set": value})["now"]

    # ---- credentials

    def revoke(self, refresh_token: str) -> None:
        self._call("POST", "/revoke", json={"refresh_token": refresh_token})

    def authorization_code(
        self,
        application_id: str,
        *,
        profiles: list[int] | None = None,
        scope: str | None = None,
        redirect_uri: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"application_id": application_id}
        body.update(
            {
                k: v
                for k, v in (("profiles", profiles), ("scope", scope), ("redirect_uri", redirect_uri))
                if v is not None
            }
        )
        return self._call("POST", "/auth-codes", json=body)["code"]
