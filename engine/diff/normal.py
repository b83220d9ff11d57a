"""Normal forms: two spellings of the same meaning compare equal, and values read well.

Why: a diff that reports ``a==b`` -> ``a == b``, ``trim`` -> ``{trim: {}}`` or a quoted
``"1"`` -> ``'1'`` trains reviewers to skip it. Expressions are compared as parsed JMESPath
trees (guards, which only matter for their truthiness, as sets of ``&&`` conjuncts and ``||``
disjuncts), templates as parsed Jinja trees, constants as canonical JSON (so ``1`` and
``true`` and ``"1"`` stay different), transforms as (name, parameters) pairs with the
transform's defaults filled in by the model (``trim`` equals ``{trim: {collapse: false}}``).
"""

from __future__ import annotations

import functools
import re
from typing import Any, cast

import jmespath

from engine import jsonio
from engine.diff.model import ABSENT
from engine.language.templates import TemplateProblem, environment, facts
from engine.load.scalars import resolve_plain, yaml11_reading

_SYMMETRIC = frozenset({"eq", "ne"})


def canonical(value: Any) -> str:
    """Canonical JSON text of a value: the key for comparing constants and parameters
    (``ABSENT`` gets a key no JSON text can be)."""
    if value is ABSENT:
        return "<absent>"
    return jsonio.canonical(value).decode()


def _tree(node: Any) -> Any:
    """A JMESPath AST with the operands of ``==``/``!=`` in a fixed order."""
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k != "children"}
    children = [_tree(c) for c in node.get("children", [])]
    if node.get("type") == "comparator" and node.get("value") in _SYMMETRIC:
        children.sort(key=canonical)
    out["children"] = children
    return out


def _parse(text: str) -> dict[str, Any]:
    return cast(dict[str, Any], jmespath.compile(text).parsed)


@functools.cache
def expression(text: str) -> str:
    """The normal form of a value expression (``from:``): order of ``||`` still matters."""
    return canonical(_tree(_parse(text)))


def _flatten(node: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    if node.get("type") != kind:
        return [node]
    return [part for child in node["children"] for part in _flatten(child, kind)]


def _truth(node: dict[str, Any]) -> str:
    """Normal form of a node read for its truthiness: ``&&`` and ``||`` become sets."""
    kind = node.get("type")
    if kind in ("and_expression", "or_expression"):
        parts = sorted({_truth(c) for c in _flatten(node, kind)})
        return canonical({"type": kind, "set": parts})
    if kind == "not_expression":
        return canonical({"type": kind, "of": _truth(node["children"][0])})
    return canonical(_tree(node))


@functools.cache
def guard_terms(text: str) -> frozenset[str]:
    """A guard as the set of its top-level conjuncts (``a && b`` and ``b && a`` are equal)."""
    return frozenset(_truth(n) for n in _flatten(_parse(text), "and_expression"))


def _disjuncts(terms: frozenset[str]) -> frozenset[str] | None:
    if len(terms) != 1:
        return None
    node = jsonio.loads(next(iter(terms)))
    if node.get("type") == "or_expression":
        return frozenset(node["set"])
    return terms


def guard_relation(old: frozenset[str], new: frozenset[str]) -> str:
    """``tightened`` (more conditions), ``loosened`` (fewer, or more alternatives) or
    ``changed`` when the two cannot be ordered by looking at their terms."""
    if old < new:
        return "tightened"
    if new < old:
        return "loosened"
    before, after = _disjuncts(old), _disjuncts(new)
    if before is not None and after is not None:
        if before < after:
            return "loosened"
        if after < before:
            return "tightened"
    return "changed"


@functools.cache
def template(text: str) -> str:
    """The normal form of a Jinja template: its parse tree (``{{x}}`` equals ``{{ x }}``); for
    a plain template, the plain shape the disk cache keeps, which is that tree written as
    values (``engine.language.plain_templates``), so an unchanged folder's diff needs no
    Jinja. A template is plain or not whatever its spelling: the two forms never meet."""
    try:
        shape = facts(text).shape
    except TemplateProblem:
        shape = None
    if shape is not None:
        return "plain " + repr(shape)  # repr: the constants 1, 1.0 and true stay different
    return repr(environment().parse(text))


# --- display ---------------------------------------------------------------------------------

_SPECIAL = re.compile(r"[:{}\[\],#&*!|>'\"%@`]|^\s|\s$|^-|^\?")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        plain = (
            value
            and not _SPECIAL.search(value)
            and resolve_plain(value) == value
            and yaml11_reading(value) is None
        )
        return value if plain else jsonio.dumps_str(value)
    return jsonio.dumps_str(value, default_repr=True)


def flow(value: Any) -> str:
    """A value as compact YAML flow text (``{table: currencies, as: ref}``), for people."""
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return _scalar(value)


def transform_text(item: Any) -> str:
    """One transform as people write it: ``trim`` or ``lookup {table: currencies, as: ref}``."""
    if isinstance(item, str):
        return item
    ((name, params),) = item.items()
    return f"{name} {flow(params)}" if params else str(name)


def transforms_text(items: Any) -> str:
    return ", ".join(transform_text(i) for i in items or ()) or "(none)"
