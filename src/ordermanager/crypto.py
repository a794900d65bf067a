"""Secrets at rest: encrypted with the installation's key, and masked wherever they are shown."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

MASK = "••••••••"


def fernet() -> MultiFernet:
    """The first key encrypts; every key decrypts, so secrets stay readable while keys are rotated."""
    return MultiFernet([Fernet(key.encode()) for key in settings.ENCRYPTION_KEYS])


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


class Unreadable(str):
    """A stored secret this installation's key cannot decrypt. It reads as empty, so nothing uses it by
    mistake, and the screens and connectors say it must be entered again. Saving a new value replaces it."""

    def __new__(cls) -> Unreadable:
        return super().__new__(cls, "")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return Unreadable()


def mask(secret: str) -> str:
    """What a screen shows of a secret: whether it is set, and the last 4 characters of long ones."""
    if isinstance(secret, Unreadable):
        return "(cannot be decrypted with this installation's key: enter it again)"
    if not secret:
        return "(not set)"
    return MASK + secret[-4:] if len(secret) >= 16 else MASK


def looks_encrypted(text: str) -> bool:
    # Every Fernet token starts with version byte 0x80, which base64 spells "gAAAAA".
    return text.startswith("gAAAAA") and len(text) >= 100


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256).

    Serializers (dumpdata, the API's) write the ciphertext, never the plaintext, and loading such a
    dump decrypts it again with this installation's keys.
    """

    def from_db_value(self, value: str | None, *_: Any) -> str | None:
        return decrypt(value) if value else value

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return encrypt(value) if value else ""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, Unreadable) and looks_encrypted(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
