"""Personal API tokens: created (shown once), listed, revoked, checked on every request, rate limited."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ordermanager.api.models import ApiToken
from ordermanager.errors import InputError

PREFIX = "om_"
DEFAULT_PER_MINUTE = 600


def _digest(token: str) -> str:
    # Tokens are 256 random bits: a plain hash cannot be reversed, and checking it stays fast.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(username: str, *, scope: str = ApiToken.Scope.READ, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user; returns the record and the token, which is never shown again."""
    user = get_user_model().objects.filter(username=(username or "").strip()).first()
    if user is None or not user.is_active:
        raise InputError("username", f"there is no active user {username!r}")
    if scope not in ApiToken.Scope.values:
        raise InputError("scope", f"must be one of {', '.join(ApiToken.Scope.values)}, not {scope!r}")
    name = (name or "").strip()
    if len(name) > 100:
        raise InputError("name", "is at most 100 characters")
    prefix = secrets.token_hex(6)
    token = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    record = ApiToken.objects.create(user=user, scope=scope, name=name, prefix=prefix, digest=_digest(token))
    return record, token


@transaction.atomic
def revoke_token(prefix: str) -> ApiToken:
    text = (prefix or "").strip().removeprefix(PREFIX).split("_")[0]
    record = ApiToken.objects.select_for_update().filter(prefix=text).first()
    if record is None:
        raise InputError("token", f"there is no token {prefix!r} (ordermanager api-token list shows them)")
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
    return record


def authenticate(token: str) -> ApiToken | None:
    """The live token this text is, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    prefix = token[len(PREFIX) :].split("_")[0]
    record = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if record is None or not record.user.is_active or not hmac.compare_digest(record.digest, _digest(token)):
        return None
    return record


def per_minute() -> int:
    return int(getattr(settings, "ORDERMANAGER_API_REQUESTS_PER_MINUTE", DEFAULT_PER_MINUTE))


def take_request(record: ApiToken) -> int:
    """Count a request against the token's minute; returns 0, or the seconds to wait when the minute is used up."""
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    # Conditional updates, so that concurrent requests (several workers) never count past the limit.
    counted = ApiToken.objects.filter(pk=record.pk, window_start=minute, window_count__lt=per_minute()).update(
        window_count=F("window_count") + 1, last_used_at=now
    )
    if not counted:
        counted = (
            ApiToken.objects.filter(pk=record.pk)
            .exclude(window_start=minute)
            .update(window_start=minute, window_count=1, last_used_at=now)
        )
    return 0 if counted else 60 - now.second
