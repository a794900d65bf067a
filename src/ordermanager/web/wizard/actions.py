"""The only door to the wizard's own state: its step, the store details, and imports started from the browser."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ordermanager.carts.models import Cart
from ordermanager.errors import InputError
from ordermanager.orders.importing import ImportSummary
from ordermanager.web.models import ImportRun, SetupWizard

STEPS = (
    ("store", "Store details"),
    ("status", "Order Status System 1"),
    ("events", "Order Status System 2"),
    ("cart", "Shopping cart"),
    ("carriers", "Carrier mapping"),
    ("import", "First import"),
    ("done", "Done"),
)
STEP_NAMES = tuple(key for key, _ in STEPS)
# A running import's thread writes at least once per order; one silent this long died with its process.
STALE_IMPORT = dt.timedelta(minutes=2)


def current() -> SetupWizard:
    wizard, _ = SetupWizard.objects.select_related("cart").get_or_create(pk=1)
    return wizard


def reached(wizard: SetupWizard, step: str) -> bool:
    return STEP_NAMES.index(step) <= STEP_NAMES.index(wizard.step)


def _locked() -> SetupWizard:
    current()
    return SetupWizard.objects.select_for_update().get(pk=1)


def _advance(wizard: SetupWizard, past: str) -> None:
    """Go on to the step after `past`, never back: going back to change a page keeps the later pages done."""
    following = STEP_NAMES[STEP_NAMES.index(past) + 1]
    if STEP_NAMES.index(following) > STEP_NAMES.index(wizard.step):
        wizard.step = following


@transaction.atomic
def complete_step(step: str) -> SetupWizard:
    wizard = _locked()
    _advance(wizard, step)
    wizard.save()
    return wizard


@transaction.atomic
def save_store_details(company_name: str, contact_email: str, phone: str) -> SetupWizard:
    name, email, phone = company_name.strip(), contact_email.strip(), phone.strip()
    if not 1 <= len(name) <= 100:
        raise InputError("company_name", "the company name is 1 to 100 characters")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError(
                "contact_email", f"must be an e-mail address like shop@example.com, not {email!r}"
            ) from None
    if len(phone) > 40:
        raise InputError("phone", "is at most 40 characters")
    wizard = _locked()
    wizard.company_name, wizard.contact_email, wizard.phone = name, email, phone
    _advance(wizard, "store")
    wizard.save()
    return wizard


@transaction.atomic
def choose_cart(cart: Cart) -> SetupWizard:
    """The cart the wizard sets up; a new choice must pass Test Settings (or skip it) again."""
    wizard = _locked()
    if wizard.cart_id != cart.pk:
        wizard.cart, wizard.settings_tested_at, wizard.test_skipped = cart, None, False
        wizard.save()
    return wizard


@transaction.atomic
def note_settings_test(passed: bool) -> SetupWizard:
    wizard = _locked()
    wizard.settings_tested_at = timezone.now() if passed else None
    wizard.save()
    return wizard


@transaction.atomic
def leave_cart_step(skip_test: bool) -> SetupWizard:
    """On past the cart only when Test Settings passed since the last change, or the merchant skipped it on purpose."""
    wizard = _locked()
    if wizard.cart is None:
        raise InputError("cart", "add the ChannelAdvisor cart first")
    if wizard.settings_tested_at is None and not skip_test:
        raise InputError(
            "test",
            "Test Settings has not passed with the saved settings: run it, or tick "
            "“Skip the test” to go on without a working connection",
        )
    wizard.test_skipped = wizard.settings_tested_at is None
    _advance(wizard, "cart")
    wizard.save()
    return wizard


@transaction.atomic
def finish() -> SetupWizard:
    wizard = _locked()
    _advance(wizard, "import")
    wizard.finished_at = timezone.now()
    wizard.save()
    return wizard


@transaction.atomic
def restart() -> SetupWizard:
    """Run the wizard again from the first page; what it set up stays as it is."""
    wizard = _locked()
    wizard.step, wizard.finished_at = STEP_NAMES[0], None
    wizard.save()
    return wizard


# --- imports started from the browser -----------------------------------------------------------


def running_import(cart: Cart) -> ImportRun | None:
    since = timezone.now() - STALE_IMPORT
    return ImportRun.objects.filter(cart=cart, state=ImportRun.State.RUNNING, updated_at__gte=since).first()


@transaction.atomic
def start_import(cart: Cart, actor: str) -> ImportRun:
    Cart.objects.select_for_update().filter(pk=cart.pk).first()  # two clicks queue here and the second is refused
    running = running_import(cart)
    if running is not None:
        raise InputError(
            "import", f"an import from {cart.store_name} is already running (started {running.started_at:%H:%M:%S})"
        )
    return ImportRun.objects.create(cart=cart, started_by=actor)


def note_progress(run_id: int, done: int, downloaded: int) -> None:
    ImportRun.objects.filter(pk=run_id).update(done=done, downloaded=downloaded, updated_at=timezone.now())


def finish_import(run_id: int, summary: ImportSummary) -> None:
    ImportRun.objects.filter(pk=run_id).update(
        state=ImportRun.State.FINISHED,
        finished_at=timezone.now(),
        done=summary.downloaded,
        downloaded=summary.downloaded,
        imported=summary.imported,
        already_here=summary.already_here,
        problems="\n".join(summary.refused + summary.unacknowledged),
    )


def fail_import(run_id: int, message: str) -> None:
    ImportRun.objects.filter(pk=run_id).update(state=ImportRun.State.FAILED, finished_at=timezone.now(), error=message)
