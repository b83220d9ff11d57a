"""The generated code's compiled code objects, kept on disk between processes.

Why: compiling the generated source (``engine.compile.codegen``) is about 5 % of ``ferry
plan``'s start-up on the shipped folder (reading it back, an eighth of that), and the source
comes out the same every time its spec and settings do. Like Python's ``__pycache__`` (or
Jinja's bytecode cache), each code object is written with ``marshal`` once and read back by
the next process.

An entry is named by a hash of everything the code object depends on: the source text, the
file name it reports, the interpreter (``sys.implementation.cache_tag`` and
``importlib.util.MAGIC_NUMBER``: another Python reads none of them), the compile flags and the
optimisation level (the source names the spec's file as it was given: the same spec given by
another path has entries of its own). Its header repeats the interpreter's magic number and
carries a hash of the marshalled code: an entry that is truncated, corrupt or written by
another interpreter is ignored (and written again), never executed.

Where: ``FERRY_CACHE_DIR`` when set (set and empty, the cache is off: nothing is read or
written), else the platform's cache folder (``$XDG_CACHE_HOME/ferry`` or ``~/.cache/ferry``;
``~/Library/Caches/ferry``; ``%LOCALAPPDATA%\\ferry\\Cache``), in its ``code/`` folder. An
entry is written to a file of its own and renamed into place (``os.replace``), so a process
sees a whole entry or none, whatever others write at the same time. A folder that cannot be
made or written to turns the cache off for the process, with one debug log line: the code is
compiled as without it. About ``MAX_ENTRIES`` entries are kept: a process that writes looks
at its first write and every ``_PRUNE_EVERY`` writes after, and past ``MAX_ENTRIES`` removes
the oldest (by last use, the modification time being refreshed when an entry is read a day or
more after it was last touched).

Trust: an entry is code Ferry runs, as a ``.pyc`` in ``__pycache__`` is: whoever can write the
cache folder can run code as the user who runs Ferry. The folder of the entries is made its
owner's alone (0700); do not point ``FERRY_CACHE_DIR`` at a folder others can write to.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
import threading
import time
from pathlib import Path
from types import CodeType
from typing import Final

MAX_ENTRIES = 512  # a shipped mapping's code is 5-40 kB marshalled: some 10 MB at most
_KEEP = MAX_ENTRIES * 3 // 4  # pruned down to this, so pruning is not done on every write
_TOUCH_AFTER = 24 * 3600.0  # seconds: an entry read later than this is marked used again
_STALE_TEMP = 3600.0  # seconds: a temporary file this old was left by a process that died
_MAGIC = b"ferry-code-1\n" + importlib.util.MAGIC_NUMBER
_SUFFIX = ".code"
_FLAGS: Final = 0  # compiled without inheriting this module's __future__ flags
_HEADER = len(_MAGIC) + 32  # then the SHA-256 of the marshalled code

_PRUNE_EVERY = 64  # writes of a process between two prunes: the bound, give or take that
_unwritable: set[Path] = set()  # folders that failed this process: not tried again
_written: dict[Path, int] = {}  # entries this process wrote, per folder
_lock = threading.Lock()


def cache_folder() -> Path | None:
    """The folder of the code cache; None when ``FERRY_CACHE_DIR`` is set empty (off)."""
    configured = os.environ.get("FERRY_CACHE_DIR")
    if configured is not None:
        return Path(configured) / "code" if configured else None
    return _platform_cache() / "ferry" / "code"


def _platform_cache() -> Path:
    """The user's cache folder, as the platform names it (platformdirs' choice, without it)."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "ferry" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = Path(os.environ.get("XDG_CACHE_HOME", ""))
    return xdg if xdg.is_absolute() else Path.home() / ".cache"  # XDG: a relative one ignored


def compiled(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, read from the cache when an earlier process
    compiled the same source (and written there when not)."""
    folder = cache_folder()
    if folder is None:
        return _compile(source, filename)
    key = _key(source, filename)
    entry = folder / (key + _SUFFIX)
    code = _read(entry, filename)
    if code is None:
        code = _compile(source, filename)
        _write(folder, entry, code)
    return code


def _compile(source: str, filename: str) -> CodeType:
    return compile(source, filename, "exec", flags=_FLAGS, dont_inherit=True)


def _key(source: str, filename: str) -> str:
    digest = hashlib.sha256()
    for part in (
        sys.implementation.cache_tag or sys.implementation.name,
        importlib.util.MAGIC_NUMBER.hex(),
        f"flags={_FLAGS} optimize={sys.flags.optimize}",
        filename,
        source,
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _read(entry: Path, filename: str) -> CodeType | None:
    """The entry's code object, or None: missing, unreadable, or not one this interpreter
    wrote for this file name (truncated, corrupt, foreign)."""
    try:
        with entry.open("rb") as handle:
            data = handle.read()
            touched = os.fstat(handle.fileno()).st_mtime
    except OSError:
        return None
    body = data[_HEADER:]
    if data[: len(_MAGIC)] != _MAGIC or data[len(_MAGIC) : _HEADER] != _sha256(body):
        return None
    try:
        code = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(code, CodeType) or code.co_filename != filename:
        return None
    if time.time() - touched > _TOUCH_AFTER:
        _touch(entry)
    return code


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _touch(entry: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only cache is still read
        os.utime(entry)


def _write(folder: Path, entry: Path, code: CodeType) -> None:
    """Write the entry whole or not at all: to a temporary file of this process and thread,
    then renamed into place (atomic: a reader sees the old entry, the new one or none)."""
    if folder in _unwritable:
        return
    body = marshal.dumps(code)
    temp = folder / f".{entry.stem}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        try:
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except FileNotFoundError:  # the first entry: the folder is made, the owner's alone
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_MAGIC + _sha256(body) + body)
        temp.replace(entry)
    except OSError as exc:
        _give_up(folder, temp, exc)
        return
    with _lock:
        written = _written[folder] = _written.get(folder, 0) + 1
    if written % _PRUNE_EVERY == 1:  # a process's first write, then every _PRUNE_EVERY
        _prune(folder)


def _give_up(folder: Path, temp: Path, exc: OSError) -> None:
    """Turn the cache off for this folder in this process: one debug line, then compile."""
    with _lock:
        first = folder not in _unwritable
        _unwritable.add(folder)
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)
    if first:
        import logging  # only when the cache fails: most runs never need it

        logging.getLogger(__name__).debug(
            "code cache off: cannot write to %s (%s); compiling instead", folder, exc
        )


def _prune(folder: Path) -> None:
    """Past ``MAX_ENTRIES`` entries, remove the least recently used down to ``_KEEP``; and
    temporary files a process that died left behind. Another process may remove the same
    files at the same time: a file already gone is no error."""
    files = _files(folder)
    entries = sorted((m, path) for m, path in files if path.endswith(_SUFFIX))
    now = time.time()
    stale = [path for m, path in files if path.endswith(".tmp") and now - m > _STALE_TEMP]
    doomed = [path for _, path in entries[: len(entries) - _KEEP]]
    for path in (*stale, *(doomed if len(entries) > MAX_ENTRIES else ())):
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
