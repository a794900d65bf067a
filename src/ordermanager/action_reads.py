"""What one action reads again and again (parameters, event rules and their labels) is read once per action.

Every status event reads the parameters, its rule and the rule's labels; an action fires several events.
Inside `once_per_action()` (every order action runs in one) the first read is remembered until the action
ends, so the next action, in this process or any other, reads the values in force then: nothing is kept
between actions, and no value can go stale behind a change made elsewhere. A change made inside the action
itself calls `forget()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_remembered: ContextVar[dict[str, Any] | None] = ContextVar("action_reads", default=None)


@contextmanager
def once_per_action() -> Iterator[None]:
    """Remember reads until the outermost action ends (a nested action shares its caller's reads)."""
    if _remembered.get() is not None:
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def remembered(key: str, read: Callable[[], T]) -> T:
    """`read()` once per action under `key`; outside an action, every time."""
    reads = _remembered.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]


def forget() -> None:
    """Something remembered was changed: the rest of the action reads it again."""
    reads = _remembered.get()
    if reads is not None:
        reads.clear()
