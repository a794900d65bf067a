"""`ordermanager rotate-key`: re-encrypt every stored secret under a new encryption key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ordermanager import keyrotation, keys
from ordermanager.management.output import plural

ENV_STEPS = (
    "ORDERMANAGER_ENCRYPTION_KEY holds one key. To rotate it: make a key (ordermanager rotate-key "
    "--print-new-key), set ORDERMANAGER_ENCRYPTION_KEY=NEW,OLD on every machine and restart them, run "
    "ordermanager rotate-key, then set ORDERMANAGER_ENCRYPTION_KEY=NEW and restart again."
)


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under a new encryption key (the old key then goes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print-new-key", action="store_true", help="only print a new key, for ORDERMANAGER_ENCRYPTION_KEY"
        )

    def handle(self, *args: Any, print_new_key: bool, **options: Any) -> None:
        if print_new_key:
            self.stdout.write(keys.new_encryption_key())
            return
        if settings.ENCRYPTION_KEY_FILE is not None:
            report = keyrotation.rotate_key_file()
            where = f"the new key is in {settings.ENCRYPTION_KEY_FILE}"
        elif len(settings.ENCRYPTION_KEYS) < 2:
            raise CommandError(ENV_STEPS, returncode=2)
        else:
            report = keyrotation.reencrypt_all()
            where = "now remove the old keys from ORDERMANAGER_ENCRYPTION_KEY"
        self.stdout.write(f"{plural(report.reencrypted, 'secret')} re-encrypted; {where}.")
        for row in report.unreadable:
            self.stderr.write(f"  cannot be decrypted with any configured key, left as it is: {row}")
        self.stdout.write("Restart the web app and every stack controller so they read with the new key.")
        if report.unreadable:
            raise CommandError(
                "some secrets could not be re-encrypted (see above); the old keys were kept", returncode=1
            )
