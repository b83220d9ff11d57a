"""Paths a mapping reads that no record carried, while the records carry a near name.

Why: a typo in a ``from:`` path (``billTo.workEmial``) or a guard (``record.stauts``) is valid
and, when no catalog knows the object, even passes ``ferry validate``; rendering then simply
leaves the field out of every record. After ``ferry render`` or the pytest fixtures have seen
the records, a path found in none of them, next to a key that is one letter away, is almost
certainly a typo: say so, with the spec's line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from engine.check.catalog.references import SOURCE, SOURCE_LINE, Ref, mapping_reads
from engine.errors import Problem
from engine.load.source import SourceMap, json_path
from engine.model import nodes as model_nodes
from engine.suggest import did_you_mean

R = TypeVar("R", bound=Mapping[str, Any])


def _plain(text: Any) -> tuple[str, ...]:
    if not isinstance(text, str):
        return ()
    parts = tuple(text.split("."))
    return parts if all(p.isidentifier() for p in parts) else ()


def _walk(node: Any, names: Sequence[str]) -> tuple[int, Any]:
    """How many of ``names`` resolve from ``node``, and the object where the walk stopped."""
    for depth, name in enumerate(names):
        # a plain dict first: it is what JSON gives, and the ABC check costs ten times more
        if not (type(node) is dict or isinstance(node, Mapping)) or name not in node:
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
        self.near: list[dict[int, set[Any]]] = [{} for _ in self.refs]
        self.count = 0
        # Top-level names (the usual case) are checked with one ``in`` each, and share one key
        # set: a name that never resolves was missing from every record, so every record that
        # added keys to the shared set is one it was missing from, as its own set would be.
        self.top: list[tuple[int, str]] = []
        self.deep: list[int] = []
        self.top_keys: set[Any] = set()
        for index, ref in enumerate(self.refs):
            if ref.scope == SOURCE and len(ref.names) == 1:
                self.top.append((index, ref.names[0]))
                self.near[index][0] = self.top_keys
            else:
                self.deep.append(index)

    def watch(self, records: Iterable[R]) -> Iterator[R]:
        """The records, each seen on its way; once every path has been found, the rest are
        only counted."""
        stream = iter(records)
        for record in stream:
            self.see(record)
            yield record
            if not (self.top or self.deep):
                break
        for record in stream:
            self.count += 1
            yield record

    def see(self, record: Mapping[str, Any]) -> None:
        """Note which paths ``record`` resolves, and the keys next to those it does not.

        Only the paths no record has resolved yet are looked at: once every path has been
        found, watching a record costs a count. A key set is added to only when the record
        holds a key not seen before, so records of one shape add nothing after the first.
        """
        self.count += 1
        if self.top:
            self._see_top(record)
        if self.deep:
            resolved = [index for index in self.deep if self._resolves(record, index)]
            for index in resolved:
                self.found[index] = True
            if resolved:
                self.deep = [index for index in self.deep if not self.found[index]]

    def _see_top(self, record: Mapping[str, Any]) -> None:
        missed = False
        resolved = False
        for index, name in self.top:
            if name in record:
                self.found[index] = resolved = True
            else:
                missed = True
        if missed and not self.top_keys.issuperset(record):
            self.top_keys.update(record)
        if resolved:
            self.top = [(index, name) for index, name in self.top if not self.found[index]]

    def _resolves(self, record: Mapping[str, Any], index: int) -> bool:
        ref = self.refs[index]
        if ref.scope == SOURCE:
            bases: Sequence[Any] = (record,)
        else:
            depth, items = _walk(record, self.lines_from)
            bases = items if depth == len(self.lines_from) and isinstance(items, list) else ()
        for base in bases:
            depth, node = _walk(base, ref.names)
            if depth == len(ref.names):
                return True
            if type(node) is dict or isinstance(node, Mapping):
                near = self.near[index].get(depth)
                if near is None:
                    self.near[index][depth] = set(node)
                elif not near.issuperset(node):
                    near.update(node)
        return False

    def warnings(self) -> list[Problem]:
        out: list[Problem] = []
        for index, ref in enumerate(self.refs):
            if self.found[index] or not self.count or not any(self.near[index].values()):
                continue
            depth = max(self.near[index])
            missing = ref.names[depth]
            suggestion = did_you_mean(missing, {str(key) for key in self.near[index][depth]})
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
