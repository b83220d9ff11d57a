"""What a write's read-back must confirm before the record is linked to it.

Why: a NetSuite upsert (``PUT .../eid:X``) answers ``204`` with only a ``Location``, and the
runtime learns the internal id from that header. A ``Location`` naming another record would link
the source record to that record for good, and later updates would overwrite it. The record
read back from that id must carry the external id that was sent; otherwise the write is refused
and nothing is linked.

One place for every read-back path: the per-record GET after a write, and the batched SuiteQL
rows (``confirm.py``); each calls ``confirm_external_id`` with what it read.

What is read back at all is what the spec needs (a read is a request against the concurrency
limit): an update reads its record back only when the ``on_update`` tracking templates read
``destination`` fields (``update_reads_back``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compile.plan import Plan
from engine.errors import ConflictError
from engine.language.templates import attributes_read
from engine.run.drivers.base import Driver, WriteResult


def tracked_attributes(plan: Plan, phase: str) -> frozenset[str] | None:
    """The ``destination`` fields the tracking of ``phase`` reads; None when unknown."""
    read: set[str] = set()
    for source in (plan.tracking.get(phase) or {}).values():
        if source.kind != "template" or "destination" not in source.reads:
            continue
        attrs = attributes_read(source.text, "destination")
        if attrs is None:
            return None
        read |= attrs
    return frozenset(read)


def update_reads_back(plan: Plan, destination: Driver) -> bool:
    """Whether an update must read its record back: where the endpoint cannot skip the read
    (no ``read_fields``), or where the ``on_update`` tracking reads ``destination`` fields
    other than its id (the write-back then sees the record as the destination keeps it)."""
    if not destination.capabilities.read_fields:
        return True
    tracked = tracked_attributes(plan, "on_update")
    return tracked is None or bool(tracked - {"id"})


def read_external_id(record: Mapping[str, Any]) -> Any:
    """The external id of a read-back record: ``externalId`` in REST records, ``externalid``
    in SuiteQL rows (lower-case columns)."""
    return record.get("externalId", record.get("externalid"))


def confirm_external_id(
    written: WriteResult, sent: str | None, obj: str, *, endpoint: str = ""
) -> None:
    """Raise ``ConflictError`` when the record read back after a write by external id ``sent``
    carries another external id (or none). Nothing to compare without an id sent or a record
    read back (a read-back that failed is logged by the driver and the write stands)."""
    if sent is None or written.record is None:
        return
    kept = read_external_id(written.record)
    if kept == sent:
        return
    raise ConflictError(
        f"the answer named {obj} {written.id}, whose externalId is {kept!r}, not the "
        f"{sent!r} that was sent; refusing to link this record to it (nothing was linked; "
        "the write is retried on the next run)",
        endpoint=endpoint,
        operation=f"upsert {obj}",
    )


def replaced_number(
    field: str | None, payload: Mapping[str, Any], written: WriteResult
) -> list[str]:
    """A warning when the destination replaced the number sent in ``field`` (auto-numbering
    without Allow Override); nothing when no number was sent or nothing was read back."""
    if not field or field not in payload or written.record is None:
        return []
    kept = written.record.get(field)
    if kept == payload[field]:
        return []
    return [
        f"the destination replaced {field} {payload[field]!r} with {kept!r} "
        "(Auto-Generated Numbers without Allow Override?)"
    ]


__all__ = [
    "confirm_external_id",
    "read_external_id",
    "replaced_number",
    "tracked_attributes",
    "update_reads_back",
]
