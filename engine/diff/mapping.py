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
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from engine.diff import normal, residual
from engine.diff.fields import SOURCE_FORMS, FieldComparer
from engine.diff.guards import GuardComparer
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.source import JsonPath
from engine.model import nodes as model
from engine.model.frozen import thaw

Keyed = TypeVar("Keyed", model.Requirement, model.Match)


def _source_form(node: model.Source | None) -> Any:
    """A ``value_source`` (``from``/``value``/``template``) in normal form."""
    if node is None:
        return ABSENT
    return (node.kind, SOURCE_FORMS[node.kind](thaw(node.value)))


def _shown(node: model.Source | None) -> Any:
    return ABSENT if node is None else thaw(node.written())


def _setting(value: Any) -> Any:
    """A value a setting may choose, as the spec writes it."""
    return value.written() if isinstance(value, model.Switch) else value


def _tables_read(node: Any) -> set[str]:
    """Names of the value tables a field's transforms read (``table:`` parameters)."""
    if isinstance(node, list):
        return {t for item in node for t in _tables_read(item)}
    if not isinstance(node, dict):
        return set()
    found = {node["table"]} if isinstance(node.get("table"), str) else set()
    return found | {t for value in node.values() for t in _tables_read(value)}


def _field_tables(field: model.Field) -> set[str]:
    return {t for v in field.variants for s in v.steps for t in _tables_read(thaw(s.params))}


class MappingComparer(Comparer):
    """Collects the changes between two valid Mapping documents."""

    def scalar(
        self,
        path: JsonPath,
        a: Any,
        b: Any,
        severity: Severity,
        category: Category,
        summary: str,
        form: Callable[[Any], Any] = normal.canonical,
        *,
        shown: Callable[[Any], Any] = lambda v: v,
        cosmetic: bool = False,
    ) -> None:
        """Compare one value at the same path in both versions (``ABSENT`` when not given)."""
        if (ABSENT if a is ABSENT else form(a)) != (ABSENT if b is ABSENT else form(b)):
            subject = ".".join(map(str, path))
            before, after = shown(a), shown(b)
            paths = (path, path)
            self.record(
                severity, category, subject, summary, before, after, paths, cosmetic=cosmetic
            )

    def run(self) -> list[Change]:
        br, risky = Severity.BREAKING, Severity.RISKY
        a, b = self.old.mapping, self.new.mapping
        self.scalar(
            ("metadata", "description"),
            ABSENT if a.description is None else a.description,
            ABSENT if b.description is None else b.description,
            Severity.INFO,
            Category.DESCRIPTION,
            "description changed",
            cosmetic=True,
        )
        self.scalar(
            ("settings",),
            ABSENT if a.settings_file is None else a.settings_file,
            ABSENT if b.settings_file is None else b.settings_file,
            risky,
            Category.SETTINGS_FILE,
            "compiled with a different Settings file",
            form=posixpath.normpath,
        )
        self.scalar(
            ("enabled",),
            _setting(a.enabled),
            _setting(b.enabled),
            br,
            Category.MASTER,
            "whether the mapping runs changed",
        )
        self.scalar(("order",), a.order, b.order, risky, Category.ORDER, "dependency order changed")
        for side in ("source", "destination"):
            x, y = getattr(a, side), getattr(b, side)
            for key in ("endpoint", "object"):
                what = f"{side} {key} changed"
                self.scalar(
                    (side, key), getattr(x, key), getattr(y, key), br, Category.RETARGET, what
                )
        self.cutover()
        self.scalar(
            ("identity", "external_id"),
            a.identity.external_id,
            b.identity.external_id,
            br,
            Category.IDENTITY,
            "external id changed: existing records are no longer found by it",
            form=_source_form,
            shown=_shown,
        )
        self.keyed(
            ("identity", "match"),
            {m.to: m for m in a.identity.match},
            {m.to: m for m in b.identity.match},
            br,
            Category.IDENTITY,
            "natural-key match",
            lambda m: _source_form(m.source),
        )
        self.scalar(
            ("identity", "linked_by"),
            a.identity.linked_by,
            b.identity.linked_by,
            br,
            Category.IDENTITY,
            "the source field that links existing destination records changed",
            form=_source_form,
            shown=_shown,
        )
        self.scalar(
            ("identity", "one_of"),
            list(a.identity.one_of),
            list(b.identity.one_of),
            br,
            Category.IDENTITY,
            "the mappings sharing these source records changed: a record may be synced twice",
            lambda v: normal.canonical(sorted(v)),
        )
        self.scalar(
            ("identity", "unique"),
            list(a.identity.unique),
            list(b.identity.unique),
            risky,
            Category.UNIQUE,
            "fields checked for uniqueness before a run changed",
            lambda v: normal.canonical(sorted(v)),
        )
        self.scalar(
            ("behavior", "sync"),
            _setting(a.behavior),
            _setting(b.behavior),
            br,
            Category.SYNC,
            "sync behaviour changed",
        )
        self.requirements(("requires",), a.requires, b.requires, "requirement")
        self.changes += GuardComparer(self.old, self.new).run()
        self.tables()
        self.tracking()
        comparer = FieldComparer(self.old, self.new)
        self.changes += comparer.compare(a.fields, b.fields)
        self.lines()
        self.changes += residual.compare(self.old, self.new)
        return self.changes

    @staticmethod
    def requirement_form(node: model.Requirement) -> Any:
        """What a requirement means: the parent id path, the alias it is seen as and whether it
        is optional (the model has filled in the defaults)."""
        return (normal.expression(node.source.text), node.alias, node.optional)

    def requirements(
        self,
        base: JsonPath,
        olds: tuple[model.Requirement, ...],
        news: tuple[model.Requirement, ...],
        what: str,
    ) -> None:
        self.keyed(
            base,
            {" | ".join(r.mappings): r for r in olds},
            {" | ".join(r.mappings): r for r in news},
            Severity.RISKY,
            Category.REQUIRES,
            what,
            self.requirement_form,
        )

    def keyed(
        self,
        base: JsonPath,
        olds: dict[str, Keyed],
        news: dict[str, Keyed],
        severity: Severity,
        category: Category,
        what: str,
        form: Callable[[Keyed], Any],
    ) -> None:
        """Compare a list of objects matched by a key (order is not meaning)."""
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
                    ABSENT if a is None else thaw(a.written),
                    ABSENT if b is None else thaw(b.written),
                    (None if a is None else a.path, None if b is None else b.path),
                )
                continue
            if form(a) != form(b):
                paths = (a.path, b.path)
                before, after = thaw(a.written), thaw(b.written)
                self.record(severity, category, subject, f"{what} changed", before, after, paths)

    def cutover(self) -> None:
        path = ("source", "cutover")
        a, b = self.old.mapping.cutover, self.new.mapping.cutover

        def form(node: model.Cutover | None) -> Any:
            if node is None:
                return ABSENT
            return (normal.expression(node.date.text), node.setting, node.since)

        if form(a) != form(b):
            self.record(
                Severity.RISKY,
                Category.CUTOVER,
                "source.cutover",
                "cutover changed: a different set of records is selected",
                ABSENT if a is None else thaw(a.written),
                ABSENT if b is None else thaw(b.written),
                (path, path),
            )

    def users_of(self, table: str) -> str:
        """The fields (in either version) whose transforms read ``table``."""
        fields = [
            f.to
            for m in (self.old.mapping, self.new.mapping)
            for f in [*m.fields, *(m.lines.fields if m.lines else ())]
            if table in _field_tables(f)
        ]
        return ", ".join(dict.fromkeys(fields))

    def tables(self) -> None:
        olds, news = thaw(self.old.mapping.tables), thaw(self.new.mapping.tables)
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
        olds, news = self.old.mapping.tracking, self.new.mapping.tracking
        for phase in dict.fromkeys([*news, *olds]):
            a: Mapping[str, model.Source] = olds.get(phase) or {}
            b: Mapping[str, model.Source] = news.get(phase) or {}
            for name in [*b, *(n for n in a if n not in b)]:
                x, y = a.get(name), b.get(name)
                if _source_form(x) == _source_form(y):
                    continue
                verb = "added" if x is None else "removed" if y is None else "changed"
                path = ("tracking", phase, name)
                self.record(
                    Severity.RISKY,
                    Category.TRACKING,
                    f"tracking.{phase}.{name}",
                    f"tracking field {verb} (written back to the source on {phase[3:]})",
                    _shown(x),
                    _shown(y),
                    (None if x is None else path, None if y is None else path),
                )

    def lines(self) -> None:
        a, b = self.old.mapping.lines, self.new.mapping.lines
        if a is None and b is None:
            return
        if a is None or b is None:
            node = b or a
            assert node is not None
            self.record(
                Severity.INFO if b else Severity.BREAKING,
                Category.FIELD_ADDED if b else Category.FIELD_REMOVED,
                f"lines {node.to}",
                "lines added" if b else "lines removed: the sublist is no longer written",
                ABSENT if a is None else thaw(a.written),
                ABSENT if b is None else thaw(b.written),
                (("lines",) if a else None, ("lines",) if b else None),
                field=node.to,
            )
            return
        to = b.to
        if a.to != b.to:
            self.record(
                Severity.BREAKING,
                Category.RETARGET,
                f"lines {to}",
                "lines now written to another destination path",
                a.to,
                b.to,
                (("lines", "to"), ("lines", "to")),
                field=to,
            )
        if normal.expression(a.source.value) != normal.expression(b.source.value):
            self.record(
                Severity.RISKY,
                Category.SOURCE,
                f"lines {to}",
                "lines read another list",
                a.source.value,
                b.source.value,
                (("lines", "from"), ("lines", "from")),
                field=to,
            )
        ga = normal.guard_terms(a.guard.text) if a.guard else frozenset()
        gb = normal.guard_terms(b.guard.text) if b.guard else frozenset()
        if ga != gb:
            self.record(
                Severity.RISKY,
                Category.GUARD,
                f"lines {to}",
                f"line guard {normal.guard_relation(ga, gb)}",
                a.guard.text if a.guard else ABSENT,
                b.guard.text if b.guard else ABSENT,
                (("lines", "when"), ("lines", "when")),
                field=to,
            )
        self.requirements(("lines", "requires"), a.requires, b.requires, "line requirement")
        comparer = FieldComparer(self.old, self.new, prefix=f"{to}[].")
        self.changes += comparer.compare(a.fields, b.fields)
