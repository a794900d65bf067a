"""$filter: a recursive-descent parser that compiles straight to Python closures, type-checked as OData does.

Supported, as CA documents: eq ne gt ge lt le, and/or, parentheses, quoted strings with '' escaping,
quoted enum names, DateTimeOffset literals with or without time and offset, null/true/false, the functions
year month day hour minute second floor ceiling, and lambdas `Nav/any(x: ...)` / `Nav/all(x: ...)`.
String functions (startswith, substringof, contains, ...) are rejected, as CA rejects them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from casandbox import timefmt
from casandbox.odata import ODataError
from casandbox.odata.lexer import Token, tokenize
from casandbox.schema import ENUMS, TYPES, EntityType, edm_name

Env = dict[str, dict[str, Any]]
Getter = Callable[[Env], Any]
NavFn = Callable[[EntityType, dict[str, Any], str], list[dict[str, Any]]]
Predicate = Callable[[dict[str, Any]], bool]

_NO_LITERAL = object()
_OPS = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
_DATE_PARTS = {"year", "month", "day", "hour", "minute", "second"}


class _Expr:
    __slots__ = ("get", "kind", "literal")

    def __init__(self, get: Getter, kind: str, literal: Any = _NO_LITERAL) -> None:
        self.get, self.kind, self.literal = get, kind, literal


def compile_filter(text: str, root: EntityType, navs: NavFn) -> Predicate:
    parser = _Parser(tokenize(text), navs)
    expr = parser.or_expr({"$it": root})
    parser.expect_end()
    if expr.kind != "bool":
        raise ODataError("The $filter expression must evaluate to a single boolean value.")
    get = expr.get
    return lambda entity: get({"$it": entity}) is True


class _Parser:
    def __init__(self, tokens: list[Token], navs: NavFn) -> None:
        self.tokens = tokens
        self.pos = 0
        self.navs = navs

    # ---- token helpers

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind in ("punct", "name") and token.text.lower() == text:
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            token = self.peek()
            raise ODataError(f"Syntax error: '{text}' expected at position {token.pos}.")

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise ODataError(f"Syntax error at position {token.pos}: unexpected '{token.text}'.")

    # ---- grammar

    def or_expr(self, scope: dict[str, EntityType]) -> _Expr:
        return self._chain(scope, "or", self.and_expr)

    def and_expr(self, scope: dict[str, EntityType]) -> _Expr:
        return self._chain(scope, "and", self.comparison)

    def _chain(self, scope: dict[str, EntityType], op: str, operand: Callable[[dict], _Expr]) -> _Expr:
        left = operand(scope)
        while self.accept(op):
            left = self._logical(op, left, operand(scope))
        return left

    def _logical(self, op: str, left: _Expr, right: _Expr) -> _Expr:
        if left.kind != "bool" or right.kind != "bool":
            raise ODataError(f"The '{op}' operator requires boolean operands.")
        lg, rg = left.get, right.get
        if op == "and":
            return _Expr(lambda env: lg(env) is True and rg(env) is True, "bool")
        return _Expr(lambda env: lg(env) is True or rg(env) is True, "bool")

    def comparison(self, scope: dict[str, EntityType]) -> _Expr:
        left = self.primary(scope)
        token = self.peek()
        if token.kind == "name" and token.text.lower() in _OPS:
            self.take()
            right = self.primary(scope)
            return _compare(token.text.lower(), left, right)
        if token.kind == "name" and token.text.lower() in ("add", "sub", "mul", "div", "mod", "has", "in"):
            raise ODataError(f"The '{token.text}' operator is not supported.")
        return left

    def primary(self, scope: dict[str, EntityType]) -> _Expr:
        token = self.take()
        if token.kind == "punct" and token.text == "(":
            inner = self.or_expr(scope)
            self.expect(")")
            return inner
        if token.kind == "string":
            value = token.text[1:-1].replace("''", "'")
            return _Expr(lambda env: value, "str", value)
        if token.kind == "date":
            try:
                when = timefmt.parse_iso(token.text)
            except ValueError as exc:
                raise ODataError(f"The date '{token.text}' is not valid.") from exc
            return _Expr(lambda env: when, "date", when)
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "name":
            lower = token.text.lower()
            if lower in ("true", "false"):
                flag = lower == "true"
                return _Expr(lambda env: flag, "bool", flag)
            if lower == "null":
                return _Expr(lambda env: None, "null", None)
            if self.peek().text == "(":
                return self.function(token, scope)
            if lower == "not":
                raise ODataError("The 'not' operator is not supported.")
            return self.path(token, scope)
        raise ODataError(f"Syntax error at position {token.pos}: unexpected '{token.text}'.")

    def function(self, name: Token, scope: dict[str, EntityType]) -> _Expr:
        fn = name.text.lower()
        if fn not in _DATE_PARTS and fn not in ("floor", "ceiling"):
            raise ODataError(f"The function '{name.text}' is not supported.")
        self.expect("(")
        arg = self.or_expr(scope)
        self.expect(")")
        return _apply_function(fn, arg)

    def path(self, first: Token, scope: dict[str, EntityType]) -> _Expr:
        if first.text in scope and first.text != "$it":
            owner, var = scope[first.text], first.text
            if not self.accept("/"):
                raise ODataError(f"The lambda variable '{first.text}' must be followed by a property.")
            segment = self.take()
        else:
            owner, var, segment = scope["$it"], "$it", first
        if segment.kind != "name":
            raise ODataError(f"Syntax error at position {segment.pos}.")
        name = owner.canonical(segment.text)
        if name is None:
            raise ODataError(f"Could not find a property named '{segment.text}' on type '{owner.full_name}'.")
        if name in owner.navs:
            return self.lambda_(owner, var, name, scope)
        kind = owner.props[name]
        if kind == "date":
            return _Expr(lambda env: _date(env[var].get(name)), kind)
        return _Expr(lambda env: env[var].get(name), kind)

    def lambda_(self, owner: EntityType, var: str, nav: str, scope: dict[str, EntityType]) -> _Expr:
        if not self.accept("/"):
            raise ODataError(f"The navigation property '{nav}' can only be used in a lambda (any/all).")
        quantifier = self.take().text.lower()
        if quantifier not in ("any", "all"):
            raise ODataError(f"'{quantifier}' is not supported after a navigation property; use any or all.")
        self.expect("(")
        inner_var = self.take()
        if inner_var.kind != "name":
            raise ODataError("A lambda variable name is expected.")
        self.expect(":")
        target = TYPES[owner.navs[nav]]
        body = self.or_expr({**scope, inner_var.text: target})
        self.expect(")")
        if body.kind != "bool":
            raise ODataError("A lambda body must be a boolean expression.")
        navs, bget, vname = self.navs, body.get, inner_var.text
        test = any if quantifier == "any" else all

        def evaluate(env: Env) -> bool:
            children = navs(owner, env[var], nav)
            return test(bget({**env, vname: child}) is True for child in children)

        return _Expr(evaluate, "bool")


def _date(value: Any) -> Any:
    return timefmt.parse_stored(value) if value else None


def _number(text: str) -> _Expr:
    body = text.rstrip("mMdDfFlL")
    if any(c in body for c in ".eE"):
        number: float = float(body)
        return _Expr(lambda env: number, "decimal", number)
    integer = int(body)
    return _Expr(lambda env: integer, "int", integer)


def _apply_function(fn: str, arg: _Expr) -> _Expr:
    get = arg.get
    if fn in _DATE_PARTS:
        if arg.kind != "date":
            raise ODataError(f"The function '{fn}' requires a DateTimeOffset argument.")

        def part(env: Env) -> Any:
            value = get(env)
            return None if value is None else getattr(value, fn)

        return _Expr(part, "int")
    if arg.kind not in ("int", "decimal"):
        raise ODataError(f"The function '{fn}' requires a numeric argument.")
    rounder = math.floor if fn == "floor" else math.ceil

    def rounded(env: Env) -> Any:
        value = get(env)
        return None if value is None else rounder(value)

    return _Expr(rounded, "int")


def _compare(op: str, left: _Expr, right: _Expr) -> _Expr:
    _check_types(op, left, right)
    enum = left.kind if left.kind in ENUMS else right.kind if right.kind in ENUMS else None
    lg, rg = left.get, right.get
    if enum and op not in ("eq", "ne"):
        order = {name: i for i, name in enumerate(ENUMS[enum])}
        lg = _mapped(left.get, order)
        rg = _mapped(right.get, order)
    return _Expr(_COMPARATORS[op](lg, rg), "bool")


def _mapped(get: Getter, order: dict[str, int]) -> Getter:
    return lambda env: order.get(get(env))


def _check_types(op: str, left: _Expr, right: _Expr) -> None:
    kinds = {left.kind, right.kind}
    if "null" in kinds:
        return
    for side, other in ((left, right), (right, left)):
        if side.kind in ENUMS and other.kind == "str":
            if other.literal is not _NO_LITERAL and other.literal not in ENUMS[side.kind]:
                raise ODataError(f"The string '{other.literal}' is not a valid enumeration type constant.")
            return
    if len(kinds) == 1 or kinds <= {"int", "decimal"}:
        return
    raise ODataError(
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{edm_name(left.kind)}' and '{edm_name(right.kind)}' for operator kind '{_OPS[op]}'."
    )


def _eq(lg: Getter, rg: Getter) -> Getter:
    return lambda env: lg(env) == rg(env)


def _ne(lg: Getter, rg: Getter) -> Getter:
    return lambda env: lg(env) != rg(env)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Getter, Getter], Getter]:
    def build(lg: Getter, rg: Getter) -> Getter:
        def evaluate(env: Env) -> bool:
            a, b = lg(env), rg(env)
            # OData: an ordering comparison with null is false.
            return a is not None and b is not None and test(a, b)

        return evaluate

    return build


_COMPARATORS: dict[str, Callable[[Getter, Getter], Getter]] = {
    "eq": _eq,
    "ne": _ne,
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
}
