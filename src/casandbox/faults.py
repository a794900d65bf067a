"""Faults injected through the control API, per route, for the next N calls or a seeded fraction of them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from casandbox.errors import ApiError

MODES = ("status", "slow", "drop_after_apply")
SPEC_FIELDS = ("route", "mode", "status", "retry_after", "delay_ms", "count", "fraction", "seed")


@dataclass
class Fault:
    id: int
    route: str  # a route name, a route group, or "*"
    mode: str
    status: int = 503
    retry_after: int | None = None
    delay_ms: float = 0.0
    count: int | None = None  # calls left to hit; None with a fraction means "forever"
    fraction: float | None = None
    seed: int = 0
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", *SPEC_FIELDS, "hits")}

    def fires(self) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.fraction is not None and self.rng.random() >= self.fraction:
            return False
        if self.count is not None:
            self.count -= 1
        self.hits += 1
        return True


@dataclass
class Hit:
    """What the faults that fired on one call add up to."""

    error: ApiError | None = None
    delay_ms: float = 0.0
    drop: bool = False
    modes: list[str] = field(default_factory=list)


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> Fault:
        unknown = set(spec) - set(SPEC_FIELDS)
        if unknown:
            raise ValueError(f"unknown fault field(s): {sorted(unknown)}")
        mode = spec.get("mode", "status")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        status = int(spec.get("status", 503))
        if mode == "status" and status not in (406, 429, 500, 502, 503, 504):
            raise ValueError("status must be one of 406, 429, 500, 502, 503, 504")
        count, fraction = spec.get("count"), spec.get("fraction")
        if count is None and fraction is None:
            count = 1
        if fraction is not None and not 0 <= float(fraction) <= 1:
            raise ValueError("fraction must be between 0 and 1")
        seed = int(spec.get("seed", 0))
        fault = Fault(
            id=self._next_id,
            route=str(spec.get("route", "*")),
            mode=mode,
            status=status,
            retry_after=spec.get("retry_after"),
            delay_ms=float(spec.get("delay_ms", 0)),
            count=None if count is None else int(count),
            fraction=None if fraction is None else float(fraction),
            seed=seed,
            rng=random.Random(seed),
        )
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self._faults]

    def pick(self, name: str, group: str) -> Hit:
        hit = Hit()
        if not self._faults:
            return hit
        for fault in self._faults:
            if fault.route not in ("*", name, group) or not fault.fires():
                continue
            hit.modes.append(fault.mode)
            if fault.mode == "slow":
                hit.delay_ms += fault.delay_ms
            elif fault.mode == "drop_after_apply":
                hit.drop = True
            elif hit.error is None:
                hit.error = ApiError(fault.status, _MESSAGES.get(fault.status, "Injected fault."))
                hit.error.retry_after = fault.retry_after if fault.status == 429 else None
        return hit


_MESSAGES = {
    406: "Not Acceptable.",
    429: "The request limit for this account has been exceeded. Try again later.",
    500: "An error has occurred.",
    502: "Bad Gateway.",
    503: "The service is unavailable.",
    504: "Gateway Timeout.",
}
