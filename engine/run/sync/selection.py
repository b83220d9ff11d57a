"""Which records a mapping's run reads, retries and skips, and how far its watermark moves.

Why its own module: what a run selects is a small piece of state kept across the whole run,
apart from what is done with each record. The run starts where the watermark says
(``watermarks.py``), retries the quarantine first (``retry.py``), skips a record it already
processed in this version, a retried one read again unchanged and one an operator dismissed,
and moves the watermark only past records that are finished (``flow.py`` says when).
"""

from __future__ import annotations

from datetime import datetime

from engine.compile.plan import Plan
from engine.language.expressions import evaluate
from engine.run.drivers.base import SourceRecord
from engine.run.drivers.paging import UNIDENTIFIED
from engine.run.sync import retry, watermarks
from engine.run.sync.outcomes import MappingReport, RecordResult
from engine.run.sync.scope import Scope
from engine.run.sync.watermarks import iso, parse_time


def after_cutover(plan: Plan, record: SourceRecord) -> bool:
    """False for a record dated before ``plan``'s cutover (never synced)."""
    cutover = plan.cutover
    if cutover is None or cutover.on is None or cutover.date.parsed is None:
        return True
    value = evaluate(cutover.date.parsed, record.data)
    return value is None or str(value)[:10] >= cutover.on


class Selection:
    """The records of one mapping's run: read where, retried which, processed already which."""

    def __init__(self, scope: Scope, report: MappingReport) -> None:
        self.scope = scope
        self.report = report
        self.seen: dict[str, datetime] = {}
        self.in_quarantine: set[str] = set()
        self.held_before: dict[str, tuple[str, str]] = {}  # open quarantine: (outcome, reason)
        self.retried: set[str] = set()
        self.dismissed: dict[str, str | None] = {}
        self.watermark_held = False  # a row without an id was read: stop advancing

    def since(self) -> datetime | None:
        """Where this run reads changes from (None: from the beginning)."""
        scope = self.scope
        return watermarks.starting(
            scope.plan, scope.state, scope.run.started_at, self.report, dry_run=scope.run.dry_run
        )

    def quarantine(self) -> list[SourceRecord]:
        """The quarantined records, fetched again to be retried before anything is read."""
        scope = self.scope
        found = retry.load(
            scope.plan,
            scope.source,
            scope.state,
            self.report,
            scope.run.dry_run,
            self.after_cutover,
        )
        self.in_quarantine = found.ids
        self.held_before, self.dismissed = found.held_before, found.dismissed
        return found.records

    def retried_all(self, records: list[SourceRecord]) -> None:
        """``records`` were retried: read again in this run, they count only if changed."""
        self.retried = {r.id for r in records}

    def fresh(self, records: list[SourceRecord]) -> tuple[list[SourceRecord], set[str]]:
        """The records to process, and the ids among them already processed in this run."""
        # A record read again in the same run with a newer version (changed meanwhile, by
        # someone else or by our own write-back) is processed again if that version is older
        # than the run, and left to the next run if it is not: the stored watermark never
        # passes this run's start (``watermarks.stored``), so the next run reads it and syncs
        # what changed. Most such versions are the echoes of this run's own write-backs, read
        # at the listing's end; deciding each again held the run's end back by seconds.
        started = parse_time(self.scope.run.started_at)
        fresh = [
            r
            for r in records
            if self.seen.get(r.id) != r.updated_at
            and not (r.id in self.seen and started is not None and r.updated_at >= started)
            # retried from the quarantine at the start of this run; read again only if changed
            and not (r.id in self.retried and started is not None and r.updated_at < started)
            # dismissed by an operator: left alone until the record changes
            and not (r.id in self.dismissed and self.dismissed[r.id] == iso(r.updated_at))
        ]
        repeats = {r.id for r in fresh if r.id in self.seen}
        self.seen.update((r.id, r.updated_at) for r in fresh)
        return fresh, repeats

    def after_cutover(self, record: SourceRecord) -> bool:
        """False for a record dated before the mapping's cutover (never synced)."""
        return after_cutover(self.scope.plan, record)

    def again(self, record: SourceRecord, result: RecordResult) -> bool:
        """Whether ``result`` repeats what the quarantine said of the record before."""
        previous = self.held_before.get(record.id)
        return previous == (result.outcome, result.reason or result.outcome)

    def advance_watermark(self, records: list[SourceRecord]) -> None:
        """Up to a finished page's newest readable record, but never past a row that came
        without an id (unless dismissed): the quarantine cannot fetch it again, only a re-read
        can."""
        dated = []
        for record in records:
            if record.id.startswith(UNIDENTIFIED) and record.id not in self.dismissed:
                self.watermark_held = True
            if self.watermark_held:
                break
            if record.problem is None:
                dated.append(record.updated_at)
        scope = self.scope
        if dated and not scope.run.dry_run:
            mark = watermarks.stored(max(dated), scope.run.started_at)
            scope.state.set_watermark(scope.plan.name, mark, scope.plan.behavior)


__all__ = ["Selection", "after_cutover"]
