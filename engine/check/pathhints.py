"""Paths a mapping reads that no record carried, while the records carry a near name.

Why: a typo in a ``from:`` path (``billTo.workEmial``) or a guard (``record.stauts``) is valid
and, when no catalog knows the object, even passes ``ferry validate``; rendering then simply
leaves the field out of every record. After ``ferry render`` or the pytest fixtures have seen
the records, a path found in none of them, next to a key that is one letter away, is almost
certainly a typo: say so, with the spec's line and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.check.catalog.references import SOURCE, SOURCE_LINE, Ref, mapping_reads
from engine.errors import Problem
from engine.load.source import SourceMap, json_path
from engine.model import nodes as model_nodes
from engine.suggest import did_you_mean


def _plain(text: Any) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    parts = tuple(text.split("."))
    return parts if all(p.isidentifier() for p in parts) else ()


def _walk(node: Any, names: Sequence[str]) -> tuple[int, Any]:
    """How many of ``names`` resolve from ``node``, and the object where the walk stopped."""
    for depth, name in enumerate(names):
        if not isinstance(node, Mapping) or name not in node:
            return depth, node
        node = node[name]
    return len(names), node


class PathUsage:
    """Watch records go by; then report the record paths none of them had."""

    def __init__(self, model: model_nodes.Mapping, source: SourceMap) -> None:
        self.model = model
        self.source = source
        lines = model.lines
        self.lines_from = _plain(lines.source.value) if lines is not None else ()
        reads = mapping_reads(model, bool(self.lines_from))
        self.refs: list[Ref] = [r for r in reads if r.scope in (SOURCE, SOURCE_LINE)]
        self.found = [False] * len(self.refs)
        self.near: list[dict[int, set[str]]] = [{} for _ in self.refs]
        self.count = 0

    def see(self, record: Mapping[str, Any]) -> None:
        self.count += 1
        for index, ref in enumerate(self.refs):
            if self.found[index]:
                continue
            if ref.scope == SOURCE:
                bases: list[Any] = [record]
            else:
                items = _walk(record, self.lines_from)
                bases = (
                    list(items[1])
                    if items[0] == len(self.lines_from) and isinstance(items[1], list)
                    else []
                )
            for base in bases:
                depth, node = _walk(base, ref.names)
                if depth == len(ref.names):
                    self.found[index] = True
                    break
                if isinstance(node, Mapping):
                    self.near[index].setdefault(depth, set()).update(map(str, node))

    def warnings(self) -> list[Problem]:
        out: list[Problem] = []
        for index, ref in enumerate(self.refs):
            if self.found[index] or not self.near[index] or not self.count:
                continue
            depth = max(self.near[index])
            missing = ref.names[depth]
            suggestion = did_you_mean(missing, self.near[index][depth])
            if not suggestion:
                continue
            column = (
                None
                if ref.column is None
                else ref.column + sum(len(n) + 1 for n in ref.names[:depth])
            )
            where = (
                self.source.locate(ref.path)
                if column is None
                else self.source.locate_inside(ref.path, column)
            )
            records = "line" if ref.scope == SOURCE_LINE else "record"
            out.append(
                Problem(
                    where,
                    f"'{'.'.join(ref.names)}' was in none of the {self.count} {records}s "
                    f"rendered{suggestion}",
                    json_path(ref.path),
                    code="render.unresolved-path",
                    field=self.model.field_name(ref.path),
                    severity="warning",
                )
            )
        return out
