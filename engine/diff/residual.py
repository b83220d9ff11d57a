"""The safety net: keys the diff has no rule for are still compared, and reported as risky.

Why: the spec language grows (``on_fail`` and ``identity.unique`` arrived while the diff was
being written). A diff that silently ignores a key it does not know would tell a reviewer
"no change" about a change in meaning. ``KNOWN`` lists, per kind of object in a Mapping, the
keys that have a rule; anything else found in either version is compared as data. Unlike the
rest of the diff it reads the document as loaded, not its model: its job is the keys no rule
(and no model node) covers. A test walks the Mapping schema and fails when it names a key
missing here, so a new key gets a rule rather than living in the net.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.check.specfile import Document
from engine.diff import normal
from engine.diff.model import ABSENT, Category, Change, Severity
from engine.load.source import JsonPath
from engine.model import variants

_SOURCE_KEYS = frozenset({"from", "value", "template", "by", "cases"})
_VALUE_KEYS = _SOURCE_KEYS | {"transforms", "when", "missing", "default"}

KNOWN: dict[str, frozenset[str]] = {
    "mapping": frozenset(
        {
            "apiVersion",
            "kind",
            "metadata",
            "settings",
            "enabled",
            "order",
            "source",
            "destination",
            "identity",
            "behavior",
            "requires",
            "when",
            "tables",
            "fields",
            "lines",
            "tracking",
        }
    ),
    "metadata": frozenset({"name", "version", "description"}),
    "source": frozenset({"endpoint", "object", "cutover"}),
    "cutover": frozenset({"date", "setting", "since"}),
    "destination": frozenset({"endpoint", "object"}),
    "identity": frozenset({"external_id", "match", "unique", "linked_by", "one_of"}),
    "match": frozenset({"to", "from"}),
    "behavior": frozenset({"sync"}),
    "guard": frozenset({"name", "expr", "reason", "on_fail"}),
    "requirement": frozenset({"mapping", "from", "as", "optional"}),
    "field": _VALUE_KEYS | {"to", "description", "write"},
    "variant": _VALUE_KEYS,
    "lines": frozenset({"to", "from", "requires", "when", "fields"}),
    "tracking": frozenset({"on_create", "on_update", "on_link"}),
}

Found = dict[str, tuple[Any, JsonPath]]


def _extra(node: Any, kind: str, label: str, path: JsonPath) -> Iterator[tuple[str, Any, JsonPath]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in KNOWN[kind]:
                yield (f"{label}.{key}" if label else key), value, (*path, key)


def _name(node: Any, key: str, index: int) -> str:
    value = node.get(key) if isinstance(node, dict) else None
    return str(value) if value is not None else str(index)


def _fields(items: Any, base: str, path: JsonPath) -> Iterator[tuple[str, Any, JsonPath]]:
    for index, node in enumerate(items or ()):
        label, where = f"{base}[{_name(node, 'to', index)}]", (*path, index)
        yield from _extra(node, "field", label, where)
        for chain in list(variants.chains(node, where))[1:]:  # the field's cases, depth first
            sub, here = chain[-1]
            suffix = "".join(f".{part}" for part in here[len(where) :])
            yield from _extra(sub, "variant", label + suffix, here)


def _listed(
    data: dict[str, Any], path: JsonPath, kind: str, key: str
) -> Iterator[tuple[str, Any, JsonPath]]:
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    for index, item in enumerate(node or ()):
        label = f"{'.'.join(map(str, path))}[{_name(item, key, index)}]"
        yield from _extra(item, kind, label, (*path, index))


def unknown_keys(data: dict[str, Any]) -> Found:
    """Every key of a Mapping that no rule of the diff covers: label -> (value, JSON path)."""
    found = list(_extra(data, "mapping", "", ()))
    for kind in ("metadata", "source", "destination", "identity", "behavior", "tracking"):
        found += _extra(data.get(kind), kind, kind, (kind,))
    found += _extra(
        (data.get("source") or {}).get("cutover"),
        "cutover",
        "source.cutover",
        ("source", "cutover"),
    )
    found += _listed(data, ("identity", "match"), "match", "to")
    found += _listed(data, ("when",), "guard", "name")
    found += _listed(data, ("requires",), "requirement", "mapping")
    found += _fields(data.get("fields"), "fields", ("fields",))
    lines = data.get("lines")
    if isinstance(lines, dict):
        found += _extra(lines, "lines", "lines", ("lines",))
        found += _listed(data, ("lines", "requires"), "requirement", "mapping")
        found += _fields(lines.get("fields"), "lines.fields", ("lines", "fields"))
    return {label: (value, path) for label, value, path in found}


def compare(old: Document, new: Document) -> list[Change]:
    """Keys without a rule whose value differs between the versions: risky, to be read."""
    a, b = unknown_keys(old.data), unknown_keys(new.data)
    out = []
    for label in [*b, *(k for k in a if k not in b)]:
        x, xp = a.get(label, (ABSENT, None))
        y, yp = b.get(label, (ABSENT, None))
        if normal.canonical(x) != normal.canonical(y):
            out.append(
                Change(
                    Severity.RISKY,
                    Category.UNRECOGNISED,
                    label,
                    "changed; this version of ferry diff has no rule for this key: read it",
                    x,
                    y,
                    None if xp is None else old.source.locate(xp),
                    None if yp is None else new.source.locate(yp),
                )
            )
    return out
