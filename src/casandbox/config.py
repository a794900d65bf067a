"""Run-time settings that the control API changes: latency, limits, page sizes, error forms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

NOTHING_LEFT_TO_SHIP = (
    "An unexpected error occurred involving Order {order_id}.  Please make sure sufficient unshipped "
    "quantity exists on the order and that the Carrier and Class Codes are valid."
)


@dataclass
class Limits:
    enabled: bool = True
    profile_requests: int = 2000
    profile_window_s: float = 60.0
    ip_per_minute: int = 8300
    ip_per_hour: int = 500000
    concurrency: int = 5
    retry_after: bool = False


def _default_page_sizes() -> dict[str, int]:
    return {"Orders": 20, "Products": 100, "Fulfillments": 20, "DistributionCenters": 20, "Profiles": 20}


@dataclass
class Config:
    latency_ms: float = 0.0
    limits: Limits = field(default_factory=Limits)
    page_sizes: dict[str, int] = field(default_factory=_default_page_sizes)
    nav_page_size: int = 20  # children expanded inside a list, and nav collections like Orders(1)/Items
    token_error_format: str = "json"  # noqa: S105 - "json" -> {"error":"invalid_grant"}, "text" -> Bad Request
    skip_past_end_returns_first_page: bool = False
    batch_max_parts: int = 100
    nothing_left_to_ship_message: str = NOTHING_LEFT_TO_SHIP
    # Strictness ChannelAdvisor is reported to have but does not document: `"Items": []` on Ship refused,
    # shipping from an externally managed DC refused, a $batch under an expired token answered 200 with
    # inner 401s. Off, the sandbox is lenient there (the behaviour before these were known).
    strict_undocumented: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, patch: dict[str, Any]) -> None:
        """Apply a partial update; raises ValueError naming the first bad key or value."""
        _merge(self, patch, "")
        if self.token_error_format not in ("json", "text"):
            raise ValueError("token_error_format must be 'json' or 'text'")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        config = cls()
        config.update(data)
        return config


def _merge(target: Any, patch: dict[str, Any], prefix: str) -> None:
    if not isinstance(patch, dict):
        raise ValueError(f"{prefix or 'config'} must be an object")
    known = {f.name for f in fields(target)}
    for key, value in patch.items():
        if key not in known:
            raise ValueError(f"unknown setting '{prefix}{key}'")
        current = getattr(target, key)
        if isinstance(current, Limits):
            _merge(current, value, f"{prefix}{key}.")
        elif isinstance(current, dict):
            if not isinstance(value, dict) or not all(_is_int(v) and v > 0 for v in value.values()):
                raise ValueError(f"{prefix}{key} must map names to positive integers")
            current.update(value)
        else:
            setattr(target, key, _coerce(current, value, f"{prefix}{key}"))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _coerce(current: Any, value: Any, name: str) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(current, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{name} must be a non-negative number")
        return type(current)(value)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value
