"""The stack reaches carts only through the connector interface; each cart type names its connector."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

import ordermanager
from ordermanager.carts.models import Cart
from ordermanager.carts.types import CART_TYPES

SOURCE = Path(ordermanager.__file__).parent
# Of the connectors, the stack may import only the interface and the registry; pacing, payloads and error
# meanings belong to each connector.
STACK_MAY_USE = {"ordermanager.carts.connectors.base", "ordermanager.carts.connectors.registry"}


def imports_of(folder: str) -> dict[str, set[str]]:
    """Every module imported by each file under `folder` (top-level, lazy and TYPE_CHECKING imports alike)."""
    found = {}
    for path in sorted((SOURCE / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        found[str(path.relative_to(SOURCE))] = names
    return found


def test_the_stack_imports_of_the_connectors_only_the_interface_and_the_registry():
    wrong = {
        path: sorted(
            name
            for name in names
            if name.startswith("ordermanager.carts.connectors.")
            and not any(name.startswith(ok) for ok in STACK_MAY_USE)
        )
        for path, names in imports_of("stack").items()
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_nothing_under_carts_imports_the_stack():
    wrong = {
        path: sorted(n for n in names if n.startswith("ordermanager.stack"))
        for path, names in imports_of("carts").items()
    }
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("cart_type", [t for t in CART_TYPES.values() if t.connector], ids=lambda t: t.key)
def test_each_cart_type_names_a_connector_of_its_own_type_and_its_settings(cart_type):
    assert import_string(cart_type.connector).cart_type is cart_type
    assert Cart._meta.get_field(cart_type.settings).related_model is not None
