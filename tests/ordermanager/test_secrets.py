"""Secrets never leave encrypted, keys can be rotated, and the data folder is private."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection

from ordermanager.carts import actions as service
from ordermanager.carts.models import Cart, ChannelAdvisorAccount, GenericCartSettings

SECRETS = {
    "application_id": "app-id-0123456789abcdef",
    "shared_secret": "shared-secret-0123456789abcdef",
    "refresh_token": "refresh-token-0123456789abcdef",
}
GUID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def carts_with_secrets(db: None) -> Cart:
    service.add_cart("Web", "generic", script_url="http://127.0.0.1:9/seom.php", password="generic-password-42")
    return service.add_cart("CA", "channeladvisor", account_id=GUID, profile_id=12345678, **SECRETS)


def _stored_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT application_id, shared_secret, refresh_token FROM carts_channeladvisoraccount")
        tokens = list(cursor.fetchone())
        cursor.execute("SELECT password FROM carts_genericcartsettings")
        return [*tokens, cursor.fetchone()[0]]


def test_dumpdata_writes_ciphertext_and_loaddata_reads_it_back(carts_with_secrets, tmp_path):
    # when the operator dumps the carts
    out = io.StringIO()
    call_command("dumpdata", "carts", stdout=out)
    dump = out.getvalue()

    # then no secret is in it, in plain text
    for secret in [*SECRETS.values(), "generic-password-42"]:
        assert secret not in dump
    account = next(row for row in json.loads(dump) if row["model"] == "carts.channeladvisoraccount")
    assert account["fields"]["shared_secret"].startswith("gAAAAA")

    # and loading the dump into this installation restores the secrets, encrypted at rest again
    path = tmp_path / "carts.json"
    path.write_text(dump)
    Cart.objects.all().delete()
    call_command("loaddata", str(path), stdout=io.StringIO())
    assert ChannelAdvisorAccount.objects.get().shared_secret == SECRETS["shared_secret"]
    assert GenericCartSettings.objects.get().password == "generic-password-42"
    assert all(token.startswith("gAAAAA") for token in _stored_tokens())


@pytest.mark.parametrize("fmt", ["json", "xml", "python"])
def test_no_serializer_writes_a_plaintext_secret(carts_with_secrets, fmt):
    objects = [*ChannelAdvisorAccount.objects.all(), *GenericCartSettings.objects.all()]
    text = str(serializers.serialize(fmt, objects))
    for secret in [*SECRETS.values(), "generic-password-42"]:
        assert secret not in text


def test_rotate_key_reencrypts_every_secret_under_a_new_key(carts_with_secrets, settings, tmp_path):
    # given keys kept in the data folder
    old = settings.ENCRYPTION_KEYS[0]
    key_file = tmp_path / "encryption.key"
    key_file.write_text(old)
    settings.ENCRYPTION_KEY_FILE = key_file
    before = _stored_tokens()

    # when
    out = io.StringIO()
    call_command("rotate-key", stdout=out)

    # then every token changed, reads with the new key alone and not with the old one
    assert "4 secrets re-encrypted" in out.getvalue()
    new = key_file.read_text().strip()
    assert new != old
    assert "," not in new
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    after = _stored_tokens()
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert Fernet(new.encode()).decrypt(after[1].encode()).decode() == SECRETS["shared_secret"]
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(after[1].encode())
    assert ChannelAdvisorAccount.objects.get().refresh_token == SECRETS["refresh_token"]


def test_rotate_key_with_one_key_in_the_environment_says_what_to_do(carts_with_secrets, settings):
    settings.ENCRYPTION_KEY_FILE = None
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    with pytest.raises(CommandError, match="ORDERMANAGER_ENCRYPTION_KEY holds one key") as error:
        call_command("rotate-key", stdout=io.StringIO())
    assert error.value.returncode == 2


def test_rotate_key_with_new_and_old_keys_in_the_environment(carts_with_secrets, settings):
    # given the operator put a new key before the old one
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEY_FILE = None
    settings.ENCRYPTION_KEYS = [new, *settings.ENCRYPTION_KEYS]

    call_command("rotate-key", stdout=io.StringIO())

    assert Fernet(new.encode()).decrypt(_stored_tokens()[0].encode()).decode() == SECRETS["application_id"]


def test_the_data_folder_and_its_files_are_private(tmp_path):
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ORDERMANAGER_ENCRYPTION_KEY")}
    subprocess.run(
        [sys.executable, "-m", "ordermanager", "migrate", "-v0"],
        env={**env, "ORDERMANAGER_DATA": str(data)},
        check=True,
    )
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("ordermanager.sqlite3", "secret_key", "encryption.key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


@pytest.mark.django_db
def test_the_first_admin_password_goes_to_a_private_file(settings, tmp_path):
    from ordermanager.management.commands.serve import Command as Serve

    settings.DATA_DIR = tmp_path
    password = Serve()._first_admin()

    path = tmp_path / "admin-password.txt"
    assert path.read_text().split() == ["admin", password]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
