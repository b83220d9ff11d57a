"""Results kept on disk between ``ferry`` processes, by a key that names everything they
depend on: what a fresh process would otherwise compute again from unchanged input.

Why: every command starts in a new process, and most of a command that loads specs is the
same work each time on the same files (parsing the YAML, which also imports the YAML library,
is a tenth of ``ferry plan`` of a folder; the schema and meaning checks most of another
tenth). Kept today: a spec's parse (``engine.load.source``) and the verdict that its checks
found nothing (``engine.check.specfile``). Python keeps compiled modules in ``__pycache__``
for the same reason, and Ferry's cache follows its rules:

- **where**: ``FERRY_CACHE_DIR`` when set (empty: no cache at all), else
  ``$XDG_CACHE_HOME/ferry``, else ``~/.cache/ferry``; a namespace per kind of result;
- **what**: ``marshal`` of plain values (dicts, lists, tuples, sets, strings, numbers), with a
  format tag; a value marshal cannot write is simply not kept;
- **trust**: the folder is trusted as ``__pycache__`` is: anyone who can write there can make
  Ferry read what they wrote. An entry that cannot be read (truncated, foreign, another
  format) is a miss, and is written again;
- **never an error**: a folder that cannot be created or written (read-only home, full disk)
  means no cache, never a failed command;
- **concurrent processes**: an entry is written to a temporary file and renamed into place,
  so a reader sees a whole entry or none;
- **bounded**: a namespace keeps about ``MAX_ENTRIES`` entries: when a write finds more, the
  oldest (by modification time) go (a process looks at its first write, then every
  ``_PRUNE_EVERY``-th).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from engine.atomic import replace_atomically

ENV = "FERRY_CACHE_DIR"
FORMAT = 1
"""Bumped when an entry's layout changes: entries of another format are misses."""
MAX_ENTRIES = 2000
"""Entries a namespace keeps: a few hundred specs, each changed a few times, with room."""
_PRUNE_EVERY = 64
"""A write looks at the namespace's size once every this many writes of the process (listing
a folder of thousands costs milliseconds) and always at a process's first write."""

_writes = 0


def root() -> Path | None:
    """The cache folder, or None when the cache is off (``FERRY_CACHE_DIR`` set empty)."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ferry"


def key(*parts: str | bytes) -> str:
    """A key from the texts a result depends on (each part delimited, so ``("ab", "c")`` and
    ``("a", "bc")`` differ), with the interpreter's version: marshal's format is its own."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(sys.implementation.cache_tag.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@functools.cache
def engine_stamp() -> str:
    """What names this version of Ferry's code: the size and modification time of every module
    and schema of the ``engine`` package (about 200 stats, a millisecond; once a process), as
    ``__pycache__`` checks a module's. Part of every key: a result computed by other code
    (an upgrade, an edited checkout) is never read."""
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


def load(namespace: str, entry: str) -> Any | None:
    """The value kept under ``entry``, or None (a miss: none kept, unreadable, or no cache)."""
    folder = root()
    if folder is None:
        return None
    try:
        data = (folder / namespace / entry).read_bytes()
        tag, value = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if tag == FORMAT else None


def store(namespace: str, entry: str, value: Any) -> None:
    """Keep ``value`` under ``entry``, if it can be (see the module's rules)."""
    folder = root()
    if folder is None:
        return
    try:
        data = marshal.dumps((FORMAT, value))
    except ValueError:  # a value marshal cannot write (a date, a Decimal): not kept
        return
    target = folder / namespace
    with contextlib.suppress(OSError):
        target.mkdir(parents=True, exist_ok=True)
        replace_atomically(target / entry, data, durable=False)
        _prune_now_and_then(target)


def _prune_now_and_then(folder: Path) -> None:
    global _writes
    _writes += 1
    if _writes % _PRUNE_EVERY != 1:
        return
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=_modified)
    for old in by_age[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


__all__ = ["ENV", "MAX_ENTRIES", "engine_stamp", "key", "load", "root", "store"]
