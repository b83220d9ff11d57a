"""A file replaced whole or not at all: what a reader sees is the old content or the new.

Why its own module: the file endpoint's writes must never leave half a file behind for a
reader (another process, or the next run after a crash), and that is a job of its own, apart
from what the endpoint writes: the data goes to a temporary file in the same folder, flushed
to the disk, which is renamed over the target (a rename within a folder is atomic on POSIX and
Windows).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, flushed to the disk before the rename, so a power cut leaves
    the old file or the whole new one. The temporary file is named by the process and thread
    writing it (no two writers share one, and ``tempfile``'s import and random names are not
    needed); one a writer that died left behind is written over by the next with its name."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


__all__ = ["replace_atomically"]
