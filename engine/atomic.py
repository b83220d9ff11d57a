"""A file replaced whole or not at all: what a reader sees is the old content or the new.

Why its own module: the file endpoint's writes and the disk cache's entries both need it, and
both must never leave half a file behind for a reader (another process, or the next run after
a crash): the data goes to a temporary file in the same folder, which is renamed over the
target (a rename within a folder is atomic on POSIX and Windows).
"""

from __future__ import annotations

import os
from pathlib import Path


def replace_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path``. ``durable``: flushed to the disk before the rename, so a
    power cut leaves the old file or the whole new one (a cache entry, which is only ever a
    copy, need not pay for that)."""
    import tempfile  # here: a command that writes nothing never needs it (a few ms to import)

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = ["replace_atomically"]
