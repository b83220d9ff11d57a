"""One run per state file: a lease row inside the state file itself, not a lock file beside it.

Why in the file: a side lock file (``state.sqlite.lock``) is bypassed by anything that does not
name the state file the same way — a symlink to it, a second path, or an operator deleting the
"stale" lock — and two runs then write at once. The lease lives in the ``run_lease`` table of
the resolved state file and is taken in a ``BEGIN IMMEDIATE`` transaction (SQLite's own write
lock), so every path to the same file meets the same row.

The row names its holder: pid, host, when the run started, the process's start time (to tell a
reused pid from the holder) and a heartbeat renewed every ``HEARTBEAT_SECONDS`` with an expiry
of ``LEASE_SECONDS``. A new run may take the lease over when its holder is gone:

- same host: the holder's pid is no longer running (or is a different process now);
- another host (a shared volume): the heartbeat has expired.

A live holder refuses the new run with a message naming it. Every write transaction of the
store checks that the lease is still its own (``holds``), so a run whose lease was taken over
stops instead of writing beside the new holder.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from engine.errors import StateLockedError
from engine.run.state.rows import utc_now

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
LEASE_SECONDS = 120.0


class Holder(msgspec.Struct, frozen=True):
    """Who holds (or held) the lease of a state file."""

    pid: int
    host: str
    started_at: str
    heartbeat_at: str
    expires_at: str
    process_start: str | None
    token: str

    def describe(self) -> str:
        return (
            f"pid {self.pid} on host {self.host}, started {self.started_at}, "
            f"last heartbeat {self.heartbeat_at}"
        )


def takeover_note(holder: Holder) -> str:
    """What a run says after taking the lease of ``holder`` over."""
    if holder.host == socket.gethostname():
        return f"took the state file over from {holder.describe()}, which is no longer running"
    return f"took the state file over from {holder.describe()}, whose lease had expired"


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``); None elsewhere."""
    state = _proc_stat(pid)
    return state[1] if state else None


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state letter, start time) from ``/proc/<pid>/stat``, or None when unavailable."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _running(holder: Holder) -> bool:
    """Whether the holder's process (on this host) is still the one that took the lease."""
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    stat = _proc_stat(holder.pid)
    if stat is None:
        return True
    letter, started = stat
    if letter in ("Z", "X"):  # exited, not yet reaped by its parent
        return False
    return holder.process_start is None or started == holder.process_start


def _stale(holder: Holder, host: str, now: str) -> bool:
    if holder.host == host:
        return not _running(holder)
    return holder.expires_at < now


def _later(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _holder(row: sqlite3.Row | tuple[object, ...] | None) -> Holder | None:
    if row is None:
        return None
    pid, host, started, beat, expires, process_start, token = tuple(row)
    return Holder(
        int(str(pid)),
        str(host),
        str(started),
        str(beat),
        str(expires),
        None if process_start is None else str(process_start),
        str(token),
    )


_SELECT = (
    "SELECT pid, host, started_at, heartbeat_at, expires_at, process_start, token "
    "FROM run_lease WHERE id = 1"
)


def current(conn: sqlite3.Connection) -> Holder | None:
    """The lease row as it is now (inside the caller's transaction, if any)."""
    return _holder(conn.execute(_SELECT).fetchone())


def acquire(conn: sqlite3.Connection, path: Path) -> tuple[Holder, Holder | None]:
    """Take the lease of the state file ``conn`` is open on; return it and the stale holder it
    replaced (None when the lease was free). Raises ``StateLockedError`` for a live holder."""
    host, now = socket.gethostname(), utc_now()
    conn.execute("BEGIN IMMEDIATE")
    try:
        previous = current(conn)
        if previous is not None and not _stale(previous, host, now):
            raise StateLockedError(
                f"{path}: another run is using this state file ({previous.describe()}); "
                "wait for it to finish"
            )
        pid = os.getpid()
        mine = Holder(
            pid, host, now, now, _later(LEASE_SECONDS), _process_start(pid), uuid.uuid4().hex
        )
        conn.execute(
            "INSERT OR REPLACE INTO run_lease (id, pid, host, started_at, heartbeat_at, "
            "expires_at, process_start, token) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            (
                mine.pid,
                mine.host,
                mine.started_at,
                mine.heartbeat_at,
                mine.expires_at,
                mine.process_start,
                mine.token,
            ),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return mine, previous


def holds(conn: sqlite3.Connection, mine: Holder, path: Path) -> None:
    """Inside a write transaction: refuse to go on when the lease is no longer ``mine``."""
    now = current(conn)
    if now is None or now.token != mine.token:
        who = now.describe() if now is not None else "nobody"
        raise StateLockedError(
            f"{path}: this run no longer holds the state file (now held by {who}); stopping "
            "so that two runs never write at once"
        )


def release(conn: sqlite3.Connection, mine: Holder) -> None:
    """Give the lease up (only if it is still ours)."""
    conn.execute("DELETE FROM run_lease WHERE id = 1 AND token = ?", (mine.token,))


class Heartbeat:
    """Renews the lease's heartbeat and expiry from a thread with its own connection, so a run
    that waits a long time on an endpoint still shows it is alive."""

    def __init__(self, conn: sqlite3.Connection, mine: Holder) -> None:
        self._conn = conn
        self._mine = mine
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name="ferry-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self._lock:
                    self._beat_once()
            except sqlite3.Error as exc:  # a busy file: the next beat tries again
                log.warning("could not renew the state file's run lease: %s", exc)

    def _beat_once(self) -> None:
        self._conn.execute(
            "UPDATE run_lease SET heartbeat_at = ?, expires_at = ? WHERE id = 1 AND token = ?",
            (utc_now(), _later(LEASE_SECONDS), self._mine.token),
        )

    def pragma(self, name: str) -> object:
        """A pragma's value on the heartbeat's own connection (it commits too)."""
        with self._lock:
            return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()
