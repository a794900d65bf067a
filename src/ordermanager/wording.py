"""Words the screens and the command line share."""

from __future__ import annotations


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 record', '2 records', '0 records'; `many` for the irregular ones ('1 entry', '2 entries')."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"
