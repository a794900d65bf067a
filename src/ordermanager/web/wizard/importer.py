"""The first import, run in a thread of its own so the request returns at once and the page polls its progress.

The thread talks to the cart between transactions (import_orders commits each order by itself) and writes its
progress to an ImportRun row after every order, so any web process can show it.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection

from ordermanager.carts.connectors.base import CartError
from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders.importing import import_orders
from ordermanager.web.models import ImportRun
from ordermanager.web.wizard import actions as wizard_actions

log = logging.getLogger(__name__)


def start(cart: Cart, actor: str) -> ImportRun:
    """Record the run (committed, so the thread and the polling page see it), then start the thread."""
    run = wizard_actions.start_import(cart, actor)
    threading.Thread(target=_run, args=(run.pk, cart.pk, actor), name=f"web-import-{run.pk}", daemon=True).start()
    return run


def _run(run_id: int, cart_id: int, actor: str) -> None:
    try:
        cart = Cart.objects.get(pk=cart_id)
        summary = import_orders(
            cart, actor=actor, progress=lambda done, total: wizard_actions.note_progress(run_id, done, total)
        )
        wizard_actions.finish_import(run_id, summary)
    except (CartError, InputError) as error:
        wizard_actions.fail_import(run_id, str(error))
    except Exception as error:
        # The page must learn that the import died and why; the log keeps the traceback.
        log.exception("import %s from cart %s failed", run_id, cart_id)
        wizard_actions.fail_import(run_id, f"unexpected error: {type(error).__name__}: {error}")
    finally:
        connection.close()
