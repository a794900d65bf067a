"""Running an action from a form: its InputError becomes a message next to the field it names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ordermanager.errors import InputError


@dataclass
class Outcome:
    """What a form post did: the action's result, or the errors to show, keyed by field name."""

    result: Any = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def attempt(run: Callable[[], Any]) -> Outcome:
    """Run `run` (which parses the form and calls an action); an InputError is kept for the template, not raised."""
    try:
        return Outcome(result=run())
    except InputError as error:
        return Outcome(errors={error.field: error.message})
