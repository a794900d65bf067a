"""The `ordermanager` console command: the product's commands, grouped; Django's own under `ordermanager django`.

Whatever goes wrong ends in one line and an exit status, never a traceback: bad input (2), a closed pipe
(`ordermanager order list | head -1`), Ctrl-C (130), a broken configuration (2), and anything unexpected (1,
with the details written to a private file in the data folder).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

# name → one line of help, in the order the operator meets them. A product command missing here is still
# listed, under "Other", with the first line of its own help.
GROUPS: dict[str, list[tuple[str, str]]] = {
    "Orders": [
        ("order", "work an order: show, timeline, approve, hold, pick, ship dates, cancel, returns"),
        ("tracking", "add tracking numbers; Process Tracking Numbers"),
        ("import-orders", "download new orders from the carts"),
        ("import-problems", "orders set aside at import, and why; retry them"),
    ],
    "Set-up": [
        ("carts", "shopping carts: add, edit, test settings, map carriers"),
        ("params", "system parameters, globally or per cart"),
        ("labels", "status labels (List Maintenance)"),
        ("events", "the Status Change Events grid; Load Default Status Events"),
    ],
    "The stack": [
        ("stack", "run the stack controller; see, retry and clear records"),
    ],
    "Running and upkeep": [
        ("serve", "set up and run everything (web app, controller; --demo adds the sandbox)"),
        ("ca-sandbox", "run the ChannelAdvisor sandbox"),
        ("migrate", "create or update the database tables"),
        ("check", "check the installation (--deploy: the production settings)"),
        ("createsuperuser", "add an administrator"),
        ("changepassword", "change a user's password"),
        ("rotate-key", "re-encrypt every stored secret under a new encryption key"),
        ("django", "Django's own commands (ordermanager django help)"),
    ],
}
# Django's commands that also answer at the top level, for scripts and habits; the rest need `django`.
DJANGO_AT_TOP = {"migrate", "check", "createsuperuser", "changepassword", "makemigrations", "showmigrations"}
DJANGO_AT_TOP |= {"dumpdata", "loaddata", "shell", "dbshell", "collectstatic"}


def _product_commands() -> dict[str, str]:
    """The product's commands (this package's management/commands), by name → module path."""
    from django.core.management import get_commands

    return {name: app for name, app in get_commands().items() if app == "ordermanager"}


def _first_line(name: str) -> str:
    from django.core.management import load_command_class

    text = load_command_class("ordermanager", name).help or ""
    return text.split("\n")[0].rstrip(".")


def _help(out: TextIO) -> None:
    product = _product_commands()
    listed = {name for rows in GROUPS.values() for name, _ in rows}
    groups = dict(GROUPS)
    others = [(name, _first_line(name)) for name in sorted(product) if name not in listed]
    if others:
        groups["Other"] = others
    width = max(len(name) for rows in groups.values() for name, _ in rows) + 2
    lines = ["Usage: ordermanager COMMAND [ARGS]   (ordermanager COMMAND --help for its options)", ""]
    for group, rows in groups.items():
        lines.append(f"{group}:")
        lines += [f"  {name:<{width}}{text}" for name, text in rows]
    out.write("\n".join(lines) + "\n")


def resolve(name: str) -> str:
    """The command's current name: old spellings (import_orders) are aliases of the hyphenated ones."""
    product = _product_commands()
    if name in product:
        return name
    hyphenated = name.replace("_", "-")
    return hyphenated if hyphenated in product else name


def _fail(message: str, code: int) -> int:
    with contextlib.suppress(OSError):
        sys.stderr.write(f"ordermanager: {message}\n")
        sys.stderr.flush()
    return code


def _record_unexpected() -> str:
    """Keep the traceback for whoever investigates, in a private file, and say where it is."""
    try:
        from django.conf import settings

        path = settings.DATA_DIR / "last-error.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(traceback.format_exc())
    except Exception:  # the settings themselves may be what failed
        return "run it again with --traceback"
    return f"details in {path}"


def run(argv: Sequence[str]) -> int:
    """Run one command line; return its exit status."""
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import ManagementUtility

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermanager.settings")
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - reading it loads the settings, which check the keys
    except ImproperlyConfigured as error:
        return _fail(str(error), 2)
    args = list(argv)
    if not args or (args[0] in ("-h", "--help", "help") and len(args) == 1):
        import django

        django.setup()
        _help(sys.stdout)
        return 0
    if args[0] == "help":
        args = [args[1], "--help", *args[2:]]
    if args[0] == "django":
        prog, args = "ordermanager django", args[1:]
    else:
        import django

        django.setup()
        args[0] = resolve(args[0])
        if args[0] not in _product_commands() and args[0] not in DJANGO_AT_TOP and not args[0].startswith("-"):
            from django.core.management import get_commands

            if args[0] in get_commands():
                return _fail(f"{args[0]} is one of Django's own commands: run ordermanager django {args[0]}", 2)
            return _fail(f"there is no command {args[0]!r}; ordermanager --help lists them", 2)
        prog = "ordermanager"
    try:
        ManagementUtility([prog, *args]).execute()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else _fail(str(done.code), 1))
    return 0


def main(argv: list[str] | None = None) -> None:
    try:
        code = run(argv if argv is not None else sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, as other Unix tools do, and keep Python from
        # complaining when it flushes standard output on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    except KeyboardInterrupt:
        code = _fail("interrupted; nothing more was done", 130)
    except EOFError:
        code = _fail("input: standard input ended before an answer was given", 2)
    except Exception as error:  # the one place that turns the unexpected into one line
        where = _record_unexpected()
        code = _fail(f"unexpected error: {type(error).__name__}: {str(error)[:200]} ({where})", 1)
    sys.exit(code)


if __name__ == "__main__":
    main()
