"""A record's outcome made durable: its failure caught, its quarantine kept, its outcome recorded.

Why its own module: however a record's decision ends (written, refused by the destination,
failed on the network, invalid), the end is handled the same way and in one transaction: a
failure becomes that record's outcome, not the run's (except an endpoint refusing everything);
an attention outcome quarantines the record with its reason and version, any other releases it
from quarantine; and the run's outcome row is written. A dry run only notes planned links.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    DriverError,
    EndpointPausedError,
    PermanentError,
    RenderError,
    SyncError,
    TransformError,
)
from engine.run.drivers.base import SourceRecord
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.parents import Crosswalk
from engine.run.sync.scope import Scope
from engine.run.sync.selection import Selection
from engine.run.sync.watermarks import iso

ATTENTION = ("held", "invalid", "rejected", "failed")


class Settlement:
    """Ends each record of one mapping's run: as an outcome, in the state file."""

    def __init__(self, scope: Scope, selection: Selection, crosswalk: Crosswalk) -> None:
        self.scope = scope
        self.selection = selection
        self.crosswalk = crosswalk

    def guarded(self, record: SourceRecord, step: Callable[[], RecordResult]) -> RecordResult:
        """One record's step; its failure becomes its outcome, not the run's (except an
        endpoint that refuses everything)."""
        result = self.scope.result
        try:
            return step()
        except RenderError as exc:
            return result(record, "invalid", reason=str(exc))
        except (AuthError, EndpointPausedError):  # the endpoint refuses all: stop the run
            raise
        except AmbiguousWriteError as exc:
            return result(record, "failed", reason=f"outcome unknown after retries: {exc}")
        except PermanentError as exc:
            reason = str(exc) + "".join(f"\n  {d}" for d in exc.details)
            return result(record, "rejected", reason=reason)
        except DriverError as exc:
            return result(record, "failed", reason=str(exc))
        except (TransformError, SyncError) as exc:  # a tracking value, an ambiguous match
            return result(record, "invalid", reason=str(exc))

    def settled(
        self,
        record: SourceRecord,
        result: RecordResult,
        also: Callable[[], None] | None = None,
    ) -> RecordResult:
        """``result`` recorded as ``record``'s outcome (and whether it repeats the last one);
        ``also`` writes what is to be committed with it (a write-back closed)."""
        result.again = self.selection.again(record, result)
        scope = self.scope
        if scope.run.dry_run:
            if result.outcome in ("created", "linked"):
                self.crosswalk.plan(scope.plan.name, record.id, result.destination_id)
            return result
        with scope.state.transaction():
            if also is not None:
                also()
            self._record(record, result)
        return result

    def _record(self, record: SourceRecord, result: RecordResult) -> None:
        state, name, run_id = self.scope.state, self.scope.plan.name, self.scope.run.id
        if result.outcome in ATTENTION:
            state.quarantine(
                name,
                record.id,
                result.outcome,
                result.reason or result.outcome,
                detail={**result.as_json(), "version": iso(record.updated_at)},
            )
        elif record.id in self.selection.in_quarantine:
            state.release(name, record.id)
        if run_id is not None:
            state.record_outcome(
                run_id, name, record.id, result.outcome, result.destination_id, result.as_json()
            )


__all__ = ["Settlement"]
