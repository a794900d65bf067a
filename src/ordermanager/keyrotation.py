"""Re-encrypting every stored secret under the installation's newest key (MultiFernet.rotate)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from ordermanager import keys
from ordermanager.crypto import EncryptedTextField, fernet


@dataclass
class Rotation:
    reencrypted: int = 0
    unreadable: list[str] = field(default_factory=list)


def _encrypted_columns() -> list[tuple[str, str]]:
    return [
        (model._meta.db_table, f.column)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


@transaction.atomic
def reencrypt_all() -> Rotation:
    """Every secret re-encrypted under the first of settings.ENCRYPTION_KEYS, in one transaction.

    Works on the stored tokens directly, so a secret is never held in plaintext longer than the rotation of
    one token. A token no configured key can read is left as it is and reported.
    """
    keyring, report = fernet(), Rotation()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in _encrypted_columns():
            cursor.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")  # noqa: S608
            for pk, token in cursor.fetchall():
                try:
                    rotated = keyring.rotate(token.encode()).decode()
                except InvalidToken:
                    report.unreadable.append(f"{table}.{column} of row {pk}")
                    continue
                cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s", [rotated, pk])  # noqa: S608
                report.reencrypted += 1
    return report


def rotate_key_file() -> Rotation:
    """With the keys in the data folder: a new key first, secrets re-encrypted, then the old keys dropped.

    The file lists new and old keys while the secrets move, so an interruption leaves every secret readable.
    """
    path = settings.ENCRYPTION_KEY_FILE
    new = keys.new_encryption_key()
    keys.write_private(path, ",".join([new, *settings.ENCRYPTION_KEYS]))
    settings.ENCRYPTION_KEYS = [new, *settings.ENCRYPTION_KEYS]
    report = reencrypt_all()
    if not report.unreadable:
        keys.write_private(path, new)
        settings.ENCRYPTION_KEYS = [new]
    settings.ENCRYPTION_KEY = new
    return report
