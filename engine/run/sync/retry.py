"""The quarantine at the start of a mapping's run: what to retry first, and what it said before.

Why a unit of its own: quarantined records are not brought back by the watermark (it has moved
past them) but by this: each open entry is fetched again from the source and retried before new
changes. An entry whose record is gone, or now dated before the cutover, is released with a
note. The run also needs to know what each entry said last time (a record held again for the
same reason is nothing new) and which ones an operator dismissed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from engine.compile.plan import Plan
from engine.run.drivers.base import Driver, SourceRecord
from engine.run.drivers.paging import UNIDENTIFIED
from engine.run.state.store import StateStore
from engine.run.sync.outcomes import MappingReport

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Quarantine(msgspec.Struct):
    """One mapping's quarantine as a run starts."""

    records: list[SourceRecord]  # open entries, fetched again: retried first
    ids: set[str]  # every entry, open or dismissed
    held_before: dict[str, tuple[str, str]]  # open entries: (outcome, reason)
    dismissed: dict[str, str | None]  # dismissed entries: the record version dismissed


def load(
    plan: Plan,
    source: Driver,
    state: StateStore,
    report: MappingReport,
    dry_run: bool,
    after_cutover: Callable[[SourceRecord], bool],
) -> Quarantine:
    """Read the quarantine and fetch its open records again (releasing the ones that are gone
    or now before the cutover)."""
    entries = state.quarantined(plan.name, status=None)
    out = Quarantine(
        [],
        {entry.source_id for entry in entries},
        {e.source_id: (e.kind, e.reason) for e in entries if e.status == "open"},
        {e.source_id: (e.detail or {}).get("version") for e in entries if e.status == "dismissed"},
    )
    for entry in entries:
        if entry.status != "open":
            continue
        if entry.source_id.startswith(UNIDENTIFIED):  # cannot be fetched again by id
            report.notes.append(
                f"{entry.source_id}: a source row that came without an id stays in "
                "quarantine until dismissed (ferry quarantine dismiss)"
            )
            continue
        data = source.get(plan.source_object, entry.source_id)
        record = SourceRecord(entry.source_id, EPOCH, data or {})
        if data is None:
            note = "quarantined record no longer exists in the source; released"
        elif not after_cutover(record):
            note = "now dated before the cutover; released from quarantine"
        else:
            out.records.append(record)
            continue
        report.notes.append(f"{entry.source_id}: {note}")
        if not dry_run:
            state.release(plan.name, entry.source_id)
    return out
