"""What a diff reports: changes with a severity, per spec, and the payload impact on fixtures.

Why separate from the comparison: the three renderers (text, markdown, json), the CLI's exit
code and the tests all read these frozen values and nothing else, so a change found once is
shown, counted and judged the same way everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import msgspec

from engine.check.specfile import Document
from engine.errors import Location
from engine.load.source import JsonPath


class Severity(StrEnum):
    """How much a reviewer should worry; ``rank`` orders them (``--fail-on`` compares ranks)."""

    INFO = "info"
    RISKY = "risky"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 1, Severity.RISKY: 2, Severity.BREAKING: 3}


class Category(StrEnum):
    """What kind of meaning changed. ``CATEGORY_HELP`` says what each one covers."""

    # breaking
    IDENTITY = "identity"
    MASTER = "master"
    SYNC = "sync"
    NUMBER_MAPPING = "number-mapping"
    FIELD_REMOVED = "field-removed"
    RETARGET = "retarget"
    SETTING = "setting"
    SPEC_REMOVED = "spec-removed"
    # risky
    GUARD = "guard"
    TRANSFORM = "transform"
    SOURCE = "source"
    DEFAULT = "default"
    WRITE = "write"
    TABLE = "table"
    CUTOVER = "cutover"
    REQUIRES = "requires"
    TRACKING = "tracking"
    ORDER = "order"
    SETTINGS_FILE = "settings-file"
    NUMBERING = "numbering"
    CONNECTIONS = "connections"
    UNIQUE = "unique"
    UNRECOGNISED = "unrecognised"
    # info
    DESCRIPTION = "description"
    COMMENT = "comment"
    FIELD_ADDED = "field-added"
    SPEC_ADDED = "spec-added"


CATEGORY_HELP: dict[Category, str] = {
    Category.IDENTITY: "external id or natural-key match changed: records may be written twice",
    Category.MASTER: "whether the mapping runs (the customer account master) changed",
    Category.SYNC: "sync behaviour (new_only / new_and_modified) changed",
    Category.NUMBER_MAPPING: "how a record number (Customer ID, tranId, Item ID) is made changed",
    Category.FIELD_REMOVED: "a destination field is no longer written",
    Category.RETARGET: "a source or destination object (or a lines sublist) changed",
    Category.SETTING: "a connector setting changed (breaking when it alters existing records)",
    Category.SPEC_REMOVED: "a spec is gone: its records stop syncing",
    Category.GUARD: "a record, field or line guard was loosened, tightened or changed",
    Category.TRANSFORM: "a field's transforms changed or were reordered",
    Category.SOURCE: "where a field's value comes from changed (path, template, constant)",
    Category.DEFAULT: "a default value or the missing-value policy changed",
    Category.WRITE: "when a field is written (create only, update, always) changed",
    Category.TABLE: "a value table used by map/lookup transforms changed",
    Category.CUTOVER: "the cutover that selects records changed",
    Category.REQUIRES: "a parent record requirement changed",
    Category.TRACKING: "tracking fields written back to the source changed",
    Category.ORDER: "the dependency order changed",
    Category.SETTINGS_FILE: "the mapping reads a different Settings file",
    Category.NUMBERING: "the destination's auto-numbering, as declared, changed",
    Category.CONNECTIONS: "an endpoint definition changed",
    Category.UNIQUE: "the destination fields checked for uniqueness before a run changed",
    Category.UNRECOGNISED: "a key this version of the diff has no rule for changed: read it",
    Category.DESCRIPTION: "a description, guard name or skip reason changed (for people only)",
    Category.COMMENT: "a YAML comment changed (for people only)",
    Category.FIELD_ADDED: "a new destination field (risky when records without it now fail)",
    Category.SPEC_ADDED: "a new spec",
}


class _Absent:
    """The value of a side that does not exist (a field added or removed): not ``None``,
    because a spec may well say ``value: null``."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Change(msgspec.Struct, frozen=True):
    """One change in meaning: what, how bad, before and after, and where in both versions.

    ``cosmetic`` changes (descriptions, comments, an unused default) do not need a version bump.
    """

    severity: Severity
    category: Category
    subject: str
    summary: str
    before: Any = ABSENT
    after: Any = ABSENT
    old: Location | None = None
    new: Location | None = None
    field: str | None = None
    cosmetic: bool = False


class VersionProblem(msgspec.Struct, frozen=True):
    """``metadata.version`` was not bumped although the meaning changed (or it went down)."""

    message: str
    location: Location | None


SpecStatus = Literal["changed", "unchanged", "added", "removed"]


class SpecDiff(msgspec.Struct, frozen=True):
    """One spec (matched by kind and ``metadata.name``) and what changed in it."""

    kind: str
    name: str
    status: SpecStatus
    old_file: str | None
    new_file: str | None
    old_version: int | None
    new_version: int | None
    changes: tuple[Change, ...] = ()
    version_problem: VersionProblem | None = None


class FieldDelta(msgspec.Struct, frozen=True):
    """One payload field whose rendered value differs (``ABSENT`` when not sent), and in which
    modes (``create``, ``update``) it does."""

    path: str
    before: Any
    after: Any
    modes: tuple[str, ...] = ()


RecordChangeKind = Literal[
    "payload", "now-skipped", "no-longer-skipped", "now-fails", "no-longer-fails", "action"
]


class RecordImpact(msgspec.Struct, frozen=True):
    """How one fixture record's result differs between the versions, in one or both modes."""

    key: str | None
    modes: tuple[str, ...]
    kind: RecordChangeKind
    fields: tuple[FieldDelta, ...] = ()
    before: str = ""
    after: str = ""


class FixtureImpact(msgspec.Struct, frozen=True):
    """A mapping's fixture records rendered under both versions."""

    spec: str
    records_file: str | None
    destinations_file: str | None
    records: int
    impacts: tuple[RecordImpact, ...] = ()
    notes: tuple[str, ...] = ()


class Report(msgspec.Struct, frozen=True):
    """The whole diff of two versions of a set of specs."""

    old_label: str
    new_label: str
    specs: tuple[SpecDiff, ...]
    fixtures: tuple[FixtureImpact, ...] | None = None
    fixtures_dir: str | None = None

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for s in self.specs for c in s.changes)

    @property
    def version_problems(self) -> tuple[VersionProblem, ...]:
        return tuple(s.version_problem for s in self.specs if s.version_problem is not None)

    def counts(self) -> dict[Severity, int]:
        """How many changes of each severity (every severity present, worst first)."""
        out = {s: 0 for s in sorted(Severity, key=lambda s: -s.rank)}
        for change in self.changes:
            out[change.severity] += 1
        return out

    def worst(self) -> Severity | None:
        ranked = sorted(self.changes, key=lambda c: -c.severity.rank)
        return ranked[0].severity if ranked else None

    def fails(self, threshold: Severity | None, *, check_version: bool = False) -> bool:
        """True when the CLI must exit non-zero: a change at or above ``threshold``, or a version
        problem (under ``--fail-on`` of any level, or ``--check-version``)."""
        if self.version_problems and (threshold is not None or check_version):
            return True
        worst = self.worst()
        return threshold is not None and worst is not None and worst.rank >= threshold.rank


class Comparer:
    """What every comparer of two documents shares: both versions, and the changes found,
    each located in both files (``paths`` are JSON paths in the old and the new document)."""

    def __init__(self, old: Document, new: Document) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def record(
        self,
        severity: Severity,
        category: Category,
        subject: str,
        summary: str,
        before: Any,
        after: Any,
        paths: tuple[JsonPath | None, JsonPath | None],
        *,
        field: str | None = None,
        cosmetic: bool = False,
    ) -> None:
        old_path, new_path = paths
        self.changes.append(
            Change(
                severity,
                category,
                subject,
                summary,
                before,
                after,
                None if old_path is None else self.old.source.locate(old_path),
                None if new_path is None else self.new.source.locate(new_path),
                field=field,
                cosmetic=cosmetic,
            )
        )
