"""System query options, parsed once per request. Option names and property names are case-insensitive."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from casandbox.odata import ODataError
from casandbox.odata.filter import NavFn, Predicate, compile_filter
from casandbox.schema import TYPES, EntityType

_SYSTEM = {"$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count"}
_INNER = {"$select", "$expand"}


@dataclass
class Expand:
    nav: str
    type: EntityType
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    raw: str = ""  # the inner options as written, carried into the nested nextLink


@dataclass
class QueryOptions:
    filter: Predicate | None = None
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    skip: int = 0
    count: bool = False
    params: dict[str, str] = field(default_factory=dict)  # the non-$ parameters, lower-case names
    segments: list[tuple[str, str]] = field(default_factory=list)  # (lower-case name, raw segment)


def split_query(query: str) -> list[tuple[str, str, str]]:
    """(lower-case name, decoded value, raw segment) for each `name=value` of a raw query string."""
    out = []
    for segment in query.split("&"):
        if not segment:
            continue
        name, _, value = segment.partition("=")
        out.append((unquote_plus(name).strip().lower(), unquote_plus(value), segment))
    return out


def query_param(query: str, name: str) -> str | None:
    """The first value of a parameter, its name matched case-insensitively as CA does."""
    return next((value for key, value, _ in split_query(query) if key == name), None)


def parse_options(query: str, etype: EntityType, navs: NavFn, *, allow: set[str] = _SYSTEM) -> QueryOptions:
    opts = QueryOptions()
    seen: set[str] = set()
    for name, value, segment in split_query(query):
        opts.segments.append((name, segment))
        if not name.startswith("$"):
            opts.params.setdefault(name, value)
            continue
        if name not in _SYSTEM:
            raise ODataError(f"The query parameter '{name}' is not supported.")
        if name not in allow:
            raise ODataError(f"The query parameter '{name}' is not supported on this resource.")
        if name in seen:
            raise ODataError(
                f"Query option '{name}' was specified more than once, but it must be specified at most once."
            )
        seen.add(name)
        _apply(opts, name, value, etype, navs)
    return opts


def _apply(opts: QueryOptions, name: str, value: str, etype: EntityType, navs: NavFn) -> None:
    if name == "$filter":
        opts.filter = compile_filter(value, etype, navs)
    elif name == "$select":
        opts.select = parse_select(value, etype)
    elif name == "$expand":
        opts.expand = parse_expand(value, etype)
    elif name == "$orderby":
        opts.orderby = _parse_orderby(value, etype)
    elif name in ("$top", "$skip"):
        if not value.strip().isdigit():
            raise ODataError(
                f"Invalid value '{value}' for {name} query option found. It must be a non-negative integer."
            )
        if name == "$top":
            opts.top = int(value)
        else:
            opts.skip = int(value)
    elif name == "$count":
        if value.strip().lower() not in ("true", "false"):
            raise ODataError(f"'{value}' is not a valid count option.")
        opts.count = value.strip().lower() == "true"


def _prop(name: str, etype: EntityType, *, navs_ok: bool) -> str:
    canonical = etype.canonical(name.strip())
    if canonical is None or (canonical in etype.navs and not navs_ok):
        raise ODataError(f"Could not find a property named '{name.strip()}' on type '{etype.full_name}'.")
    return canonical


def parse_select(value: str, etype: EntityType) -> list[str] | None:
    names = [n.strip() for n in value.split(",") if n.strip()]
    if "*" in names:
        return None
    return [_prop(n, etype, navs_ok=True) for n in names]


def split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ODataError(f"Unbalanced parentheses in '{text}'.")
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise ODataError(f"Unbalanced parentheses in '{text}'.")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_expand(value: str, etype: EntityType) -> list[Expand]:
    out = []
    for item in split_top(value, ","):
        name, _, rest = item.partition("(")
        nav = etype.canonical(name.strip())
        if nav is None or nav not in etype.navs:
            raise ODataError(f"Could not find a property named '{name.strip()}' on type '{etype.full_name}'.")
        spec = Expand(nav, TYPES[etype.navs[nav]])
        if rest:
            if not rest.endswith(")"):
                raise ODataError(f"Syntax error in $expand near '{item}'.")
            spec.raw = rest[:-1].strip()
            for option in split_top(spec.raw, ";"):
                key, _, inner = option.partition("=")
                key = key.strip().lower()
                if key not in _INNER:
                    raise ODataError(f"The query option '{key}' is not supported inside $expand.")
                if key == "$select":
                    spec.select = parse_select(inner, spec.type)
                else:
                    spec.expand = parse_expand(inner, spec.type)
        out.append(spec)
    return out


def _parse_orderby(value: str, etype: EntityType) -> list[tuple[str, bool]]:
    out = []
    for clause in value.split(","):
        words = clause.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ODataError(f"Syntax error in $orderby near '{clause.strip()}'.")
        out.append((_prop(words[0], etype, navs_ok=False), len(words) == 2 and words[1].lower() == "desc"))
    return out
