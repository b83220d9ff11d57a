"""The SQLite state store: crosswalk, watermarks, intents, runs, quarantine and sequences.

Why these guarantees:
- **One writer.** An exclusive ``flock`` on ``<file>.lock`` is held for the store's life; the OS
  releases it when the process dies, even by SIGKILL, so a crashed run never blocks the next.
  A second run on the same file is refused with the holder's pid.
- **Never silently empty.** An existing file must pass ``PRAGMA quick_check`` and carry Ferry's
  migration table; a damaged, empty or foreign file raises ``StateCorruptError`` and nothing is
  created in its place. Only a path that does not exist yet starts a new state.
- **Durable before the call.** Intents are committed before the remote write is sent (WAL,
  ``synchronous=NORMAL``: a committed transaction survives the process being killed), so after a
  crash every unfinished write is known and reconciled before anything is resent.

sqlite3 exceptions never leave this module: they become ``StateError`` subclasses.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from engine import jsonio
from engine.errors import StateCorruptError, StateError, StateLockedError
from engine.state.crosswalk import CrosswalkQueries, link_from_row
from engine.state.crosswalk import Link as Link  # re-exported: the store's row type
from engine.state.identity import IdentityFingerprints
from engine.state.migrations import MIGRATIONS


def utc_now() -> str:
    """Now, as the ISO-8601 UTC text every timestamp in the state uses."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(value: Any) -> str | None:
    return None if value is None else jsonio.dumps_str(value, sort_keys=True)


def _unjson(text: str | None) -> Any:
    return None if text is None else jsonio.loads_exact(text)


@dataclass(frozen=True)
class Watermark:
    """How far a mapping has read its source, and under which sync behaviour."""

    mapping: str
    value: str | None
    behavior: str
    updated_at: str


@dataclass(frozen=True)
class Intent:
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


@dataclass(frozen=True)
class RunRow:
    """One run: when, what it ran, how it ended, and its counts."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    mode: str
    specs: list[str]
    counts: dict[str, Any]
    error: str | None


@dataclass(frozen=True)
class QuarantineEntry:
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


class StateStore(CrosswalkQueries, IdentityFingerprints):
    """The state of one deployment. Open with ``StateStore.open(path)``; close when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: TextIO | None) -> None:
        self.path = path
        self._conn = conn
        self._lock = lock
        self._depth = 0
        self._mutex = threading.RLock()  # workers share one connection; SQLite has one writer

    # --- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> StateStore:
        """Open (or, when the path does not exist, create) a state file."""
        path = Path(path)
        existed = path.exists()
        if readonly and not existed:
            raise StateError(f"{path}: no state file (no sync has run with it yet)")
        if existed and path.stat().st_size == 0:
            raise StateCorruptError(
                f"{path}: the state file is empty; it was damaged or is not Ferry's. "
                "Restore it from a backup, or delete it to start over (every record will be "
                "matched again against the destination)"
            )
        lock = None if readonly else _acquire_lock(path)
        try:
            conn = _connect(path, readonly)
            store = cls(path, conn, lock)
            store._check(existed)  # before any pragma that writes: a foreign file stays as it was
            if not readonly:
                _journal(conn, path)
                store._migrate()
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        return store

    def _check(self, existed: bool) -> None:
        if not existed:
            return
        try:
            verdict = self._conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise StateCorruptError(f"{self.path}: not a readable state file ({exc})") from exc
        if verdict != "ok":
            raise StateCorruptError(f"{self.path}: integrity check failed: {verdict}")
        if "schema_migrations" not in tables:
            raise StateCorruptError(f"{self.path}: not a Ferry state file (no migration table)")

    def _migrate(self) -> None:
        with self._translate():
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
                "applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in self._conn.execute("SELECT name FROM schema_migrations")}
            known = {name for name, _ in MIGRATIONS}
            unknown = sorted(done - known)
            if unknown:
                raise StateError(
                    f"{self.path}: written by a newer Ferry (migrations {', '.join(unknown)}); "
                    "upgrade Ferry to use it"
                )
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                self._conn.execute("BEGIN IMMEDIATE")
                for statement in filter(str.strip, sql.split(";")):
                    self._conn.execute(statement)
                self._conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, utc_now()))
                self._conn.execute("COMMIT")

    def migrations(self) -> list[tuple[str, str]]:
        """The migrations recorded in the file, in order."""
        rows = self._query("SELECT name, applied_at FROM schema_migrations ORDER BY name")
        return [(r[0], r[1]) for r in rows]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            with self._mutex:
                yield
        except sqlite3.DatabaseError as exc:
            raise StateCorruptError(f"{self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all or nothing. Nested use (same thread) joins the outer transaction;
        other threads wait for it to finish."""
        with self._mutex:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._translate():
                self._conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield
                except BaseException:
                    self._depth = 0
                    self._conn.execute("ROLLBACK")
                    raise
                self._depth = 0
                self._conn.execute("COMMIT")

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.transaction(), self._translate():
            return self._conn.execute(sql, params)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._translate():
            return list(self._conn.execute(sql, params))

    # --- crosswalk -----------------------------------------------------------------------------

    def link(self, mapping: str, source_id: str) -> Link | None:
        """The destination record a source record became, if any."""
        rows = self._query(
            "SELECT * FROM crosswalk WHERE mapping = ? AND source_id = ?", (mapping, source_id)
        )
        return link_from_row(rows[0]) if rows else None

    def links(self, mapping: str) -> list[Link]:
        """Every crosswalk row of a mapping."""
        rows = self._query(
            "SELECT * FROM crosswalk WHERE mapping = ? ORDER BY source_id", (mapping,)
        )
        return [link_from_row(r) for r in rows]

    def save_link(self, link: Link) -> None:
        self._write(
            "INSERT OR REPLACE INTO crosswalk VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                link.mapping,
                link.source_id,
                link.source_system,
                link.destination_system,
                link.destination_id,
                link.external_id,
                link.payload_hash,
                _json(link.payload),
                _json(link.assigned),
                link.source_version,
                link.tracked_at,
                link.last_synced_at,
                link.spec_name,
                link.spec_version,
            ),
        )

    def mark_tracked(self, mapping: str, source_id: str, version: str | None) -> None:
        """The tracking fields were written back to the source; ``version`` is the source
        record's version after that write, so its echo is recognised."""
        self._write(
            "UPDATE crosswalk SET tracked_at = ?, source_version = ? "
            "WHERE mapping = ? AND source_id = ?",
            (utc_now(), version, mapping, source_id),
        )

    # --- watermarks ----------------------------------------------------------------------------

    def watermark(self, mapping: str) -> Watermark | None:
        rows = self._query("SELECT * FROM watermarks WHERE mapping = ?", (mapping,))
        return Watermark(*rows[0]) if rows else None

    def set_watermark(self, mapping: str, value: str | None, behavior: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO watermarks VALUES (?, ?, ?, ?)",
            (mapping, value, behavior, utc_now()),
        )

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, specs: Sequence[str], mode: str) -> int:
        cursor = self._write(
            "INSERT INTO runs (started_at, status, mode, specs_json) VALUES (?, 'running', ?, ?)",
            (utc_now(), mode, _json(list(specs))),
        )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        self._write(
            "UPDATE runs SET finished_at = ?, status = ?, counts_json = ?, error = ? WHERE id = ?",
            (utc_now(), status, _json(counts), error, run_id),
        )

    def record_outcome(
        self,
        run_id: int,
        mapping: str,
        source_id: str,
        outcome: str,
        destination_id: str | None = None,
        detail: Any = None,
    ) -> None:
        self._write(
            "INSERT INTO run_records VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, mapping, source_id, outcome, destination_id, _json(detail), utc_now()),
        )

    def runs(self, limit: int = 20) -> list[RunRow]:
        rows = self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run(r) for r in rows]

    def run_records(self, run_id: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM run_records WHERE run_id = ? ORDER BY rowid", (run_id,))
        return [{**dict(r), "detail": _unjson(r["detail_json"])} for r in rows]

    def abandon_running(self) -> list[int]:
        """Mark runs left 'running' by a crashed process as 'crashed'; return their ids."""
        rows = self._query("SELECT id FROM runs WHERE status = 'running'")
        for row in rows:
            self._write(
                "UPDATE runs SET status = 'crashed', finished_at = ? WHERE id = ?",
                (utc_now(), row[0]),
            )
        return [r[0] for r in rows]

    # --- intents -------------------------------------------------------------------------------

    def begin_intent(
        self,
        run_id: int,
        mapping: str,
        source_id: str,
        operation: str,
        idempotency_key: str,
        external_id: str | None,
        payload: dict[str, Any],
        lookup: dict[str, Any] | None = None,
    ) -> int:
        """Record a remote write before it is sent (committed on return). ``lookup`` holds the
        natural-key values that find the written record again after a crash."""
        cursor = self._write(
            "INSERT INTO intents (run_id, mapping, source_id, operation, idempotency_key, "
            "external_id, payload_json, lookup_json, status, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,'pending',?)",
            (
                run_id,
                mapping,
                source_id,
                operation,
                idempotency_key,
                external_id,
                _json(payload),
                _json(lookup),
                utc_now(),
            ),
        )
        return int(cursor.lastrowid or 0)

    def finish_intent(self, intent_id: int, status: str, result: Any = None) -> None:
        self._write(
            "UPDATE intents SET status = ?, result_json = ?, finished_at = ? WHERE id = ?",
            (status, _json(result), utc_now(), intent_id),
        )

    def pending_intents(self, mapping: str | None = None) -> list[Intent]:
        sql = "SELECT * FROM intents WHERE status = 'pending'"
        params: tuple[Any, ...] = ()
        if mapping is not None:
            sql += " AND mapping = ?"
            params = (mapping,)
        return [_intent(r) for r in self._query(sql + " ORDER BY id", params)]

    def intents(self, mapping: str, source_id: str) -> list[Intent]:
        rows = self._query(
            "SELECT * FROM intents WHERE mapping = ? AND source_id = ? ORDER BY id",
            (mapping, source_id),
        )
        return [_intent(r) for r in rows]

    # --- quarantine ----------------------------------------------------------------------------

    def quarantine(
        self,
        mapping: str,
        source_id: str,
        kind: str,
        reason: str,
        payload: Any = None,
        detail: Any = None,
    ) -> None:
        """Put (or keep) a record in quarantine; attempts count every failure."""
        now = utc_now()
        self._write(
            "INSERT INTO quarantine VALUES (?,?,?,?,?,?,'open',1,?,?) "
            "ON CONFLICT (mapping, source_id) DO UPDATE SET kind = excluded.kind, "
            "reason = excluded.reason, payload_json = excluded.payload_json, "
            "detail_json = excluded.detail_json, "
            "status = CASE quarantine.status WHEN 'dismissed' THEN 'dismissed' ELSE 'open' END, "
            "attempts = quarantine.attempts + 1, last_at = excluded.last_at",
            (mapping, source_id, kind, reason, _json(payload), _json(detail), now, now),
        )

    def release(self, mapping: str, source_id: str) -> None:
        """A quarantined record has now synced: it leaves the quarantine."""
        self._write(
            "DELETE FROM quarantine WHERE mapping = ? AND source_id = ?", (mapping, source_id)
        )

    def quarantined(
        self, mapping: str | None = None, status: str | None = "open"
    ) -> list[QuarantineEntry]:
        sql, params = "SELECT * FROM quarantine WHERE 1 = 1", []
        if mapping is not None:
            sql += " AND mapping = ?"
            params.append(mapping)
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        return [_quarantine(r) for r in self._query(sql + " ORDER BY mapping, source_id", params)]

    def set_quarantine_status(self, mapping: str, source_id: str, status: str) -> bool:
        cursor = self._write(
            "UPDATE quarantine SET status = ? WHERE mapping = ? AND source_id = ?",
            (status, mapping, source_id),
        )
        return cursor.rowcount > 0

    # --- sequences (the transforms' SequenceStore) --------------------------------------------

    def next(self, name: str, start: int = 1) -> int:
        """The next number of a persisted sequence (atomic)."""
        with self.transaction(), self._translate():
            row = self._conn.execute(
                "SELECT value FROM sequences WHERE name = ?", (name,)
            ).fetchone()
            number = start if row is None else int(row[0]) + 1
            self._conn.execute("INSERT OR REPLACE INTO sequences VALUES (?, ?)", (name, number))
        return number

    def last_number(self, name: str) -> int | None:
        """The last number a sequence handed out; None when it has not started."""
        rows = self._query("SELECT value FROM sequences WHERE name = ?", (name,))
        return int(rows[0][0]) if rows else None

    def give_back(self, name: str, number: int, start: int = 1) -> None:
        """Hand ``number`` out again if it is still the last one taken (its record failed)."""
        with self.transaction(), self._translate():
            if number == start:
                self._conn.execute(
                    "DELETE FROM sequences WHERE name = ? AND value = ?", (name, number)
                )
            else:
                self._conn.execute(
                    "UPDATE sequences SET value = ? WHERE name = ? AND value = ?",
                    (number - 1, name, number),
                )


# --- helpers -------------------------------------------------------------------------------------


def _acquire_lock(path: Path) -> TextIO:
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = lock_path.open("a+")
    except OSError as exc:
        raise StateError(f"{lock_path}: cannot open the lock file ({exc.strerror})") from exc
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StateLockedError(
            f"{path}: another run is using this state file (pid {holder}); wait for it to finish"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    try:
        if readonly:
            conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.DatabaseError as exc:
        raise StateCorruptError(f"{path}: not a readable state file ({exc})") from exc
    except sqlite3.Error as exc:
        raise StateError(f"{path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    return conn


def _journal(conn: sqlite3.Connection, path: Path) -> None:
    """WAL with ``synchronous=NORMAL``: a committed transaction survives the process dying."""
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        raise StateError(f"{path}: cannot set the journal mode ({exc})") from exc


def _intent(row: sqlite3.Row) -> Intent:
    return Intent(
        row["id"],
        row["run_id"],
        row["mapping"],
        row["source_id"],
        row["operation"],
        row["idempotency_key"],
        row["external_id"],
        _unjson(row["payload_json"]),
        _unjson(row["lookup_json"]),
        row["status"],
        _unjson(row["result_json"]),
        row["created_at"],
    )


def _run(row: sqlite3.Row) -> RunRow:
    return RunRow(
        row["id"],
        row["started_at"],
        row["finished_at"],
        row["status"],
        row["mode"],
        _unjson(row["specs_json"]) or [],
        _unjson(row["counts_json"]) or {},
        row["error"],
    )


def _quarantine(row: sqlite3.Row) -> QuarantineEntry:
    return QuarantineEntry(
        row["mapping"],
        row["source_id"],
        row["kind"],
        row["reason"],
        _unjson(row["payload_json"]),
        _unjson(row["detail_json"]),
        row["status"],
        row["attempts"],
        row["first_at"],
        row["last_at"],
    )
