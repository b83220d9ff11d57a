"""What a change does to data: fixture records rendered under both versions, side by side.

Why: a reviewer can judge "transforms changed" only by imagining records; this shows them — per
record, the payload fields whose value changes (before -> after) and the records that start or
stop being skipped by a guard or failing — for creates and for updates, since ``write:`` and
guards on ``destination`` only show on updates. Rendering goes through
``engine.compile.preview``, the
same offline rendering as ``ferry render`` and the pytest plugin, so what is shown here is what
those show.

Which records belong to which mapping is a naming convention, because records carry no type:
``<endpoint>-<object>`` (plural allowed, case, ``-`` and ``_`` ignored), so
``zuora-accounts.yaml`` feeds mappings whose source is Zuora ``account``, and the mapping's
destination file (``netsuite-customers.yaml``) gives the current records updates are paired
with through ``identity.match``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from engine.check.settings import Settings, default_settings, load_settings
from engine.compile.compiler import compile_document
from engine.compile.plan import Mode, Plan
from engine.compile.preview import render_records
from engine.diff import normal
from engine.diff.loading import Entry
from engine.diff.model import ABSENT, FieldDelta, FixtureImpact, RecordChangeKind, RecordImpact
from engine.errors import UsageError
from engine.load.records import read_records
from engine.transforms import InMemorySequenceStore

RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson")
_LOCATION = re.compile(r"^\S+:\d+:\d+, ")
_GUARDED = frozenset({"skip", "hold"})  # a guard stopped the record (``on_fail``)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _slug(text: str) -> str:
    """A name as a file name part: ``product_rate_plan`` and ``productRatePlan`` both read
    ``product-rate-plan``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-")


class Fixtures:
    """The fixture folder, read once per diff: every mapping pair asks for the same record
    files and settings files, and parsing YAML is the slow part."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such fixtures folder")
        self.folder = folder
        self.all = sorted(
            p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES
        )
        self._records: dict[Path, list[dict[str, Any]]] = {}
        self._settings: dict[Path, Settings] = {}

    def files(self, endpoint: str, obj: str) -> list[Path]:
        """The record files named for ``endpoint`` + ``obj`` (plural allowed)."""
        want = _norm(endpoint + obj)
        return [p for p in self.all if _norm(p.stem) in (want, want + "s", want + "es")]

    def records(self, files: Sequence[Path]) -> list[dict[str, Any]]:
        for path in files:
            if path not in self._records:
                self._records[path] = list(read_records(path))
        return [record for path in files for record in self._records[path]]

    def settings(self, path: Path) -> Settings:
        key = path.resolve()
        if key not in self._settings:
            self._settings[key] = load_settings(path)
        return self._settings[key]

    def settings_for(self, entry: Entry, other: Entry) -> tuple[Settings, str | None]:
        """The side's own settings file; else the other version's (difftool's temporary copy
        has none beside it), said in a note; else every setting at its default."""
        for candidate in (entry, other):
            ref = candidate.doc.mapping.settings_file
            if ref is not None and (candidate.doc.path.parent / ref).is_file():
                settings = self.settings(candidate.doc.path.parent / ref)
                if candidate is entry:
                    return settings, None
                return settings, (
                    f"{entry.doc.source.file}: settings file '{ref}' not found beside it; "
                    "rendered with the other version's settings"
                )
        if entry.doc.mapping.settings_file is not None:
            return default_settings(), (
                f"{entry.doc.source.file}: settings file not found; rendered with default settings"
            )
        return default_settings(), None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A payload as ``dotted.path[index]`` -> value (lists of objects are opened)."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out |= flatten(sub, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for index, sub in enumerate(value):
            out |= flatten(sub, f"{prefix}[{index}]")
        return out
    return {prefix: value}


def _deltas(a: dict[str, Any], b: dict[str, Any]) -> tuple[FieldDelta, ...]:
    x, y = flatten(a), flatten(b)
    out = []
    for path in [*y, *(p for p in x if p not in y)]:
        before, after = x.get(path, ABSENT), y.get(path, ABSENT)
        if (
            before is ABSENT
            or after is ABSENT
            or normal.canonical(before) != normal.canonical(after)
        ):
            out.append(FieldDelta(path, before, after))
    return tuple(out)


def _why(result: dict[str, Any]) -> str:
    if result["action"] in _GUARDED:
        verb = "skipped" if result["action"] == "skip" else "held"
        return f"{verb} by guard {result.get('guard')}: {result.get('reason')}"
    if result["action"] == "error":
        return str(result.get("error"))
    return "rendered" if result["action"] == "render" else str(result["action"])


def compare_result(a: dict[str, Any], b: dict[str, Any]) -> RecordImpact | None:
    """How one record's result changed between the versions (None: it did not)."""
    key, actions = b.get("key"), (a["action"], b["action"])
    if actions == ("render", "render"):
        deltas = _deltas(a["payload"], b["payload"])
        return RecordImpact(key, (), "payload", deltas) if deltas else None
    if actions == ("error", "error"):
        same = _LOCATION.sub("", a["error"]) == _LOCATION.sub("", b["error"])
        return None if same else RecordImpact(key, (), "action", (), _why(a), _why(b))
    if a["action"] == b["action"] and a["action"] in _GUARDED:
        same = a.get("guard") == b.get("guard") and a.get("reason") == b.get("reason")
        return None if same else RecordImpact(key, (), "action", (), _why(a), _why(b))
    kind: RecordChangeKind = "action"
    if b["action"] == "error":
        kind = "now-fails"
    elif a["action"] == "error":
        kind = "no-longer-fails"
    elif b["action"] in _GUARDED and a["action"] not in _GUARDED:
        kind = "now-skipped"
    elif a["action"] in _GUARDED and b["action"] not in _GUARDED:
        kind = "no-longer-skipped"
    return RecordImpact(key, (), kind, (), _why(a), _why(b))


def _paired(
    a: list[dict[str, Any]], b: list[dict[str, Any]], same_records: bool
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    if same_records:
        yield from zip(a, b, strict=True)
        return
    olds = {r.get("key"): r for r in a}
    for result in b:
        if result.get("key") in olds:
            yield olds[result.get("key")], result


class _Version:
    """One version of a mapping, compiled and given its records."""

    def __init__(self, entry: Entry, other: Entry, fixtures: Fixtures) -> None:
        self.entry = entry
        model = entry.doc.mapping
        self.source = (model.source.endpoint, model.source.object)
        self.settings, self.note = fixtures.settings_for(entry, other)
        self.files = fixtures.files(*self.source)
        dest = model.destination
        self.dest_files = fixtures.files(dest.endpoint, dest.object)
        self.records = fixtures.records(self.files)
        self.destinations = fixtures.records(self.dest_files)

    @functools.cached_property
    def plan(self) -> Plan:
        # each version numbers the fixtures from the sequence's start, so they compare alike
        return compile_document(self.entry.doc, self.settings, sequences=InMemorySequenceStore())

    def results(self, mode: Mode) -> list[dict[str, Any]]:
        return render_records(self.plan, self.records, mode, destinations=self.destinations)


def _merge_modes(
    per_mode: dict[str, list[RecordImpact]], keys: Sequence[str | None]
) -> tuple[RecordImpact, ...]:
    """One impact per record and kind of change, in record order: a payload field that changes
    the same way on create and update is listed once, with both modes."""
    merged: dict[tuple[Any, ...], RecordImpact] = {}
    fields: dict[tuple[Any, ...], dict[tuple[str, str, str], FieldDelta]] = {}
    for mode, impacts in per_mode.items():
        for impact in impacts:
            key = (impact.key, impact.kind, impact.before, impact.after)
            found = merged.get(key)
            merged[key] = replace(impact, modes=(*found.modes, mode) if found else (mode,))
            table = fields.setdefault(key, {})
            for d in impact.fields:
                same = (d.path, normal.canonical(d.before), normal.canonical(d.after))
                seen = table.get(same)
                table[same] = replace(d, modes=(*seen.modes, mode) if seen else (mode,))
    order = {key: index for index, key in reversed(list(enumerate(keys)))}
    out = [replace(impact, fields=tuple(fields[key].values())) for key, impact in merged.items()]
    return tuple(sorted(out, key=lambda i: order.get(i.key, len(order))))


def _same_inputs(a: _Version, b: _Version) -> bool:
    """Identical specs (by their models), settings and records render identically: nothing
    to show."""
    return (
        a.entry.doc.model == b.entry.doc.model
        and dict(a.settings.values) == dict(b.settings.values)
        and dict(a.settings.numbering) == dict(b.settings.numbering)
        and a.files == b.files
        and a.dest_files == b.dest_files
    )


def impact(old: Entry, new: Entry, fixtures: Fixtures) -> FixtureImpact | None:
    """Render the fixture records of one mapping under both versions and compare them; None
    when neither the spec nor its settings changed."""
    a, b = _Version(old, new, fixtures), _Version(new, old, fixtures)
    if _same_inputs(a, b):
        return None
    notes = [n for n in (a.note, b.note) if n]
    name = new.doc.name
    lacking = [v for v in (a, b) if not v.files]
    for version in {v.source: v for v in lacking}.values():
        endpoint, obj = version.source
        hint = f"{_slug(endpoint)}-{_slug(obj)}s.yaml"
        notes.append(
            f"no fixture records for {endpoint} {obj} in {fixtures.folder} "
            f"(a file named like {hint})"
        )
    if lacking:
        return FixtureImpact(name, None, None, 0, (), tuple(notes))
    if a.plan.enabled != b.plan.enabled:
        state = "enabled" if b.plan.enabled else "disabled"
        notes.append(f"the mapping is {state} under the new version's settings")
    same = a.files == b.files
    per_mode: dict[str, list[RecordImpact]] = {}
    keys: list[str | None] = []
    for mode in ("create", "update"):
        results = b.results(mode)
        keys = keys or [r.get("key") for r in results]
        pairs = _paired(a.results(mode), results, same)
        per_mode[mode] = [i for x, y in pairs if (i := compare_result(x, y)) is not None]
    shown = ", ".join(str(f) for f in b.files or a.files)
    dests = ", ".join(str(f) for f in b.dest_files or a.dest_files) or None
    if not same:
        notes.append("the source changed: records are paired by key")
    return FixtureImpact(
        name, shown, dests, len(b.records), _merge_modes(per_mode, keys), tuple(notes)
    )


def fixture_impacts(
    pairs: Sequence[tuple[Entry, Entry]], folder: Path
) -> tuple[FixtureImpact, ...]:
    """The impact on every Mapping present in both versions whose spec or settings changed."""
    fixtures = Fixtures(folder)
    found = (impact(old, new, fixtures) for old, new in pairs if new.doc.kind == "Mapping")
    return tuple(f for f in found if f is not None)
