"""Keys kept in the data folder when the environment does not give them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_encryption_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create(path: Path, make: Callable[[], str]) -> str:
    """Read a key file, creating it (mode 0600) on first run.

    O_EXCL makes concurrent first runs (web app and stack controller starting together) agree on
    one key instead of each writing its own.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(make())
    return path.read_text().strip()
