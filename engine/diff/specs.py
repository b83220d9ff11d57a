"""Match the specs of two versions by kind and ``metadata.name``, compare each pair, and check
that ``metadata.version`` was bumped.

Why by name: the name is a spec's identity across versions (the schema says so); a file may be
moved, split or renamed without any change in meaning, and a renamed spec is a different spec —
reported as removed and added, with a hint when it still lives in the same file.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.check.specfile import Document
from engine.diff import comments
from engine.diff.loading import Entry, Side
from engine.diff.mapping import MappingComparer
from engine.diff.model import ABSENT, Category, Change, Severity, SpecDiff, VersionProblem
from engine.diff.settings_changes import compare_generic, compare_settings

Comparer = Callable[[Document, Document], list[Change]]

COMPARERS: dict[str, Comparer] = {
    "Mapping": lambda old, new: MappingComparer(old, new).run(),
    "Settings": compare_settings,
}


def _version(doc: Document) -> int | None:
    return doc.model.version if doc.model is not None else None


def _count(changes: list[Change]) -> str:
    parts = []
    for severity in (Severity.BREAKING, Severity.RISKY, Severity.INFO):
        n = sum(c.severity is severity for c in changes)
        if n:
            parts.append(f"{n} {severity.value}")
    return ", ".join(parts)


def version_problem(old: Document, new: Document, changes: list[Change]) -> VersionProblem | None:
    """Say so when the meaning changed and ``metadata.version`` did not go up (or went down).

    Descriptions, comments and unused defaults are not meaning: they need no bump."""
    a, b = _version(old), _version(new)
    if a is None or b is None:
        return None
    where = new.source.locate(("metadata", "version"))
    if b < a:
        return VersionProblem(f"{new.name}: metadata.version went down from {a} to {b}", where)
    meaningful = [c for c in changes if not c.cosmetic]
    if meaningful and b == a:
        return VersionProblem(
            f"{new.name} changed in meaning ({_count(meaningful)}) but metadata.version is "
            f"still {a}; set it to {a + 1}",
            where,
        )
    return None


def _ordered(changes: list[Change]) -> tuple[Change, ...]:
    """Worst first, then in the order of the new file (the old one for removals)."""

    def key(change: Change) -> tuple[int, int, int]:
        where = change.new or change.old
        return (-change.severity.rank, where.line if where else 0, where.column if where else 0)

    return tuple(sorted(changes, key=key))


def compare_pair(old: Entry, new: Entry) -> SpecDiff:
    """What changed between two versions of the same spec."""
    compare = COMPARERS.get(new.doc.kind, compare_generic)
    changes = compare(old.doc, new.doc) + comments.compare(old.doc, old.text, new.doc, new.text)
    return SpecDiff(
        new.doc.kind,
        new.doc.name,
        "changed" if changes else "unchanged",
        old.doc.source.file,
        new.doc.source.file,
        _version(old.doc),
        _version(new.doc),
        _ordered(changes),
        version_problem(old.doc, new.doc, changes),
    )


def _lone(entry: Entry, status: str, renamed: Entry | None) -> SpecDiff:
    doc = entry.doc
    root = doc.source.locate(())
    if status == "added":
        change = Change(
            Severity.INFO,
            Category.SPEC_ADDED,
            f"{doc.kind} {doc.name}",
            "new spec",
            ABSENT,
            doc.name,
            None,
            root,
        )
        return SpecDiff(
            doc.kind, doc.name, "added", None, doc.source.file, None, _version(doc), (change,)
        )
    hint = ""
    if renamed is not None:
        hint = (
            f" (its file now holds '{renamed.doc.name}': specs are matched by "
            "metadata.name, so a rename is a removal and an addition)"
        )
    summary = "spec removed: its records stop syncing" if doc.kind == "Mapping" else "spec removed"
    change = Change(
        Severity.BREAKING,
        Category.SPEC_REMOVED,
        f"{doc.kind} {doc.name}",
        summary + hint,
        doc.name,
        ABSENT,
        root,
        None,
    )
    return SpecDiff(
        doc.kind, doc.name, "removed", doc.source.file, None, _version(doc), None, (change,)
    )


def compare_sides(old: Side, new: Side) -> tuple[SpecDiff, ...]:
    """Every spec of either side: changed, unchanged, added or removed."""
    olds = {(e.doc.kind, e.doc.name): e for e in old.entries}
    news = {(e.doc.kind, e.doc.name): e for e in new.entries}
    out = []
    for key, entry in news.items():
        out.append(compare_pair(olds[key], entry) if key in olds else _lone(entry, "added", None))
    for key, entry in olds.items():
        if key not in news:
            same_file = [
                e
                for k, e in news.items()
                if k not in olds and k[0] == key[0] and e.rel == entry.rel
            ]
            out.append(_lone(entry, "removed", same_file[0] if same_file else None))
    return tuple(out)
