"""`ordermanager labels`: List Maintenance for status labels."""

from __future__ import annotations

from typing import Any

from ordermanager.management.base import ProductCommand
from ordermanager.statuses import actions as statuses
from ordermanager.statuses.models import StatusLabel


class Command(ProductCommand):
    help = "Status labels (List Maintenance): list, add, rename and delete."

    def add_subcommands(self) -> None:
        self.sub("list", "List the status labels.", json=True)
        self.sub("add", "Add a status label (at most 50 characters, no quotes).", ("name", "the label"))
        self.sub(
            "rename",
            "Rename a status label; its rules, orders and items follow.",
            ("name", "the label"),
            ("new_name", "its new name"),
        )
        delete = self.sub("delete", "Delete a status label that no event rule uses.", ("name", "the label"))
        delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def do_list(self, json: bool, **_: Any) -> None:
        rows = [{"label": label.name} for label in StatusLabel.objects.all()]
        empty = "No status labels yet: ordermanager events load-defaults."
        self.screen.rows([("label", "Status label")], rows, as_json=json, empty=empty)

    def do_add(self, name: str, **_: Any) -> None:
        label = statuses.add_label(name)
        self.stdout.write(f"Added status label {label.name!r}.")

    def do_rename(self, name: str, new_name: str, **_: Any) -> None:
        label = statuses.rename_label(name, new_name)
        self.stdout.write(f"Renamed status label {name.strip()!r} to {label.name!r}.")

    def do_delete(self, name: str, yes: bool, **_: Any) -> None:
        label = statuses.get_label(name)
        if not yes:
            answer = input(f"Delete selected entry {label.name!r} from list? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing deleted.")
                return
        statuses.delete_label(name)
        self.stdout.write(f"Deleted status label {label.name!r}.")
