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
  ``~/Library/Caches/ferry``; ``%LOCALAPPDATA%\\ferry\\Cache``), a folder per kind of result;
- **what**: an entry per key, ``marshal`` of a plain value (dicts, lists, tuples, sets,
  strings, numbers, code objects) after a header: a format tag, the interpreter's magic number
  and the value's length and CRC-32. An entry that is truncated, corrupt or written by another
  interpreter or format is a miss, never used, and is written again; a value marshal cannot
  write is simply not kept;
- **trust**: entries include code Ferry runs, as ``__pycache__`` holds: whoever can write the
  folder can run code as the user running Ferry. Ferry makes its folders their owner's alone
  (0700); the check guards against damage, not against an attacker who can write there;
- **never an error**: a folder that cannot be made or written (read-only home, full disk) turns
  the cache off for the process, with one debug log line;
- **concurrent processes**: an entry is written to a temporary file and renamed into place
  (``engine.atomic``), so a reader sees a whole entry or none;
- **bounded**: past its kind's limit, the least recently used entries go (by modification
  time, refreshed when an entry is read a day or more after it was last touched), down to
  three quarters of it, with temporary files a process that died left behind. A process looks
  at its first write and every ``_PRUNE_EVERY``-th after.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
import threading
import time
import zlib
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

from engine.atomic import replace_atomically

ENV = "FERRY_CACHE_DIR"
MAX_ENTRIES = 2000
"""A kind's limit unless it names its own: a few hundred specs, each changed a few times."""
_HEADER = b"ferry-cache-3\n" + MAGIC_NUMBER
_DIGEST = 12  # bytes after the header: the value's length and CRC-32
_PRUNE_EVERY = 64
"""Writes of a process between two looks at a folder's size (listing thousands of entries
costs milliseconds): the bound holds give or take that."""
_TOUCH_AFTER = 24 * 3600.0  # seconds: an entry read later than this is marked used again
_STALE_TEMP = 3600.0  # seconds: a temporary file this old was left by a process that died

_lock = threading.Lock()
_written: dict[Path, int] = {}  # entries this process wrote, per folder
_unwritable: set[Path] = set()  # folders that failed this process: not tried again
_ready: set[Path] = set()  # folders this process has seen exist: not looked at again


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
    path = f"{folder}{os.sep}{kind}{os.sep}{entry}.{kind}"
    try:  # a str path and the built-in open: a third of the cost of a Path's, for a small entry
        with open(path, "rb") as handle:  # noqa: PTH123
            data = handle.read()
            touched = os.fstat(handle.fileno()).st_mtime
    except OSError:
        return None
    body = data[len(_HEADER) + _DIGEST :]
    if data[: len(_HEADER)] != _HEADER or data[len(_HEADER) : len(_HEADER) + _DIGEST] != _hash(
        body
    ):
        return None
    try:
        value = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if time.time() - touched > _TOUCH_AFTER:
        with contextlib.suppress(OSError):  # a read-only cache is still read
            os.utime(path)
    return value


def store(kind: str, entry: str, value: Any, *, limit: int = MAX_ENTRIES) -> None:
    """Keep ``value`` under ``entry``, if it can be (see the module's rules); ``limit``: the
    entries the kind keeps."""
    top = root()
    if top is None:
        return
    folder = top / kind
    if folder in _unwritable:
        return
    try:
        body = marshal.dumps(value)
    except ValueError:  # a value marshal cannot write (a date, a Decimal): not kept
        return
    try:
        if folder not in _ready and not folder.is_dir():  # the owner's alone: code is kept
            top.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
        _ready.add(folder)
        data = _HEADER + _hash(body) + body
        replace_atomically(folder / f"{entry}.{kind}", data, durable=False)
    except OSError as exc:
        _give_up(folder, exc)
        return
    with _lock:
        written = _written[folder] = _written.get(folder, 0) + 1
    if written % _PRUNE_EVERY == 1:  # a process's first write, then every _PRUNE_EVERY
        _prune(folder, kind, limit)


def _hash(data: bytes) -> bytes:
    """The check of an entry's value: its length and CRC-32, as zip and gzip check a member.
    It guards against damage (a truncated or corrupted file): the length finds a truncation,
    the CRC every damaged run of up to 32 bits and all but one in four billion others, at a
    tenth of BLAKE2's cost per byte (values are read on every command; the keys, which must
    never collide, are still hashed with BLAKE2)."""
    return len(data).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little")


def _give_up(folder: Path, exc: OSError) -> None:
    """Turn the cache off for this folder in this process: one debug line, then work without."""
    with _lock:
        first = folder not in _unwritable
        _unwritable.add(folder)
    if first:
        import logging  # only when the cache fails: most runs never need it

        logging.getLogger(__name__).debug("cache off: cannot write to %s (%s)", folder, exc)


def _prune(folder: Path, kind: str, limit: int) -> None:
    """Past ``limit`` entries, remove the least recently used down to three quarters of it;
    and temporary files a process that died left behind. Another process may remove the same
    files at the same time: a file already gone is no error."""
    files = _files(folder)
    entries = sorted((m, path) for m, path in files if path.endswith("." + kind))
    now = time.time()
    stale = [path for m, path in files if path.endswith(".tmp") and now - m > _STALE_TEMP]
    doomed = [path for _, path in entries[: len(entries) - limit * 3 // 4]]
    for path in (*stale, *(doomed if len(entries) > limit else ())):
        with contextlib.suppress(OSError):
            os.unlink(path)  # noqa: PTH108 - scandir gives text paths: no Path made for each


def _files(folder: Path) -> list[tuple[float, str]]:
    """The folder's files with their modification times (a file removed meanwhile left out)."""
    found: list[tuple[float, str]] = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                found.append((entry.stat().st_mtime, entry.path))
    return found


__all__ = [
    "ENV",
    "MAX_ENTRIES",
    "engine_files",
    "engine_stamp",
    "key",
    "load",
    "platform_cache",
    "root",
    "store",
]
