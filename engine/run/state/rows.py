"""The state file's rows as frozen values, and the converters between them and SQLite rows.

Why a module of its own: the store (``store.py``) is about transactions, locking and queries; what
a crosswalk row or a run *is* is shared by the sync runtime, the CLI and the store alike.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import msgspec

from engine import jsonio


def utc_now() -> str:
    """Now, as the ISO-8601 UTC text every timestamp in the state uses."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json(value: Any) -> str | None:
    return None if value is None else jsonio.dumps_str(value, sort_keys=True)


def from_json(text: str | None) -> Any:
    return None if text is None else jsonio.loads_exact(text)


class Link(msgspec.Struct, frozen=True):
    """A crosswalk row: one source record and the destination record it became."""

    mapping: str
    source_id: str
    source_system: str
    destination_system: str
    destination_id: str | None
    external_id: str | None
    payload_hash: str | None
    payload: dict[str, Any] | None
    assigned: dict[str, Any] | None
    source_version: str | None
    tracked_at: str | None
    last_synced_at: str
    spec_name: str
    spec_version: int


class Watermark(msgspec.Struct, frozen=True):
    """How far a mapping has read its source, and under which sync behaviour."""

    mapping: str
    value: str | None
    behavior: str
    updated_at: str


class Intent(msgspec.Struct, frozen=True):
    """A remote write recorded before it was sent."""

    id: int
    run_id: int
    mapping: str
    source_id: str
    operation: str
    idempotency_key: str
    external_id: str | None
    payload: dict[str, Any]
    lookup: dict[str, Any] | None
    status: str
    result: Any
    created_at: str


class RunRow(msgspec.Struct, frozen=True):
    """One run: when, what it ran, how it ended, and its counts."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    mode: str
    specs: list[str]
    counts: dict[str, Any]
    error: str | None


class QuarantineEntry(msgspec.Struct, frozen=True):
    """A record that failed or was held back, kept for retry."""

    mapping: str
    source_id: str
    kind: str
    reason: str
    payload: Any
    detail: Any
    status: str
    attempts: int
    first_at: str
    last_at: str


def link_of(row: sqlite3.Row) -> Link:
    return Link(
        row["mapping"],
        row["source_id"],
        row["source_system"],
        row["destination_system"],
        row["destination_id"],
        row["external_id"],
        row["payload_hash"],
        from_json(row["payload_json"]),
        from_json(row["assigned_json"]),
        row["source_version"],
        row["tracked_at"],
        row["last_synced_at"],
        row["spec_name"],
        row["spec_version"],
    )


def intent_of(row: sqlite3.Row) -> Intent:
    return Intent(
        row["id"],
        row["run_id"],
        row["mapping"],
        row["source_id"],
        row["operation"],
        row["idempotency_key"],
        row["external_id"],
        from_json(row["payload_json"]),
        from_json(row["lookup_json"]),
        row["status"],
        from_json(row["result_json"]),
        row["created_at"],
    )


def run_of(row: sqlite3.Row) -> RunRow:
    return RunRow(
        row["id"],
        row["started_at"],
        row["finished_at"],
        row["status"],
        row["mode"],
        from_json(row["specs_json"]) or [],
        from_json(row["counts_json"]) or {},
        row["error"],
    )


def quarantine_of(row: sqlite3.Row) -> QuarantineEntry:
    return QuarantineEntry(
        row["mapping"],
        row["source_id"],
        row["kind"],
        row["reason"],
        from_json(row["payload_json"]),
        from_json(row["detail_json"]),
        row["status"],
        row["attempts"],
        row["first_at"],
        row["last_at"],
    )
