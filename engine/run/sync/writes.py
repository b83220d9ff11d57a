"""The destination writes of one mapping: intent, request, confirmation and the crosswalk link.

Why its own module: every remote write follows the same steps whatever decided it, and the
crash test depends on their order. The intent is committed, with a deterministic identity,
before the request is sent (NetSuite upserts by ``externalId``; Zuora creates carry an
``Idempotency-Key`` of the mapping, source id and body, ``keys.py``); a failure marks the
intent, a success leaves it open until the link is saved in the same transaction that closes
it. An upsert answered with an id alone waits here, unconfirmed, for its batch (``confirm.py``).
After a crash, unfinished intents are reconciled before anything is resent (``reconcile.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import msgspec

from engine.compile.runner import external_id as external_id_of
from engine.errors import AmbiguousWriteError, DriverError
from engine.run.drivers.base import SourceRecord, WriteResult
from engine.run.state.store import Link, utc_now
from engine.run.sync.keys import idempotency_key, payload_hash
from engine.run.sync.lookup import DestinationLookup
from engine.run.sync.outcomes import RecordResult
from engine.run.sync.readback import confirm_external_id, replaced_number, update_reads_back
from engine.run.sync.scope import Scope


class Unconfirmed(msgspec.Struct):
    """A create the destination accepted, not linked yet (its intent open); an upsert answered
    with the id alone waits so for its batch's read."""

    record: SourceRecord
    payload: dict[str, Any]
    written: WriteResult
    intent: int
    external_id: str | None
    result: RecordResult


class Writes:
    """Writes one mapping's records to the destination and links them in the crosswalk."""

    def __init__(
        self, scope: Scope, lookups: DestinationLookup, confirm_fields: tuple[str, ...] | None
    ) -> None:
        self.scope = scope
        self.lookups = lookups
        plan, destination = scope.plan, scope.destination
        self.number_field = destination.capabilities.number_fields.get(plan.destination_object)
        # creates written with one request, confirmed in batches (confirm.py); None: read back
        self.confirm_fields = confirm_fields
        self.update_read_back = update_reads_back(plan, destination)  # else one request
        self.unconfirmed: dict[int, Unconfirmed] = {}  # id(result) -> the write to confirm
        self.unconfirmed_lock = threading.Lock()
        self.sending = 0  # destination writes in flight (``flow.py`` confirms when none is)

    def external_id(self, record: SourceRecord) -> str | None:
        return external_id_of(self.scope.plan, record.data)

    def create(
        self, record: SourceRecord, payload: dict[str, Any], lookup: dict[str, Any]
    ) -> tuple[Unconfirmed, bool]:
        """Send a create (an upsert by external id where the destination has them): the write,
        its intent still open, and True when it waits for its batch's confirmation."""
        external = self.external_id(record)
        upsert = bool(external) and self.scope.destination.capabilities.upsert_external_id
        operation = "upsert" if upsert else "create"
        written, intent = self.write(
            operation, record, payload, external_id=external, lookup=lookup
        )
        result = self.scope.result(record, "created", destination_id=written.id)
        sent = Unconfirmed(record, payload, written, intent, external, result)
        if operation == "upsert" and written.record is None and self.confirm_fields is not None:
            # one request so far: linked once its batch confirms it (``confirm_batch``)
            with self.unconfirmed_lock:
                self.unconfirmed[id(result)] = sent
            return sent, True
        return sent, False

    def check_number(self, payload: Mapping[str, Any], written: WriteResult) -> list[str]:
        """A warning when the destination replaced the number sent (``readback.py``)."""
        return replaced_number(self.number_field, payload, written)

    def write(
        self,
        operation: str,
        record: SourceRecord,
        payload: dict[str, Any],
        *,
        dest_id: str | None = None,
        external_id: str | None = None,
        lookup: dict[str, Any] | None = None,
    ) -> tuple[WriteResult, int]:
        """Record the intent (committed before the call) and send the write. A failure marks
        the intent; a success leaves it open for ``settle_write`` to close with the link."""
        scope = self.scope
        assert scope.run.id is not None
        key = idempotency_key(scope.plan.name, record.id, operation, payload)
        intent = scope.state.begin_intent(
            scope.run.id,
            scope.plan.name,
            record.id,
            operation,
            key,
            external_id,
            payload,
            lookup,
        )
        obj, destination = scope.plan.destination_object, scope.destination
        with self.unconfirmed_lock:
            self.sending += 1
        try:
            if operation == "upsert":
                quick = self.confirm_fields is not None  # confirmed in batches instead
                result = destination.upsert(obj, str(external_id), payload, read_back=not quick)
                confirm_external_id(result, external_id, obj, endpoint=destination.name)
            elif operation == "create":
                result = destination.create(obj, payload, idempotency_key=key)
            elif self.update_read_back:
                result = destination.update(obj, str(dest_id), payload)
            else:
                result = destination.update(obj, str(dest_id), payload, read_back=False)
        except AmbiguousWriteError:
            found = self.lookups.find(lookup or {}) if operation != "update" else None
            if found is None:
                scope.state.finish_intent(intent, "unknown")
                raise
            result = WriteResult(str(found.get("id")), True, dict(found))
        except DriverError as exc:
            scope.state.finish_intent(intent, "failed", {"error": str(exc)})
            raise
        finally:
            with self.unconfirmed_lock:
                self.sending -= 1
        return result, intent

    def settle_write(self, intent: int, result: WriteResult, *link: Any, **kw: Any) -> None:
        """Close a successful write's intent and save the link, in one transaction."""
        state = self.scope.state
        with state.transaction():
            state.finish_intent(intent, "done", {"id": result.id})
            self.save_link(*link, **kw)

    def save_link(
        self,
        record: SourceRecord,
        dest_id: str,
        payload: dict[str, Any],
        readback: Mapping[str, Any] | None,
        external_id: str | None = None,
        tracked: str | None = None,
    ) -> None:
        """The crosswalk entry: which destination record this source record is, what was last
        written to it, and what the destination assigned."""
        plan = self.scope.plan
        assigned = None
        if readback and plan.destination_assigned:
            assigned = {f: readback.get(f) for f in plan.destination_assigned}
        self.scope.state.save_link(
            Link(
                plan.name,
                record.id,
                plan.source_endpoint,
                plan.destination_endpoint,
                dest_id,
                external_id,
                payload_hash(payload),
                payload,
                assigned,
                None,
                tracked,
                utc_now(),
                plan.name,
                plan.version,
            )
        )


__all__ = ["Unconfirmed", "Writes"]
