"""A record's payload for a create or an update, as the decision steps need it.

Why its own module: every decision (first sync, link, update) renders the same way. The record
guards may skip or hold the record instead; a create's payload is checked against the
destination's field lengths before anything is sent (``lengths.py``); and a create payload
that will not be sent gives back the sequence numbers it took, so engine-side numbering has no
gaps for records that were linked or refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compile.plan import Context
from engine.compile.runner import external_id, offline_context
from engine.errors import RenderError
from engine.run.drivers.base import SourceRecord
from engine.run.sync.lengths import check_lengths
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.scope import Scope


class Payloads:
    """Renders one mapping's records under the run's context."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def context(
        self,
        parents: Mapping[str, Any],
        line_parents: tuple[Mapping[str, Any], ...] | None,
        destination: Mapping[str, Any] | None = None,
    ) -> Context:
        return Context(
            destination=destination,
            run=self.scope.run.as_context(),
            parents=parents,
            line_parents=line_parents,
        )

    def evaluate(
        self, record: SourceRecord, mode: str, ctx: Context
    ) -> dict[str, Any] | tuple[str, str]:
        """The payload, or (outcome, reason) when a record guard skips or holds the record."""
        plan = self.scope.plan
        outcome = plan.evaluate(record.data, mode=mode, context=ctx)  # type: ignore[arg-type]
        if outcome.action != "render":
            verdict = "held" if outcome.action == "hold" else "skipped"
            return verdict, f"guard '{outcome.guard}': {outcome.reason}"
        payload = outcome.payload or {}
        external = external_id(plan, record.data) if mode == "create" else None
        obj = plan.destination_object
        check_lengths(
            self.scope.destination, obj, record.id, payload, external, self.numbers_unused
        )
        return payload

    def refused_by_guard(self, record: SourceRecord) -> RecordResult | None:
        """A record whose own guards skip or hold it is reported for that reason, not as
        waiting for parents (an account that never syncs would otherwise hold it forever)."""
        plan = self.scope.plan
        ctx = offline_context(plan, record.data)
        try:
            outcome = plan.evaluate(record.data, context=ctx)
        except RenderError:
            return None
        self.numbers_unused()  # only the guards' verdict was wanted
        if outcome.action == "render":
            return None
        verdict = "held" if outcome.action == "hold" else "skipped"
        return self.scope.result(
            record, verdict, reason=f"guard '{outcome.guard}': {outcome.reason}"
        )

    def numbers_unused(self) -> None:
        """The create payload just rendered will not be sent: give back the sequence numbers it
        took, so engine-side numbering has no gaps for records that were linked or refused."""
        if self.scope.plan.sequences is not None:
            self.scope.plan.sequences.give_back_record()


__all__ = ["Payloads"]
