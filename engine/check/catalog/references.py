"""Which fields of which object a Mapping names, and where: the input of the catalog checks.

Why separate from the rules: finding references means knowing every place a spec can name a
field - ``from:`` paths, guards, templates, transform path parameters, ``identity``,
``linked_by``, tracking, ``to:`` paths - and what each is relative to (the source record, a
source line, the destination record or one of its lines). The rules then only judge names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from engine.language.expressions import (
    ExpressionSyntaxError,
    ast_of,
    compile_expression,
    references,
)
from engine.language.templates import accesses
from engine.load.source import JsonPath
from engine.model.frozen import thaw
from engine.model.nodes import Field, Mapping, Source, Variant

SOURCE, SOURCE_LINE, DEST, DEST_LINE = "source", "source-line", "destination", "destination-line"
_ROOTS = {"record": SOURCE, "line": SOURCE_LINE, "destination": DEST}
PATH_PARAMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "name_as_id": (("company",), ("first_name",), ("last_name",), ("is_person", "path")),
}
"""Transform parameters that hold paths into the field's value (checked when it is the record)."""


class Ref(msgspec.Struct, frozen=True):
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
        read = accesses(text)
    except Exception:
        return
    found = [a.chain for a in read if a.chain is not None]
    longest = [c for c in found if not any(o != c and o[: len(c)] == c for o in found)]
    for chain in dict.fromkeys(longest):
        yield from _rooted(chain, text, path, in_lines)


def _rooted(names: tuple[str, ...], text: str, path: JsonPath, in_lines: bool) -> Iterator[Ref]:
    scope = _ROOTS.get(names[0])
    if scope is None or len(names) < 2 or (scope == SOURCE_LINE and not in_lines):
        return
    yield Ref(scope, names[1:], path, _column(text, names) + len(names[0]) + 1)


def _column(text: str, names: tuple[str, ...]) -> int:
    dotted = ".".join(names)
    at = text.find(dotted)
    return at if at >= 0 else max(0, text.find(names[-1]))


def _step_path_refs(variant: Variant, scope: str) -> Iterator[Ref]:
    """Paths in transform parameters, when the field's value is the whole record or line (the
    parameters the spec writes on the variant's own level)."""
    if variant.source.kind != "from" or variant.source.value != "@":
        return
    for step in variant.own_steps():
        written = thaw(step.written)
        if not isinstance(written, dict):
            continue
        params = written[step.name]
        for keys in PATH_PARAMS.get(step.name, ()):
            value: Any = params
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                where = (*step.path, step.name, *keys)
                yield from (
                    Ref(scope, r.names, where, r.column)
                    for r in expression_refs(value, where, scope)
                )


def _level_whens(field: Field) -> dict[JsonPath, str]:
    return {w.path: w.text for v in field.variants for w in v.guards}


def field_refs(field: Field, in_lines: bool, from_scope: str) -> Iterator[Ref]:
    """Everything a field (and each of its ``cases`` variants) reads, level by level."""
    leaves = {v.path: v for v in field.variants}
    whens = _level_whens(field)
    for level in field.levels():
        leaf = leaves.get(level)
        kind, value = (leaf.source.kind, leaf.source.value) if leaf else ("", None)
        if kind == "from":
            yield from expression_refs(value, (*level, "from"), from_scope)
        yield from guard_refs(whens.get((*level, "when")), (*level, "when"), in_lines)
        if kind == "template":
            yield from template_refs(value, (*level, "template"), in_lines)
        if leaf is not None:
            yield from _step_path_refs(leaf, from_scope)


def _source_refs(node: Source | None, scope: str, *, templates: bool = True) -> Iterator[Ref]:
    if node is not None and node.kind == "from":
        yield from expression_refs(node.value, (*node.path, "from"), scope)
    if node is not None and node.kind == "template" and templates:
        yield from template_refs(node.value, (*node.path, "template"), False)


def mapping_reads(model: Mapping, line_scope: bool) -> Iterator[Ref]:
    """Every read a Mapping makes. ``line_scope`` is False when the lines' ``from:`` is not a
    plain path (``[@]``), so line-relative names cannot be checked."""
    for guard in model.guards:
        yield from guard_refs(guard.expr.text, guard.expr.path, False)
    identity = model.identity
    yield from _source_refs(identity.external_id, SOURCE)
    for match in identity.match:
        yield from _source_refs(match.source, SOURCE)
    yield from _source_refs(identity.linked_by, SOURCE, templates=False)
    if model.cutover is not None:
        yield from expression_refs(model.cutover.date.text, model.cutover.date.path, SOURCE)
    for req in model.requires:
        yield from expression_refs(req.source.text, req.source.path, SOURCE)
    for field in model.fields:
        yield from field_refs(field, False, SOURCE)
    lines = model.lines
    if lines is not None:
        yield from _source_refs(lines.source, SOURCE)
        refs: list[Ref] = []
        if lines.guard is not None:
            refs += guard_refs(lines.guard.text, lines.guard.path, True)
        for req in lines.requires:
            refs += expression_refs(req.source.text, req.source.path, SOURCE_LINE)
        for field in lines.fields:
            refs += field_refs(field, True, SOURCE_LINE)
        yield from (r for r in refs if line_scope or r.scope != SOURCE_LINE)
    for table in model.tracking.values():
        for value in table.values():
            if value.kind == "template":
                yield from template_refs(value.value, (*value.path, "template"), False)


class Comparison(msgspec.Struct, frozen=True):
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


def mapping_guards(model: Mapping) -> Iterator[tuple[str, JsonPath, bool]]:
    """Every guard expression of a Mapping: ``(text, path, in_lines)``."""
    for guard in model.guards:
        yield guard.expr.text, guard.expr.path, False
    for field in model.fields:
        yield from _field_guards(field, False)
    if model.lines is not None:
        if model.lines.guard is not None:
            yield model.lines.guard.text, model.lines.guard.path, True
        for field in model.lines.fields:
            yield from _field_guards(field, True)


def _field_guards(field: Field, in_lines: bool) -> Iterator[tuple[str, JsonPath, bool]]:
    whens = _level_whens(field)
    for level in field.levels():
        text = whens.get((*level, "when"))
        if text is not None:
            yield text, (*level, "when"), in_lines
