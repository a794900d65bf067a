"""Keys kept in the data folder when the environment does not give them."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

NEW_KEY_HINT = "make one with: ordermanager rotate-key --print-new-key"


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


def parse_encryption_keys(text: str, where: str) -> list[str]:
    """The installation's Fernet keys, newest first (comma-separated): the first encrypts, all decrypt.

    A malformed key stops the program at start with one line, before a secret could be written with it.
    """
    found = [k.strip() for k in text.replace("\n", ",").split(",") if k.strip()]
    if not found:
        raise ImproperlyConfigured(f"{where}: no encryption key; {NEW_KEY_HINT}")
    for number, key in enumerate(found, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"{where}: key {number} is not a Fernet key (32 url-safe base64-encoded bytes; {NEW_KEY_HINT})"
            ) from None
    return found


def write_private(path: Path, text: str) -> None:
    """Replace a file with `text`, readable by this user only, in one step (a crash leaves old or new)."""
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def private_folder(path: Path) -> Path:
    """The data folder, created readable by this user only (it holds keys, the database and passwords)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create an empty file readable by this user only, if it is not there yet (SQLite then keeps its mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path
