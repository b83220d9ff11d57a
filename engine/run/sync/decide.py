"""The per-record decision: invalid, held, skipped, or on to a first sync or an update.

Why its own module: before a record is rendered, it is checked in a fixed order. A row the
driver could not read, or whose unique values clash (``unique.py``), is *invalid*. Parents
(``requires:``) must already be synced, or the record is *held* (quarantined and retried on
later runs, never dropped), unless its own guards skip or hold it anyway. A record another
mapping of its ``one_of`` group synced is *skipped*. Then the crosswalk decides: linked before
means an update (``update.py``), never synced means a first sync (``first_sync.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.run.drivers.base import SourceRecord
from engine.run.sync.first_sync import FirstSync
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.parents import Crosswalk, find_parents
from engine.run.sync.payloads import Payloads
from engine.run.sync.scope import Scope
from engine.run.sync.selection import Selection
from engine.run.sync.update import Update


class Decide:
    """Decides, and carries out, what one mapping's run does with each record."""

    def __init__(
        self,
        scope: Scope,
        selection: Selection,
        crosswalk: Crosswalk,
        refusals: Mapping[str, str],
        payloads: Payloads,
        first: FirstSync,
        update: Update,
    ) -> None:
        self.scope = scope
        self.selection = selection
        self.crosswalk = crosswalk
        self.refusals = refusals  # source id -> why it may not be written (unique.py)
        self.payloads = payloads
        self.first = first
        self.update = update

    def process(self, record: SourceRecord) -> RecordResult:
        scope = self.scope
        plan = scope.plan
        if record.problem is not None:  # the driver could not read the row
            return scope.result(record, "invalid", reason=record.problem)
        refusal = self.refusals.get(record.id)
        if refusal is not None:
            return scope.result(record, "invalid", reason=refusal)
        parents, line_parents, missing = find_parents(self.crosswalk, plan, record.data)
        if missing:
            refused = self.payloads.refused_by_guard(record)
            if refused is not None:
                return refused
            return scope.result(
                record, "held", reason="waiting for parent record(s) to sync: " + ", ".join(missing)
            )
        link = scope.state.link(plan.name, record.id)
        if link is not None and link.destination_id is not None:
            quarantined = record.id in self.selection.in_quarantine
            return self.update.sync(record, link, parents, line_parents, quarantined)
        others = tuple(m for m in plan.one_of if m != plan.name)
        owner = self.crosswalk.find(plan, others, record.id)
        if owner is not None:
            return scope.result(
                record,
                "skipped",
                destination_id=owner[0],
                reason=f"already synced by {owner[1]}, which keeps it",
            )
        return self.first.sync(record, parents, line_parents)


__all__ = ["Decide"]
