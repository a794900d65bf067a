"""`ordermanager api-token`: personal tokens for the REST API (create, list, revoke)."""

from __future__ import annotations

from typing import Any

from ordermanager.api import tokens
from ordermanager.api.models import ApiToken
from ordermanager.management.base import ProductCommand


class Command(ProductCommand):
    help = "Personal API tokens: create one (shown once), list them, revoke one."

    def add_subcommands(self) -> None:
        create = self.sub(
            "create",
            "Create a token for a user; it is printed once and stored only as a digest.",
            ("username", "the user the token acts as"),
        )
        create.add_argument(
            "--scope", default="read", choices=ApiToken.Scope.values, help="read: look only; write: add tracking, retry"
        )
        create.add_argument("--name", default="", help="what the token is for, e.g. ShipStation")
        self.sub("list", "List tokens (never the tokens themselves).", json=True)
        self.sub("revoke", "Revoke a token, by the prefix `list` shows.", ("prefix", "the token's prefix, as listed"))

    def do_create(self, username: str, scope: str, name: str, **_: Any) -> None:
        record, token = tokens.create_token(username, scope=scope, name=name)
        self.stdout.write(f"Token {record.prefix} for {record.user.username} ({record.scope}) created:")
        self.stdout.write(token)
        self.stdout.write("Copy it now: it is not stored and cannot be shown again.")

    def do_list(self, json: bool, **_: Any) -> None:
        rows = [
            {
                "prefix": t.prefix,
                "user": t.user.username,
                "scope": t.scope,
                "revoked": t.revoked_at,
                "last_used": t.last_used_at,
                "name": t.name,
            }
            for t in ApiToken.objects.select_related("user")
        ]
        columns = [
            ("prefix", "Prefix"),
            ("user", "User"),
            ("scope", "Scope"),
            ("revoked", "Revoked"),
            ("last_used", "Last used"),
            ("name", "Name"),
        ]
        self.screen.rows(columns, rows, as_json=json, empty="No API tokens yet.")

    def do_revoke(self, prefix: str, **_: Any) -> None:
        record = tokens.revoke_token(prefix)
        self.stdout.write(f"Token {record.prefix} of {record.user.username} is revoked.")
