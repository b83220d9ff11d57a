"""Results kept on disk between ``ferry`` processes, by a key that names everything they
depend on: what a fresh process would otherwise compute again from unchanged input.

Why: every command starts in a new process, and most of a command that loads specs is the
same work each time on the same files (parsing the YAML, which also imports the YAML library,
is a tenth of ``ferry plan`` of a folder; the schema and meaning checks most of another tenth;
compiling the generated code a twentieth). Kept: a spec's parse (``engine.load.source``); the
verdicts that its schema and meaning checks (``engine.check.specfile``), its catalog check
(``engine.compile.deepcheck``) and a Connections file's driver options
(``engine.run.connections``) found nothing; and the generated code's code objects
(``engine.compile.codecache``). Python keeps compiled modules in ``__pycache__``
for the same reason, and Ferry's cache follows its rules:

- **where**: ``FERRY_CACHE_DIR`` when set (set and empty: no cache, nothing read or written),
  else the platform's cache folder (``$XDG_CACHE_HOME/ferry`` or ``~/.cache/ferry``;
  ``~/Library/Caches/ferry``; ``%LOCALAPPDATA%\\ferry\\Cache``): one SQLite file in it,
  ``entries.sqlite3``, a row per entry (its kind, its key, its value, when it was last used).
  One file, not a file per entry as ``__pycache__`` keeps: on this project's machines making a
  file costs from 0.03 to 0.4 ms of system time depending on the file system's state (an
  empty-cache plan of the shipped folder made 61 files and folders: 2 to 25 ms), where a row
  costs 0.04 ms in any state; reading is as cheap either way;
- **what**: ``marshal`` of a plain value (dicts, lists, tuples, sets, strings, numbers, code
  objects) after a header: a format tag, the interpreter's magic number and the value's length
  and CRC-32 (over its key too). An entry that is truncated, corrupt, another key's or written
  by another interpreter or format is a miss, never used, and is written again; a value
  marshal cannot write is simply not kept. A file SQLite cannot read as a database is removed
  and made again;
- **trust**: entries include code Ferry runs, as ``__pycache__`` holds: whoever can write the
  folder can run code as the user running Ferry. Ferry makes its folder its owner's alone
  (0700); the check guards against damage, not against an attacker who can write there;
- **never an error**: a folder or file that cannot be made, read or written (read-only home,
  full disk) turns the cache off for the process, with one debug log line; an entry another
  process holds the write lock on for longer than ``_BUSY_SECONDS`` is simply not kept;
- **concurrent processes**: each write is a transaction of its own in SQLite's write-ahead
  log, so a reader sees a whole entry or none and never waits for a writer. The log needs the
  processes on one host: a cache folder on a network file system that several hosts use at
  once may be damaged, and is then made again (a file SQLite cannot read), or its values
  found damaged (each value's check) and written again; never used damaged;
- **bounded**: past its kind's limit, the least recently used entries go (by the time they
  were last used, refreshed when an entry is read a day or more after it was last touched),
  down to three quarters of it. A process looks at its first write of a kind and every
  ``_PRUNE_EVERY``-th after. The files of the layout before (a file per entry, until
  2026-12-04) are removed by a process's first write.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import re
import sqlite3
import sys
import threading
import time
import zlib
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

ENV = "FERRY_CACHE_DIR"
FILE = "entries.sqlite3"
"""The cache's file in its folder (with SQLite's ``-wal`` and ``-shm`` beside it)."""
MAX_ENTRIES = 2000
"""A kind's limit unless it names its own: a few hundred specs, each changed a few times."""
_HEADER = b"ferry-cache-4\n" + MAGIC_NUMBER
_DIGEST = 12  # bytes after the header: the value's length and CRC-32
_PRUNE_EVERY = 64
"""Writes of a kind by a process between two looks at its size: the bound holds give or take
that."""
_TOUCH_AFTER = 24 * 3600.0  # seconds: an entry read later than this is marked used again
_BUSY_SECONDS = 1.0
"""How long a write waits for another process's (each holds the lock for well under a
millisecond); past it the entry is not kept."""
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, entry TEXT NOT NULL,"
    " value BLOB NOT NULL, used REAL NOT NULL, PRIMARY KEY (kind, entry)) WITHOUT ROWID"
)

_OLD_KINDS = ("parse", "checked", "catalog-checked", "options-checked", "template", "code")
"""The folders of the layout before 2026-12-04 (a file per entry, a folder per kind)."""
_OLD_ENTRY = re.compile(r"\.?[0-9a-f]{40}\.[a-z-]+(\.\d+\.\d+\.tmp)?")
"""An entry's file in that layout (``KEY.KIND``), or one being written
(``.KEY.KIND.PID.TID.tmp``)."""

_lock = threading.Lock()  # one connection per folder, shared by the process's threads
_open: dict[tuple[Path, int], sqlite3.Connection] = {}  # by folder and process id
_written: dict[tuple[Path, str], int] = {}  # entries this process wrote, per folder and kind
_unusable: set[Path] = set()  # folders that failed this process: not tried again
_tidied: set[Path] = set()  # folders whose old layout this process looked for


def root() -> Path | None:
    """The cache folder, or None when the cache is off (``FERRY_CACHE_DIR`` set empty)."""
    return _root_for(*map(os.environ.get, (ENV, "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA")))


@functools.lru_cache(maxsize=8)
def _root_for(chosen: str | None, *_platform: str | None) -> Path | None:
    """``root`` for the values of the variables it reads (``_platform``: the platform's
    folder's, which only key this cache): a command reads the cache dozens of times, and
    finding the folder (the home folder, paths joined) cost more than reading a small entry."""
    if chosen is not None:
        return Path(chosen) if chosen else None
    return platform_cache() / "ferry"


def platform_cache() -> Path:
    """The user's cache folder, as the platform names it: platformdirs' choice, without
    platformdirs, whose import and lookup cost 27 M instructions (about 8 ms) on every command
    that loads specs, for the three rules Ferry needs."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "ferry" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = Path(os.environ.get("XDG_CACHE_HOME", ""))
    return xdg if xdg.is_absolute() else Path.home() / ".cache"  # XDG: a relative one ignored


def key(*parts: str | bytes) -> str:
    """A key from the texts a result depends on (each part delimited, so ``("ab", "c")`` and
    ``("a", "bc")`` differ), with the interpreter's version: marshal's format is its own."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update((sys.implementation.cache_tag or sys.implementation.name).encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@functools.cache
def engine_stamp() -> str:
    """What names this version of Ferry's code: a hash of the size and modification time of
    every module and schema of the ``engine`` package (``engine_files``; about 200 stats, a
    millisecond; once a process), as ``__pycache__`` checks a module's. Part of every key of a
    result Ferry's code computes: a result of other code (an upgrade, an edited checkout) is
    never read. A hash, not the listing itself: a command makes dozens of keys, and hashing a
    16 kB listing into each cost more than reading the entries they name."""
    return key(engine_files())


def engine_files() -> str:
    """The listing ``engine_stamp`` hashes: a line ``path:size:mtime_ns`` per file, sorted."""
    package = Path(__file__).parent
    stamps: list[str] = []
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir():  # symbolic links followed: a checkout links the schemas in
                    if entry.name != "__pycache__":
                        folders.append(Path(entry.path))
                elif entry.name.endswith((".py", ".json")):
                    found = entry.stat()
                    stamps.append(f"{entry.path}:{found.st_size}:{found.st_mtime_ns}")
    return "\n".join(sorted(stamps))


def load(kind: str, entry: str) -> Any | None:
    """The value kept under ``entry``, or None (a miss: none kept, damaged, or no cache)."""
    folder = root()
    if folder is None:
        return None
    with _lock:
        connection = _connection(folder, create=False)
        if connection is None:
            return None
        try:
            row = connection.execute(
                "SELECT value, used FROM entries WHERE kind = ? AND entry = ?", (kind, entry)
            ).fetchone()
        except sqlite3.Error as exc:
            _give_up(folder, exc)
            return None
        if row is None:
            return None
        data, used = row
        now = time.time()
        if now - used > _TOUCH_AFTER:
            _quietly(
                connection,
                "UPDATE entries SET used = ? WHERE kind = ? AND entry = ?",
                (now, kind, entry),
            )  # may fail (busy, read-only file): the entry is still used
    return _value(entry, data)


def store(kind: str, entry: str, value: Any, *, limit: int = MAX_ENTRIES) -> None:
    """Keep ``value`` under ``entry``, if it can be (see the module's rules); ``limit``: the
    entries the kind keeps."""
    folder = root()
    if folder is None:
        return
    try:
        body = marshal.dumps(value)
    except ValueError:  # a value marshal cannot write (a date, a Decimal): not kept
        return
    data = _HEADER + _hash(entry, body) + body
    with _lock:
        connection = _connection(folder, create=True)
        if connection is None:
            return
        try:
            connection.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                (kind, entry, data, time.time()),
            )
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                _give_up(folder, exc)
            return  # busy: another process holds the lock too long, this entry not kept
        except sqlite3.Error as exc:
            _give_up(folder, exc)
            return
        written = _written[folder, kind] = _written.get((folder, kind), 0) + 1
        if written % _PRUNE_EVERY == 1:  # a process's first write, then every _PRUNE_EVERY
            _prune(connection, kind, limit)
        if folder not in _tidied:
            _tidied.add(folder)
            _remove_old_layout(folder)


def _value(entry: str, data: bytes) -> Any | None:
    """The value an entry's bytes hold, or None when they are not whole, Ferry's and the
    entry's."""
    body = data[len(_HEADER) + _DIGEST :]
    digest = data[len(_HEADER) : len(_HEADER) + _DIGEST]
    if data[: len(_HEADER)] != _HEADER or digest != _hash(entry, body):
        return None
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def _connection(folder: Path, *, create: bool) -> sqlite3.Connection | None:
    """This process's connection to the folder's file (made the first time, the folder and
    file too when ``create``), or None: no cache there (nothing kept yet, or it failed).
    Called under ``_lock``. By process: a connection a forked child inherited is not used."""
    if folder in _unusable:
        return None
    found = _open.get((folder, os.getpid()))
    if found is not None:
        return found
    path = folder / FILE
    if not create and not path.exists():
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the owner's alone: code is kept
        connection = _opened(path)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            _give_up(folder, exc)
            return None
        try:  # not a database (damaged, or another program's file): made again, once
            for name in (FILE, f"{FILE}-wal", f"{FILE}-shm"):
                (folder / name).unlink(missing_ok=True)
            connection = _opened(path)
        except (OSError, sqlite3.Error) as again:
            _give_up(folder, again)
            return None
    except OSError as exc:
        _give_up(folder, exc)
        return None
    _open[folder, os.getpid()] = connection
    return connection


def _remove_old_layout(folder: Path) -> None:
    """Remove the entries Ferry kept as files before 2026-12-04, so an upgraded cache does not
    keep them for ever: only files named as those entries were, in the folders of their kinds,
    and a folder left empty. Looked at by a process's first write to the folder (a kind's
    folder that is not there costs a failed listing); what cannot be removed stays."""
    for kind in _OLD_KINDS:
        old = folder / kind
        try:
            with os.scandir(old) as entries:
                names = [e.name for e in entries if _OLD_ENTRY.fullmatch(e.name)]
        except OSError:
            continue
        for name in names:
            with contextlib.suppress(OSError):
                (old / name).unlink()
        with contextlib.suppress(OSError):
            old.rmdir()  # only when empty: anything else in it stays


def _opened(path: Path) -> sqlite3.Connection:
    """The file opened (made if missing) in write-ahead-log mode, its table made. Not synced
    to the disk: an entry is only ever a copy, and SQLite keeps the file whole without it."""
    connection = sqlite3.connect(
        path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
    )
    try:
        connection.execute("PRAGMA synchronous = OFF")
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(_SCHEMA)
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another process's lock."""
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _quietly(connection: sqlite3.Connection, statement: str, parameters: tuple[Any, ...]) -> None:
    """A write that may fail without consequence (a read-only or busy cache)."""
    with contextlib.suppress(sqlite3.Error):
        connection.execute(statement, parameters)


def _hash(entry: str, data: bytes) -> bytes:
    """The check of an entry's value: its length and CRC-32, as zip and gzip check a member,
    the CRC taken over the entry's key too. It guards against damage (a truncated or corrupted
    value, or a value a damaged file gives for another key): the length finds a truncation,
    the CRC every damaged run of up to 32 bits and all but one in four billion others, at a
    tenth of BLAKE2's cost per byte (values are read on every command; the keys, which must
    never collide, are still hashed with BLAKE2)."""
    check = zlib.crc32(data, zlib.crc32(entry.encode()))
    return len(data).to_bytes(8, "little") + check.to_bytes(4, "little")


def _give_up(folder: Path, exc: Exception) -> None:
    """Turn the cache off for this folder in this process: one debug line, then work without.
    Called under ``_lock``."""
    first = folder not in _unusable
    _unusable.add(folder)
    if first:
        import logging  # only when the cache fails: most runs never need it

        logging.getLogger(__name__).debug("cache off: cannot use %s (%s)", folder, exc)


def _prune(connection: sqlite3.Connection, kind: str, limit: int) -> None:
    """Past ``limit`` entries of ``kind``, remove the least recently used down to three
    quarters of it. Another process may prune at the same time: each removes what is there."""
    try:
        [count] = connection.execute(
            "SELECT count(*) FROM entries WHERE kind = ?", (kind,)
        ).fetchone()
    except sqlite3.Error:
        return
    if count > limit:
        _quietly(
            connection,
            "DELETE FROM entries WHERE kind = ?1 AND entry IN"
            " (SELECT entry FROM entries WHERE kind = ?1 ORDER BY used LIMIT ?2)",
            (kind, count - limit * 3 // 4),
        )


__all__ = [
    "ENV",
    "FILE",
    "MAX_ENTRIES",
    "engine_files",
    "engine_stamp",
    "key",
    "load",
    "platform_cache",
    "root",
    "store",
]
