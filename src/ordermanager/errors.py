"""Errors that reach the operator: every one names the field and the rule that was broken."""

from __future__ import annotations


class InputError(Exception):
    """Bad input, refused before anything changed.

    `field` is the name the operator typed or saw (an option, a column, a parameter name);
    `message` says the rule in the merchant's words.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# The operator's commands for problem records, named in fix hints written far from the stack (by the connectors).
RETRY_PROBLEMS = "ordermanager stack retry --problems"
CLEAR_PROBLEMS = "ordermanager stack clear --failed"
