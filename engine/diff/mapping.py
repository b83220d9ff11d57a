"""Two versions of one Mapping compared section by section, by meaning.

Why each section has its own rule: the issue's severities follow what a change does to records
already synced. Identity, matching, master (``enabled``), sync behaviour, retargeted objects
and removed fields change or orphan existing records: breaking. Guards, cutover, requirements,
tables and tracking change which records move or what they carry: risky. Descriptions and
names are for people: info. Lists whose order means nothing (fields, match keys, record guards,
requirements, tables) are matched by key, so reordering them is not a change.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from engine.diff import normal, residual
from engine.diff.fields import SOURCE_FORMS, FieldComparer
from engine.diff.guards import GuardComparer
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.source import JsonPath


def _get(data: Any, path: JsonPath, default: Any = ABSENT) -> Any:
    """The value at ``path`` of a document's data (mapping keys only), else ``default``."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def _source_form(node: Any) -> Any:
    """A ``value_source`` (``from``/``value``/``template``) in normal form."""
    if not isinstance(node, dict):
        return ABSENT if node is ABSENT else normal.canonical(node)
    for kind, form in SOURCE_FORMS.items():
        if kind in node:
            return (kind, form(node[kind]))
    return normal.canonical(node)


def _names(value: Any) -> list[str]:
    """A requirement's parent mappings: one name, or several (the first that synced wins)."""
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _key(value: Any) -> str:
    """A list item's matching key as text (several parent mappings read ``a | b``)."""
    return " | ".join(_names(value))


def _tables_read(node: Any) -> set[str]:
    """Names of the value tables a field's transforms read (``table:`` parameters)."""
    if isinstance(node, list):
        return {t for item in node for t in _tables_read(item)}
    if not isinstance(node, dict):
        return set()
    found = {node["table"]} if isinstance(node.get("table"), str) else set()
    return found | {t for value in node.values() for t in _tables_read(value)}


class MappingComparer(Comparer):
    """Collects the changes between two valid Mapping documents."""

    def scalar(
        self,
        path: JsonPath,
        severity: Severity,
        category: Category,
        summary: str,
        default: Any = ABSENT,
        form: Callable[[Any], Any] = normal.canonical,
        *,
        cosmetic: bool = False,
    ) -> None:
        """Compare one value at the same path in both versions (absent means ``default``)."""
        a, b = _get(self.old.data, path, default), _get(self.new.data, path, default)
        if (ABSENT if a is ABSENT else form(a)) != (ABSENT if b is ABSENT else form(b)):
            subject = ".".join(map(str, path))
            self.record(severity, category, subject, summary, a, b, (path, path), cosmetic=cosmetic)

    def run(self) -> list[Change]:
        br, risky, info = Severity.BREAKING, Severity.RISKY, Severity.INFO
        self.scalar(
            ("metadata", "description"),
            info,
            Category.DESCRIPTION,
            "description changed",
            cosmetic=True,
        )
        self.scalar(
            ("settings",),
            risky,
            Category.SETTINGS_FILE,
            "compiled with a different Settings file",
            form=posixpath.normpath,
        )
        self.scalar(("enabled",), br, Category.MASTER, "whether the mapping runs changed", True)
        self.scalar(("order",), risky, Category.ORDER, "dependency order changed", 100)
        for side in ("source", "destination"):
            for key in ("endpoint", "object"):
                self.scalar((side, key), br, Category.RETARGET, f"{side} {key} changed")
        self.cutover()
        self.scalar(
            ("identity", "external_id"),
            br,
            Category.IDENTITY,
            "external id changed: existing records are no longer found by it",
            form=_source_form,
        )
        self.keyed(
            ("identity", "match"), "to", br, Category.IDENTITY, "natural-key match", _source_form
        )
        self.scalar(
            ("identity", "linked_by"),
            br,
            Category.IDENTITY,
            "the source field that links existing destination records changed",
            form=_source_form,
        )
        self.scalar(
            ("identity", "one_of"),
            br,
            Category.IDENTITY,
            "the mappings sharing these source records changed: a record may be synced twice",
            [],
            lambda v: normal.canonical(sorted(v)),
        )
        self.scalar(
            ("identity", "unique"),
            risky,
            Category.UNIQUE,
            "fields checked for uniqueness before a run changed",
            [],
            lambda v: normal.canonical(sorted(v)),
        )
        self.scalar(
            ("behavior", "sync"), br, Category.SYNC, "sync behaviour changed", "new_and_modified"
        )
        self.keyed(
            ("requires",), "mapping", risky, Category.REQUIRES, "requirement", self.requirement_form
        )
        self.changes += GuardComparer(self.old, self.new).run()
        self.tables()
        self.tracking()
        old_fields, new_fields = self.old.data["fields"], self.new.data["fields"]
        comparer = FieldComparer(self.old, self.new)
        self.changes += comparer.compare(old_fields, ("fields",), new_fields, ("fields",))
        self.lines()
        self.changes += residual.compare(self.old, self.new)
        return self.changes

    @staticmethod
    def requirement_form(node: dict[str, Any]) -> Any:
        """What a requirement means: the parent id path, the alias it is seen as (defaulted
        as the compiler does) and whether it is optional."""
        names = _names(node["mapping"])
        return (
            normal.expression(node["from"]),
            node.get("as") or names[0].rsplit("/", 1)[-1].replace("-", "_"),
            bool(node.get("optional", False)),
        )

    def keyed(
        self,
        base: JsonPath,
        key: str,
        severity: Severity,
        category: Category,
        what: str,
        form: Callable[[Any], Any],
    ) -> None:
        """Compare a list of objects matched by ``key`` (order is not meaning)."""
        olds = {_key(n[key]): (n, (*base, i)) for i, n in enumerate(_get(self.old.data, base, []))}
        news = {_key(n[key]): (n, (*base, i)) for i, n in enumerate(_get(self.new.data, base, []))}
        what_path = ".".join(map(str, base))
        for name in [*news, *(n for n in olds if n not in news)]:
            a, b = olds.get(name), news.get(name)
            subject = f"{what_path} {name}"
            if a is None or b is None:
                change = "added" if a is None else "removed"
                self.record(
                    severity,
                    category,
                    subject,
                    f"{what} {change}",
                    ABSENT if a is None else a[0],
                    ABSENT if b is None else b[0],
                    (None if a is None else a[1], None if b is None else b[1]),
                )
                continue
            if form(a[0]) != form(b[0]):
                paths = (a[1], b[1])
                self.record(severity, category, subject, f"{what} changed", a[0], b[0], paths)

    def cutover(self) -> None:
        path = ("source", "cutover")
        a, b = _get(self.old.data, path), _get(self.new.data, path)

        def form(node: Any) -> Any:
            if node is ABSENT:
                return ABSENT
            return (normal.expression(node["date"]), node.get("setting"), node.get("since"))

        if form(a) != form(b):
            self.record(
                Severity.RISKY,
                Category.CUTOVER,
                "source.cutover",
                "cutover changed: a different set of records is selected",
                a,
                b,
                (path, path),
            )

    def users_of(self, table: str) -> str:
        """The fields (in either version) whose transforms read ``table``."""
        fields = [
            str(f["to"])
            for doc in (self.old, self.new)
            for f in [*doc.data["fields"], *(doc.data.get("lines") or {}).get("fields", [])]
            if table in _tables_read(f)
        ]
        return ", ".join(dict.fromkeys(fields))

    def tables(self) -> None:
        olds = self.old.data.get("tables") or {}
        news = self.new.data.get("tables") or {}
        for name in [*news, *(n for n in olds if n not in news)]:
            a, b = olds.get(name, ABSENT), news.get(name, ABSENT)
            path = ("tables", name)
            users = self.users_of(name)
            used = f" (used by {users})" if users else ""
            if a is ABSENT or b is ABSENT:
                self.record(
                    Severity.RISKY,
                    Category.TABLE,
                    f"table {name}",
                    f"table {'added' if a is ABSENT else 'removed'}{used}",
                    a,
                    b,
                    (None if a is ABSENT else path, None if b is ABSENT else path),
                )
                continue
            for entry in [*b, *(e for e in a if e not in b)]:
                x, y = a.get(entry, ABSENT), b.get(entry, ABSENT)
                if normal.canonical(x) != normal.canonical(y):
                    verb = "added" if x is ABSENT else "removed" if y is ABSENT else "changed"
                    self.record(
                        Severity.RISKY,
                        Category.TABLE,
                        f"table {name}[{entry!r}]",
                        f"table entry {verb}{used}",
                        x,
                        y,
                        (
                            None if x is ABSENT else (*path, entry),
                            None if y is ABSENT else (*path, entry),
                        ),
                    )

    def tracking(self) -> None:
        olds = self.old.data.get("tracking") or {}
        news = self.new.data.get("tracking") or {}
        for phase in dict.fromkeys([*news, *olds]):
            a, b = olds.get(phase) or {}, news.get(phase) or {}
            for name in [*b, *(n for n in a if n not in b)]:
                x, y = a.get(name, ABSENT), b.get(name, ABSENT)
                if _source_form(x) == _source_form(y):
                    continue
                verb = "added" if x is ABSENT else "removed" if y is ABSENT else "changed"
                path = ("tracking", phase, name)
                self.record(
                    Severity.RISKY,
                    Category.TRACKING,
                    f"tracking.{phase}.{name}",
                    f"tracking field {verb} (written back to the source on {phase[3:]})",
                    x,
                    y,
                    (None if x is ABSENT else path, None if y is ABSENT else path),
                )

    def lines(self) -> None:
        a, b = self.old.data.get("lines"), self.new.data.get("lines")
        if not a and not b:
            return
        if not a or not b:
            node = b or a
            assert node is not None
            self.record(
                Severity.INFO if b else Severity.BREAKING,
                Category.FIELD_ADDED if b else Category.FIELD_REMOVED,
                f"lines {node['to']}",
                "lines added" if b else "lines removed: the sublist is no longer written",
                a or ABSENT,
                b or ABSENT,
                (("lines",) if a else None, ("lines",) if b else None),
                field=node["to"],
            )
            return
        to = str(b["to"])
        if a["to"] != b["to"]:
            self.record(
                Severity.BREAKING,
                Category.RETARGET,
                f"lines {to}",
                "lines now written to another destination path",
                a["to"],
                b["to"],
                (("lines", "to"), ("lines", "to")),
                field=to,
            )
        if normal.expression(a["from"]) != normal.expression(b["from"]):
            self.record(
                Severity.RISKY,
                Category.SOURCE,
                f"lines {to}",
                "lines read another list",
                a["from"],
                b["from"],
                (("lines", "from"), ("lines", "from")),
                field=to,
            )
        ga = normal.guard_terms(a["when"]) if a.get("when") else frozenset()
        gb = normal.guard_terms(b["when"]) if b.get("when") else frozenset()
        if ga != gb:
            self.record(
                Severity.RISKY,
                Category.GUARD,
                f"lines {to}",
                f"line guard {normal.guard_relation(ga, gb)}",
                a.get("when", ABSENT),
                b.get("when", ABSENT),
                (("lines", "when"), ("lines", "when")),
                field=to,
            )
        self.keyed(
            ("lines", "requires"),
            "mapping",
            Severity.RISKY,
            Category.REQUIRES,
            "line requirement",
            self.requirement_form,
        )
        comparer = FieldComparer(self.old, self.new, prefix=f"{to}[].")
        self.changes += comparer.compare(
            a["fields"], ("lines", "fields"), b["fields"], ("lines", "fields")
        )
