"""Errors that reach the operator: every one names the field and the rule that was broken."""

from __future__ import annotations

import re

# A run of this many characters without a space is someone's value quoted back (a 100,000-character
# name, a 5,000-digit number): it is cut, so that the message stays one readable line.
_LONG_RUN = re.compile(r"\S{81,}")


def _shorten(match: re.Match[str]) -> str:
    return f"{match[0][:40]}…({len(match[0]):,} characters)"


class InputError(Exception):
    """Bad input, refused before anything changed.

    `field` is the name the operator typed or saw (an option, a column, a parameter name);
    `message` says the rule in the merchant's words.
    """

    def __init__(self, field: str, message: str) -> None:
        field, message = _LONG_RUN.sub(_shorten, field), _LONG_RUN.sub(_shorten, message)
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# The operator's commands for problem records, named in fix hints written far from the stack (by the connectors).
RETRY_PROBLEMS = "ordermanager stack retry --problems"
CLEAR_PROBLEMS = "ordermanager stack clear --failed"
