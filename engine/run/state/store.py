"""The SQLite state store: crosswalk, watermarks, intents, runs, quarantine and sequences.

Why these guarantees:
- **One writer.** A run holds the lease row of the state file itself (``lease.py``), taken in a
  ``BEGIN IMMEDIATE`` transaction of the resolved file: a symlink or a second path meets the same
  row, and there is no side lock file to delete. A second run is refused with the holder's pid,
  host and start; a holder that died (even by SIGKILL) is taken over by the next run.
- **Never silently empty.** An existing file must pass ``PRAGMA quick_check`` and carry Ferry's
  migration table; a damaged, empty or foreign file raises ``StateCorruptError`` and nothing is
  created in its place. Only a path that does not exist yet starts a new state.
- **Durable before the call.** Intents are committed before the remote write is sent (WAL,
  ``synchronous=FULL``: every commit is fsynced, so it survives the process being killed *and*
  the machine losing power), so after a crash every unfinished write is known and reconciled
  before anything is resent.

sqlite3 exceptions never leave this module: they become ``StateError`` subclasses.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from engine.errors import StateCorruptError, StateError, StateLockedError
from engine.run.state import lease
from engine.run.state.crosswalk import CrosswalkQueries
from engine.run.state.identity import IdentityFingerprints
from engine.run.state.migrations import MIGRATIONS
from engine.run.state.mutex import StateMutex
from engine.run.state.rows import (
    Intent,
    Link,
    QuarantineEntry,
    RunRow,
    Watermark,
    from_json,
    intent_of,
    link_of,
    quarantine_of,
    run_of,
    to_json,
    utc_now,
)

__all__ = ["Intent", "Link", "QuarantineEntry", "RunRow", "StateStore", "Watermark", "utc_now"]


_MEMORY = ":memory:"
"""SQLite's name for a database in memory (``StateStore.empty``)."""


class StateStore(CrosswalkQueries, IdentityFingerprints):
    """The state of one deployment. Open with ``StateStore.open(path)``; close when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lease: lease.Holder | None = None
        self._heartbeat: lease.Heartbeat | None = None
        self.took_over: lease.Holder | None = None  # a dead run's lease this store replaced
        self._depth = 0
        self._mutex = StateMutex()  # workers share one connection; SQLite has one writer
        self._kept: dict[tuple[str, tuple[Any, ...]], list[sqlite3.Row]] | None = None

    # --- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> StateStore:
        """Open (or, when the path does not exist, create) a state file; a writable store holds
        the file's run lease until it is closed."""
        given = Path(path)
        existed = given.exists()
        if readonly and not existed:
            raise StateError(f"{given}: no state file (no sync has run with it yet)")
        if existed and given.stat().st_size == 0:
            raise StateCorruptError(
                f"{given}: the state file is empty; it was damaged or is not Ferry's. "
                "Restore it from a backup, or delete it to start over (every record will be "
                "matched again against the destination)"
            )
        resolved = given.resolve()  # a symlink and its target are one state file
        store = cls(given, _connect(resolved, readonly))
        try:
            store._check(existed)  # before any pragma that writes: a foreign file stays as it was
            if not readonly:
                _journal(store._conn, given)
                store._migrate()
                store._take_lease(resolved)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def empty(cls) -> StateStore:
        """A state holding nothing, in memory: what a plan reads when there is no state file
        yet. Every migration is applied, so it answers as a new file would; unlike a scratch
        file, nothing is fsynced, made or deleted, and no lease is taken (no other process can
        see it). Close it when done."""
        memory = Path(_MEMORY)
        store = cls(memory, _connect(memory, False))
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        return store

    def _take_lease(self, resolved: Path) -> None:
        with self._translate():
            self._lease, self.took_over = lease.acquire(self._conn, self.path)
            self._heartbeat = lease.Heartbeat(_connect(resolved, False), self._lease)

    def durability(self) -> dict[str, str]:
        """The journal mode and ``synchronous`` level in force on every connection this store
        commits through (its own and the lease heartbeat's); differing levels are all listed."""
        levels = {0: "off", 1: "normal", 2: "full", 3: "extra"}
        with self._translate():
            mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
            found = [self._conn.execute("PRAGMA synchronous").fetchone()[0]]
            if self._heartbeat is not None:
                found.append(self._heartbeat.pragma("synchronous"))
        names = sorted({levels.get(int(str(v)), str(v)) for v in found})
        return {"journal_mode": str(mode).lower(), "synchronous": ",".join(names)}

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
                if name not in done:
                    self._apply(name, sql)

    def _apply(self, name: str, sql: str) -> None:
        """One migration in its own transaction; a run that started at the same moment and
        applied it first is seen inside the transaction, so no migration runs twice."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            found = self._conn.execute(
                "SELECT 1 FROM schema_migrations WHERE name = ?", (name,)
            ).fetchone()
            if found is None:
                for statement in filter(str.strip, sql.split(";")):
                    self._conn.execute(statement)
                self._conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, utc_now()))
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def migrations(self) -> list[tuple[str, str]]:
        """The migrations recorded in the file, in order."""
        rows = self._query("SELECT name, applied_at FROM schema_migrations ORDER BY name")
        return [(r[0], r[1]) for r in rows]

    def close(self) -> None:
        """Give the lease back and close; a store that cannot release (a damaged file) leaves
        a lease the next run takes over, since this process is gone by then."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        with contextlib.suppress(sqlite3.Error):
            if self._lease is not None:
                lease.release(self._conn, self._lease)
            self._conn.close()
        self._lease = None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------------------------

    def first(self) -> contextlib.AbstractContextManager[None]:
        """While inside, this thread's reads and commits go before other threads' (a sync's
        writers: a destination slot waits on them; ``mutex.py``)."""
        return self._mutex.first()

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            with self._mutex.held():
                yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateLockedError(
                    f"{self.path}: the state file stayed locked by another process ({exc})"
                ) from exc
            raise StateError(f"{self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StateCorruptError(f"{self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from exc

    def keep_reads(self) -> None:
        """Answer a read asked before from the rows it gave then (``ferry plan``: a plan writes
        nothing, and its mappings ask the crosswalk about the same records and parents over and
        over: 412 reads, 120 of them different, on the shipped folder's first plan). A write
        through this store forgets them all, so an answer is never older than its own writes;
        another process's writes are not seen, as a plan is a look at one moment."""
        with self._mutex.held():
            self._kept = {}

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all or nothing. Nested use (same thread) joins the outer transaction;
        other threads wait for it to finish."""
        with self._mutex.held():
            if self._kept:
                self._kept.clear()  # what is written may change what was read
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
                    if self._lease is not None:
                        lease.holds(self._conn, self._lease, self.path)
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
            kept = self._kept
            if kept is None:
                return list(self._conn.execute(sql, params))
            asked = (sql, tuple(params))
            rows = kept.get(asked)
            if rows is None:
                rows = kept[asked] = list(self._conn.execute(sql, params))
                if len(kept) > _KEEP_AT_MOST:
                    del kept[next(iter(kept))]  # the oldest
            return list(rows)

    # --- crosswalk -----------------------------------------------------------------------------

    def link(self, mapping: str, source_id: str) -> Link | None:
        """The destination record a source record became, if any."""
        rows = self._query(
            "SELECT * FROM crosswalk WHERE mapping = ? AND source_id = ?", (mapping, source_id)
        )
        return link_of(rows[0]) if rows else None

    def links(self, mapping: str) -> list[Link]:
        """Every crosswalk row of a mapping."""
        rows = self._query(
            "SELECT * FROM crosswalk WHERE mapping = ? ORDER BY source_id", (mapping,)
        )
        return [link_of(r) for r in rows]

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
                to_json(link.payload),
                to_json(link.assigned),
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
            (utc_now(), mode, to_json(list(specs))),
        )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        self._write(
            "UPDATE runs SET finished_at = ?, status = ?, counts_json = ?, error = ? WHERE id = ?",
            (utc_now(), status, to_json(counts), error, run_id),
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
            (run_id, mapping, source_id, outcome, destination_id, to_json(detail), utc_now()),
        )

    def runs(self, limit: int = 20) -> list[RunRow]:
        rows = self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [run_of(r) for r in rows]

    def run_records(self, run_id: int) -> list[dict[str, Any]]:
        rows = self._query("SELECT * FROM run_records WHERE run_id = ? ORDER BY rowid", (run_id,))
        return [{**dict(r), "detail": from_json(r["detail_json"])} for r in rows]

    def last_outcome(self, mapping: str, source_id: str) -> dict[str, Any] | None:
        """The latest outcome any run recorded for a record (with its reason), or None."""
        rows = self._query(
            "SELECT * FROM run_records WHERE mapping = ? AND source_id = ? "
            "ORDER BY run_id DESC, rowid DESC LIMIT 1",
            (mapping, source_id),
        )
        return {**dict(rows[0]), "detail": from_json(rows[0]["detail_json"])} if rows else None

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
                to_json(payload),
                to_json(lookup),
                utc_now(),
            ),
        )
        return int(cursor.lastrowid or 0)

    def finish_intent(self, intent_id: int, status: str, result: Any = None) -> None:
        self._write(
            "UPDATE intents SET status = ?, result_json = ?, finished_at = ? WHERE id = ?",
            (status, to_json(result), utc_now(), intent_id),
        )

    def pending_intents(self, mapping: str | None = None) -> list[Intent]:
        sql = "SELECT * FROM intents WHERE status = 'pending'"
        params: tuple[Any, ...] = ()
        if mapping is not None:
            sql += " AND mapping = ?"
            params = (mapping,)
        return [intent_of(r) for r in self._query(sql + " ORDER BY id", params)]

    def intents(self, mapping: str, source_id: str) -> list[Intent]:
        rows = self._query(
            "SELECT * FROM intents WHERE mapping = ? AND source_id = ? ORDER BY id",
            (mapping, source_id),
        )
        return [intent_of(r) for r in rows]

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
            (mapping, source_id, kind, reason, to_json(payload), to_json(detail), now, now),
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
        return [quarantine_of(r) for r in self._query(sql + " ORDER BY mapping, source_id", params)]

    def quarantine_entry(self, mapping: str, source_id: str) -> QuarantineEntry | None:
        """One record's quarantine entry (open or dismissed), or None."""
        rows = self._query(
            "SELECT * FROM quarantine WHERE mapping = ? AND source_id = ?", (mapping, source_id)
        )
        return quarantine_of(rows[0]) if rows else None

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


_KEEP_AT_MOST = 10_000
"""Reads ``keep_reads`` keeps, the oldest forgotten first (a row or two each: megabytes)."""


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
        # every commit fsynced (WAL and FULL): an intent recorded before its write survives a
        # power cut, not only the process dying; per connection, so set on each one
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        raise StateCorruptError(f"{path}: not a readable state file ({exc})") from exc
    except sqlite3.Error as exc:
        raise StateError(f"{path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    return conn


def _journal(conn: sqlite3.Connection, path: Path) -> None:
    """WAL: readers (``ferry runs``) never block the run's writes."""
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise StateError(f"{path}: cannot set the journal mode ({exc})") from exc
