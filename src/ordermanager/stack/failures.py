"""One failure policy for the controller's threads (its senders and its scheduled import).

Whatever escapes the work of a thread is classified, logged once, and recorded where the operator looks:
a cart's error as the cart said it; a database failure only logged (nothing can be written while the
database is away; a sender's claim runs out and its record goes back on the stack); anything else as a
permanent failure that names the bug, so no thread dies and nothing is swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connections

from ordermanager.carts.connectors.base import CartError, ErrorKind

log = logging.getLogger("ordermanager.stack")


def classify(error: Exception) -> CartError | None:
    """The failure to record, or None when it cannot be recorded (the database failed)."""
    if isinstance(error, CartError):
        return error
    if isinstance(error, DatabaseError):
        return None
    return CartError(
        ErrorKind.PERMANENT,
        f"unexpected error in the order manager: {type(error).__name__}: {error}",
        fix_hint="the controller's log has the details; report it, then try again",
    )


def handle(error: Exception, subject: str, record: Callable[[CartError], object]) -> None:
    """Classify `error` (raised by the work on `subject`), log it once, and record it with `record`."""
    failure = classify(error)
    if failure is None:
        log.error("%s: the database failed; it will be tried again", subject, exc_info=error)
        connections.close_all()  # this thread reconnects for its next piece of work
        return
    if failure is error:
        log.warning("%s: %s", subject, failure)
    else:
        log.error("%s: %s", subject, failure.message, exc_info=error)
    try:
        record(failure)
    except DatabaseError:
        log.exception("%s: the failure could not be recorded: the database failed too", subject)
        connections.close_all()
