"""Translate JMESPath syntax trees into Python source, for the compiled render function.

Why: evaluating ``ParsedResult.search`` per field and per record walks the syntax tree every time
(10-100x slower than hand-written code). The common shapes of a mapping — field chains, indexes,
comparisons with literals, ``&&``/``||``/``!``, settings — translate to plain Python with the
same JMESPath semantics (null-propagating field access, 0 is truthy, ``1 == true`` is false).
Anything else returns ``None`` and the caller falls back to the compiled JMESPath expression, so
the translation is an optimisation that never changes results (tests compare both tiers).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from engine.language.expressions import evaluate_tree, orderable, references
from engine.language.expressions import is_number as _is_number

_SAFE_LITERALS = (str, int, float, bool, type(None))


def jp_truthy(value: Any) -> bool:
    """JMESPath truthiness: '', [], {}, null and false are false; 0 is true."""
    return not (value is None or value is False or value == "" or value == [] or value == {})


def jp_eq(left: Any, right: Any) -> bool:
    """JMESPath equality: numbers never equal booleans."""
    if (_is_number(left) and isinstance(right, bool)) or (
        _is_number(right) and isinstance(left, bool)
    ):
        return False
    return bool(left == right)


def jp_order(left: Any, right: Any, op: str) -> bool | None:
    """JMESPath ordering: only numbers with numbers and strings with strings; else null."""
    if not orderable(left, right):
        return None
    if op == "lt":
        return bool(left < right)
    if op == "lte":
        return bool(left <= right)
    if op == "gt":
        return bool(left > right)
    return bool(left >= right)


HELPERS: dict[str, Any] = {"_jp_truthy": jp_truthy, "_jp_eq": jp_eq, "_jp_order": jp_order}


class Translator:
    """Translates one expression; ``roots`` maps top-level names to Python names (guards),
    ``base`` is the Python name of the document root (paths); ``constants`` folds names such as
    ``settings`` to their compile-time values."""

    _counter = itertools.count()

    def __init__(
        self,
        *,
        base: str | None = None,
        roots: Mapping[str, str] | None = None,
        constants: Mapping[str, Any] | None = None,
        dicts: frozenset[str] = frozenset(),
        known: Mapping[tuple[str, ...], str] | None = None,
        held: Mapping[str, str] | None = None,
    ) -> None:
        self.base = base
        self.roots = dict(roots or {})
        self.constants = dict(constants or {})
        self.dicts = dicts  # Python names known to hold a mapping (the record itself)
        # (var, field, ...) -> a local holding that sub-object, or an empty read-only mapping
        # when it is not an object: either way a mapping its fields are read from
        self.known = dict(known or {})
        self.dicts = dicts | frozenset(self.known.values())
        # field name -> a local already holding ``record.get(name)`` (read once per record)
        self.held = dict(held or {})

    def temp(self) -> str:
        return f"_t{next(self._counter)}"

    # --- values ----------------------------------------------------------------------------

    def folded(self, node: dict[str, Any], current: str | None) -> tuple[bool, Any]:
        """Evaluate ``node`` now when it reads only compile-time constants (settings)."""
        if current is not None or not self.constants:
            return False, None
        refs = references(node)
        if not refs or any(ref.names[0] not in self.constants for ref in refs):
            return False, None
        if any(n.get("type") == "current" for n in _nodes(node)):
            return False, None
        return True, evaluate_tree(node, self.constants)

    def value(self, node: dict[str, Any], current: str | None = None) -> str | None:
        """Python source for the value of ``node`` evaluated against ``current``."""
        done, constant = self.folded(node, current)
        if done:
            return repr(constant) if isinstance(constant, _SAFE_LITERALS) else None
        kind = node.get("type")
        if kind == "field":
            return self._field(node["value"], current)
        if kind == "subexpression":
            return self._subexpression(node["children"], current)
        if kind == "current":
            return current if current is not None else self.base
        if kind == "literal":
            literal = node["value"]
            return repr(literal) if isinstance(literal, _SAFE_LITERALS) else None
        if kind == "index_expression":
            return self._index(node["children"], current)
        if kind == "comparator" and node["value"] not in ("eq", "ne"):
            return self._ordering(node, current)
        if kind in ("comparator", "not_expression"):
            return self.boolean(node, current)
        if kind in ("and_expression", "or_expression"):
            return self._logical_value(node, current)
        return None

    def _logical_value(self, node: dict[str, Any], current: str | None) -> str | None:
        """``a || b`` is a's value when a is truthy, else b's; ``a && b`` the reverse."""
        left = self.value(node["children"][0], current)
        right = self.value(node["children"][1], current)
        if left is None or right is None:
            return None
        temp = self.temp()
        test = "" if node["type"] == "or_expression" else "not "
        return f"({temp} if {test}_jp_truthy({temp} := {left}) else {right})"

    def _ordering(self, node: dict[str, Any], current: str | None) -> str | None:
        left = self.value(node["children"][0], current)
        right = self.value(node["children"][1], current)
        if left is None or right is None:
            return None
        return f"_jp_order({left}, {right}, {node['value']!r})"

    def _root_field(self, name: str) -> str | None:
        if name in self.constants:
            return (
                repr(self.constants[name])
                if isinstance(self.constants[name], _SAFE_LITERALS)
                else None
            )
        if name in self.roots:
            return self.roots[name]
        if self.base is None:
            return None
        return self._get(self.base, name)

    def _get(self, source: str, name: str) -> str:
        if source == "record" and name in self.held:
            return self.held[name]
        if source in self.dicts:
            return f"{source}.get({name!r})"
        if source.isidentifier():
            return f"({source}.get({name!r}) if isinstance({source}, dict) else None)"
        temp = self.temp()
        return f"({temp}.get({name!r}) if isinstance({temp} := {source}, dict) else None)"

    def _field(self, name: str, current: str | None) -> str | None:
        if current is None:
            return self._root_field(name)
        return self._get(current, name)

    def _subexpression(self, children: list[dict[str, Any]], current: str | None) -> str | None:
        first = children[0]
        if current is None and first.get("type") == "field" and first["value"] in self.constants:
            return self._constant_chain(children, self.constants)
        start, source = self._cached_prefix(children, current)
        if start == 0:
            source = self.value(first, current)
            start = 1
        for child in children[start:]:
            if source is None:
                return None
            if child.get("type") == "field":
                source = self._get(source, child["value"])
            elif child.get("type") == "index_expression":
                source = self._index(child["children"], source)
            else:
                return None
        return source

    def _cached_prefix(
        self, children: list[dict[str, Any]], current: str | None
    ) -> tuple[int, str | None]:
        """The longest leading field chain already held in a local, and how many nodes it
        covers (0 when none)."""
        if current is not None or not self.known:
            return 0, None
        names: list[str] = []
        for child in children:
            if child.get("type") != "field":
                break
            names.append(child["value"])
        if self.base is not None:
            chain: tuple[str, ...] = (self.base, *names)
            covered = 0
        elif names and names[0] in self.roots:
            chain = (self.roots[names[0]], *names[1:])
            covered = 1
        else:
            return 0, None
        # a held local stands for "this sub-object, if it is an object": use it only to read a
        # field inside it, never as the value of the sub-object itself
        for length in range(len(chain) - 1, 1, -1):
            if chain[:length] in self.known:
                return length - 1 + covered, self.known[chain[:length]]
        return 0, None

    def _constant_chain(
        self, chain: list[dict[str, Any]], constants: Mapping[str, Any]
    ) -> str | None:
        value: Any = constants
        for node in chain:
            if node.get("type") != "field":
                return None
            value = value.get(node["value"]) if isinstance(value, Mapping) else None
        return repr(value) if isinstance(value, _SAFE_LITERALS) else None

    def _index(self, children: list[dict[str, Any]], current: str | None) -> str | None:
        target, index = children
        if index.get("type") != "index":
            return None
        source = self.value(target, current)
        if source is None:
            return None
        n = int(index["value"])
        temp = self.temp()
        bound = f"{n} < len({temp})" if n >= 0 else f"len({temp}) >= {-n}"
        return f"({temp}[{n}] if ({temp} := {source}).__class__ is list and {bound} else None)"

    # --- booleans ----------------------------------------------------------------------------

    def boolean(self, node: dict[str, Any], current: str | None = None) -> str | None:
        """Python source that is True exactly when ``node`` is JMESPath-truthy."""
        done, constant = self.folded(node, current)
        if done:
            return repr(jp_truthy(constant))
        kind = node.get("type")
        if kind == "comparator":
            return self._comparator(node, current)
        if kind in ("and_expression", "or_expression"):
            left = self.boolean(node["children"][0], current)
            right = self.boolean(node["children"][1], current)
            if left is None or right is None:
                return None
            joiner = " and " if kind == "and_expression" else " or "
            return f"({left}{joiner}{right})"
        if kind == "not_expression":
            inner = self.boolean(node["children"][0], current)
            return None if inner is None else f"(not {inner})"
        source = self.value(node, current)
        return None if source is None else f"_jp_truthy({source})"

    def _comparator(self, node: dict[str, Any], current: str | None) -> str | None:
        op = node["value"]
        left_node, right_node = node["children"]
        left, right = self.value(left_node, current), self.value(right_node, current)
        if left is None or right is None:
            return None
        if op not in ("eq", "ne"):
            return f"({self._ordering(node, current)} is True)"
        right_literal, left_literal = _literal_of(right_node), _literal_of(left_node)
        literal, other = (
            (right_literal, left) if right_literal is not _NO else (left_literal, right)
        )
        other_literal = left_literal if right_literal is not _NO else _NO
        if literal is None and other_literal is not _NO:
            # two literals: decided here (Python warns on ``1 is None``)
            test = "True" if other_literal is None else "False"
        elif literal is None:
            test = f"({other} is None)"
        elif isinstance(literal, str):
            test = f"({left} == {right})"
        else:
            test = f"_jp_eq({left}, {right})"
        return test if op == "eq" else f"(not {test})"


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("children", []):
        if isinstance(child, dict):
            out += _nodes(child)
    return out


class _NoLiteral:
    pass


_NO: Any = _NoLiteral()


def _literal_of(node: dict[str, Any]) -> Any:
    if node.get("type") == "literal":
        return node["value"]
    return _NO
