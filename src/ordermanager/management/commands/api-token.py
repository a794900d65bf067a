"""`ordermanager api-token`: personal tokens for the REST API (create, list, revoke)."""

from __future__ import annotations

from typing import Any

from ordermanager.api import tokens
from ordermanager.api.models import ApiToken
from ordermanager.management.base import ProductCommand


class Command(ProductCommand):
    help = "Personal API tokens: create one (shown once), list them, revoke one."

    def add_subcommands(self) -> None:
        create = self.sub("create", "Create a token for a user; it is printed once and stored only as a digest.")
        create.add_argument("username")
        create.add_argument("--scope", default="read", choices=ApiToken.Scope.values)
        create.add_argument("--name", default="", help="what the token is for, e.g. ShipStation")
        self.sub("list", "List tokens (never the tokens themselves).")
        revoke = self.sub("revoke", "Revoke a token, by the prefix `list` shows.")
        revoke.add_argument("prefix")

    def do_create(self, username: str, scope: str, name: str, **_: Any) -> None:
        record, token = tokens.create_token(username, scope=scope, name=name)
        self.stdout.write(f"Token {record.prefix} for {record.user.username} ({record.scope}) created:")
        self.stdout.write(token)
        self.stdout.write("Copy it now: it is not stored and cannot be shown again.")

    def do_list(self, **_: Any) -> None:
        for t in ApiToken.objects.select_related("user"):
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            used = f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
            self.stdout.write(f"{t.prefix}  {t.user.username:<16} {t.scope:<5}  {state:<24} {used:<28} {t.name}")

    def do_revoke(self, prefix: str, **_: Any) -> None:
        record = tokens.revoke_token(prefix)
        self.stdout.write(f"Token {record.prefix} of {record.user.username} is revoked.")
