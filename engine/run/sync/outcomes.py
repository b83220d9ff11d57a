"""What a run did: per-record outcomes, per-mapping counts, the run report and its exit code.

One vocabulary for the summary table, the JSON report, the state's run records and the exit
code, so the same words mean the same thing everywhere.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import msgspec

from engine.exitcodes import EXIT_FAILED, EXIT_INVALID, EXIT_OK

OUTCOMES = (
    "created",
    "updated",
    "linked",
    "unchanged",
    "skipped",
    "held",
    "invalid",
    "rejected",
    "failed",
)
"""created/updated/linked: written; unchanged: nothing to write; skipped: a guard said no;
held: a parent record is not synced yet; invalid: the spec could not render it; rejected: the
destination refused it; failed: the endpoint kept failing (retried next run)."""

QUARANTINED = frozenset({"held", "invalid", "rejected", "failed"})
PROBLEMS = frozenset({"invalid", "rejected", "failed"})


class RecordResult(msgspec.Struct):
    """One record's outcome in a run."""

    mapping: str
    source_id: str
    outcome: str
    destination_id: str | None = None
    reason: str | None = None
    changes: dict[str, Any] = msgspec.field(default_factory=dict)
    warnings: list[str] = msgspec.field(default_factory=list)
    # a dry run's create: the payload the sync would send
    payload: dict[str, Any] | None = None
    # held back before with this same outcome and reason: nothing new for anyone to look at
    again: bool = False

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mapping": self.mapping,
            "source_id": self.source_id,
            "outcome": self.outcome,
        }
        for key in ("destination_id", "reason"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.changes:
            out["changes"] = self.changes
        if self.warnings:
            out["warnings"] = self.warnings
        if self.payload is not None:
            out["payload"] = self.payload
        if self.again:
            out["again"] = True
        return out


class MappingReport(msgspec.Struct):
    """Counts for one mapping; thread-safe, because workers report concurrently."""

    name: str
    counts: Counter[str] = msgspec.field(default_factory=Counter)
    warnings: list[str] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    _lock: threading.Lock = msgspec.field(default_factory=threading.Lock)

    def add(self, result: RecordResult) -> None:
        with self._lock:
            self.counts[result.outcome] += 1
            if result.outcome in QUARANTINED:
                self.counts["quarantined"] += 1
            self.warnings += [f"{result.source_id}: {w}" for w in result.warnings]

    def row(self) -> dict[str, int]:
        return {name: self.counts.get(name, 0) for name in (*OUTCOMES, "quarantined")}


class RunReport(msgspec.Struct):
    """The whole run: status, per-mapping counts, totals and the records that need attention."""

    run_id: int | None
    mode: str
    status: str = "running"
    error: str | None = None
    mappings: list[MappingReport] = msgspec.field(default_factory=list)
    attention: list[RecordResult] = msgspec.field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""
    # identity definitions changed since the crosswalk was written (``identity.py``; plans)
    identity_changes: list[dict[str, Any]] = msgspec.field(default_factory=list)

    def totals(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for report in self.mappings:
            total.update(report.row())
        return {name: total.get(name, 0) for name in (*OUTCOMES, "quarantined")}

    def writes(self) -> int:
        totals = self.totals()
        return totals["created"] + totals["updated"] + totals["linked"]

    def exit_code(self) -> int:
        if self.status == "failed":
            return EXIT_FAILED
        totals = self.totals()
        return EXIT_INVALID if any(totals[name] for name in PROBLEMS) else EXIT_OK

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "mode": self.mode,
            "status": self.status,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "totals": self.totals(),
            "mappings": [
                {"name": m.name, "counts": m.row(), "warnings": m.warnings, "notes": m.notes}
                for m in self.mappings
            ],
            "attention": [r.as_json() for r in self.attention],
            "exit_code": self.exit_code(),
            **({"identity_changes": self.identity_changes} if self.identity_changes else {}),
        }
