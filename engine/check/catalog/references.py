"""Which fields of which object a Mapping names, and where: the input of the catalog checks.

Why separate from the rules: finding references means knowing every place a spec can name a
field - ``from:`` paths, guards, templates, transform path parameters, ``identity``,
``linked_by``, tracking, ``to:`` paths - and what each is relative to (the source record, a
source line, the destination record or one of its lines). The rules then only judge names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from engine.language.expressions import (
    ExpressionSyntaxError,
    ast_of,
    compile_expression,
    references,
)
from engine.language.templates import environment
from engine.load.source import JsonPath

SOURCE, SOURCE_LINE, DEST, DEST_LINE = "source", "source-line", "destination", "destination-line"
_ROOTS = {"record": SOURCE, "line": SOURCE_LINE, "destination": DEST}
PATH_PARAMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "name_as_id": (("company",), ("first_name",), ("last_name",), ("is_person", "path")),
}
"""Transform parameters that hold paths into the field's value (checked when it is the record)."""


@dataclass(frozen=True)
class Ref:
    """``names`` read (or written) relative to ``scope``, written in the spec at ``path``;
    ``column`` is where the reference starts inside that scalar (None: the whole value)."""

    scope: str
    names: tuple[str, ...]
    path: JsonPath
    column: int | None = None


def _parsed(text: Any) -> Any | None:
    """A JMESPath expression's syntax tree; None when it is not one (an expression that does
    not parse is reported by the syntax checks, not here)."""
    if not isinstance(text, str):
        return None
    try:
        return ast_of(compile_expression(text))
    except ExpressionSyntaxError:
        return None


def _chains(text: Any) -> Iterator[tuple[str, ...]]:
    """The field chains a JMESPath expression reads."""
    ast = _parsed(text)
    if ast is not None:
        for ref in references(ast):
            yield ref.names


def expression_refs(text: Any, path: JsonPath, scope: str) -> Iterator[Ref]:
    """Field chains a ``from:`` path reads from the root of its record."""
    for names in _chains(text):
        yield Ref(scope, names, path, _column(text, names))


def guard_refs(text: Any, path: JsonPath, in_lines: bool) -> Iterator[Ref]:
    """``record.x``, ``line.x`` and ``destination.x`` chains a guard reads."""
    for names in _chains(text):
        yield from _rooted(names, text, path, in_lines)


def template_refs(text: Any, path: JsonPath, in_lines: bool) -> Iterator[Ref]:
    """``record.x`` chains (attribute or constant-key access) a Jinja template reads."""
    if not isinstance(text, str):
        return
    try:
        ast = environment().parse(text)
    except Exception:
        return
    chains = [_jinja_chain(node) for node in ast.find_all((nodes.Getattr, nodes.Getitem))]
    found = [c for c in chains if c is not None]
    longest = [c for c in found if not any(o != c and o[: len(c)] == c for o in found)]
    for chain in dict.fromkeys(longest):
        yield from _rooted(chain, text, path, in_lines)


def _jinja_chain(node: nodes.Node) -> tuple[str, ...] | None:
    names: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            names.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if not isinstance(node.arg.value, str):
                return None
            names.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            names.append(node.name)
            return tuple(reversed(names))
        else:
            return None


def _rooted(names: tuple[str, ...], text: str, path: JsonPath, in_lines: bool) -> Iterator[Ref]:
    scope = _ROOTS.get(names[0])
    if scope is None or len(names) < 2 or (scope == SOURCE_LINE and not in_lines):
        return
    yield Ref(scope, names[1:], path, _column(text, names) + len(names[0]) + 1)


def _column(text: str, names: tuple[str, ...]) -> int:
    dotted = ".".join(names)
    at = text.find(dotted)
    return at if at >= 0 else max(0, text.find(names[-1]))


def transform_path_refs(field: dict[str, Any], path: JsonPath, scope: str) -> Iterator[Ref]:
    """Paths in transform parameters, when the field's value is the whole record or line."""
    if field.get("from") != "@":
        return
    items = field.get("transforms")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or len(item) != 1:
            continue
        ((name, params),) = item.items()
        for keys in PATH_PARAMS.get(name, ()):
            value: Any = params
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                where = (*path, "transforms", index, name, *keys)
                yield from (
                    Ref(scope, r.names, where, r.column)
                    for r in expression_refs(value, where, scope)
                )


def field_refs(field: Any, path: JsonPath, in_lines: bool, from_scope: str) -> Iterator[Ref]:
    """Everything a field (and each of its ``cases`` variants) reads."""
    if not isinstance(field, dict):
        return
    yield from expression_refs(field.get("from"), (*path, "from"), from_scope)
    yield from guard_refs(field.get("when"), (*path, "when"), in_lines)
    yield from template_refs(field.get("template"), (*path, "template"), in_lines)
    yield from transform_path_refs(field, path, from_scope)
    cases = field.get("cases")
    for option, sub in (cases if isinstance(cases, dict) else {}).items():
        yield from field_refs(sub, (*path, "cases", option), in_lines, from_scope)


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, v)
        for i, v in enumerate(value if isinstance(value, list) else [])
        if isinstance(v, dict)
    ]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def mapping_reads(data: dict[str, Any], line_scope: bool) -> Iterator[Ref]:
    """Every read a Mapping makes. ``line_scope`` is False when the lines' ``from:`` is not a
    plain path (``[@]``), so line-relative names cannot be checked."""
    for index, guard in enumerate(data.get("when") or []):
        if isinstance(guard, dict):
            yield from guard_refs(guard.get("expr"), ("when", index, "expr"), False)
        else:
            yield from guard_refs(guard, ("when", index), False)
    identity = _dict(data.get("identity"))
    external = _dict(identity.get("external_id"))
    yield from expression_refs(external.get("from"), ("identity", "external_id", "from"), SOURCE)
    yield from template_refs(
        external.get("template"), ("identity", "external_id", "template"), False
    )
    for index, match in _dicts(identity.get("match")):
        yield from expression_refs(match.get("from"), ("identity", "match", index, "from"), SOURCE)
    linked = _dict(identity.get("linked_by"))
    yield from expression_refs(linked.get("from"), ("identity", "linked_by", "from"), SOURCE)
    cutover = _dict(_dict(data.get("source")).get("cutover"))
    yield from expression_refs(cutover.get("date"), ("source", "cutover", "date"), SOURCE)
    for index, req in _dicts(data.get("requires")):
        yield from expression_refs(req.get("from"), ("requires", index, "from"), SOURCE)
    for index, field in _dicts(data.get("fields")):
        yield from field_refs(field, ("fields", index), False, SOURCE)
    lines = _dict(data.get("lines"))
    yield from expression_refs(lines.get("from"), ("lines", "from"), SOURCE)
    refs: list[Ref] = list(guard_refs(lines.get("when"), ("lines", "when"), True))
    for index, req in _dicts(lines.get("requires")):
        refs += expression_refs(req.get("from"), ("lines", "requires", index, "from"), SOURCE_LINE)
    for index, field in _dicts(lines.get("fields")):
        refs += field_refs(field, ("lines", "fields", index), True, SOURCE_LINE)
    yield from (r for r in refs if line_scope or r.scope != SOURCE_LINE)
    for phase, table in _dict(data.get("tracking")).items():
        for name, value in _dict(table).items():
            if isinstance(value, dict):
                where = ("tracking", phase, name, "template")
                yield from template_refs(value.get("template"), where, False)


@dataclass(frozen=True)
class Comparison:
    """A guard compares the field ``ref`` names with the text ``literal``."""

    ref: Ref
    literal: str
    column: int


def _walk_ast(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        if isinstance(child, dict):
            yield from _walk_ast(child)


def _field_chain(node: dict[str, Any]) -> tuple[str, ...] | None:
    if node.get("type") not in ("field", "subexpression"):
        return None
    found = references(node)
    return found[0].names if len(found) == 1 else None


def _compared(node: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(field chain, text literal) pairs of ``==``/``!=`` and ``contains(`[...]`, field)``."""
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if (
        node.get("type") == "comparator"
        and node.get("value") in ("eq", "ne")
        and len(children) == 2
    ):
        for one, other in (children, children[::-1]):
            chain = _field_chain(one)
            value = other.get("value") if other.get("type") == "literal" else None
            if chain and isinstance(value, str):
                yield chain, value
    contains = node.get("type") == "function_expression" and node.get("value") == "contains"
    if contains and len(children) == 2 and children[0].get("type") == "literal":
        chain = _field_chain(children[1])
        values = children[0].get("value")
        if chain and isinstance(values, list):
            yield from ((chain, v) for v in values if isinstance(v, str))


def guard_comparisons(text: Any, path: JsonPath, in_lines: bool) -> Iterator[Comparison]:
    """Text literals a guard compares record fields with (to check against enum values)."""
    ast = _parsed(text)
    if ast is None:
        return
    for node in _walk_ast(ast):
        for chain, literal in _compared(node):
            for ref in _rooted(chain, text, path, in_lines):
                yield Comparison(ref, literal, max(0, text.find(literal)))


def mapping_guards(data: dict[str, Any]) -> Iterator[tuple[Any, JsonPath, bool]]:
    """Every guard expression of a Mapping: ``(text, path, in_lines)``."""
    for index, guard in enumerate(data.get("when") or []):
        if isinstance(guard, dict):
            yield guard.get("expr"), ("when", index, "expr"), False
        else:
            yield guard, ("when", index), False
    for index, field in _dicts(data.get("fields")):
        yield from _field_guards(field, ("fields", index), False)
    lines = _dict(data.get("lines"))
    yield lines.get("when"), ("lines", "when"), True
    for index, field in _dicts(lines.get("fields")):
        yield from _field_guards(field, ("lines", "fields", index), True)


def _field_guards(
    field: Any, path: JsonPath, in_lines: bool
) -> Iterator[tuple[Any, JsonPath, bool]]:
    if not isinstance(field, dict):
        return
    yield field.get("when"), (*path, "when"), in_lines
    cases = field.get("cases")
    for option, sub in (cases if isinstance(cases, dict) else {}).items():
        yield from _field_guards(sub, (*path, "cases", option), in_lines)
