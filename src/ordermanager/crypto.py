"""Secrets at rest: encrypted with the installation's key, and masked wherever they are shown."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

MASK = "••••••••"


def _fernet() -> Fernet:
    return Fernet(settings.ENCRYPTION_KEY.encode())


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never show the stored text: say what is wrong and how to mend it.
        raise ValueError(
            "a stored secret cannot be decrypted with this installation's encryption key "
            "(ORDERMANAGER_ENCRYPTION_KEY or var/encryption.key changed); enter the secret again"
        ) from None


def mask(secret: str) -> str:
    """What a screen shows of a secret: whether it is set, and the last 4 characters of long ones."""
    if not secret:
        return "(not set)"
    return MASK + secret[-4:] if len(secret) >= 16 else MASK


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256)."""

    def from_db_value(self, value: str | None, *_: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
