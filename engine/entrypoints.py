"""The entry points of one group (``ferry.transforms``, ``ferry.drivers``), found cheaply when none
is installed.

Why: ``importlib.metadata`` costs 20-30 ms to import (it brings ``email``, ``zipfile`` and
``csv``), and every command that loads a spec looks for transform plugins; almost always there
are none. So the folders on ``sys.path`` are looked at first, as ``importlib.metadata`` would:
each ``*.dist-info`` / ``*.egg-info`` folder's ``entry_points.txt`` is read (a few files), and
only when one of them names the group (or something could hide a distribution from this look: a
zip file or an ``.egg`` on ``sys.path``, or an import hook that finds distributions of its own)
is ``importlib.metadata`` asked, as before.

The list of a folder's distributions is kept while the folder's modification time stays the
one it had (installing or removing a distribution adds or removes a folder in it, which changes
that time), as ``importlib.metadata`` itself keeps it: listing ``site-packages`` was most of a
look, and ``ferry plan`` looks for two groups. A folder changed within the last seconds before
its listing is not kept (a change in the same tick of the file system's clock would leave the
time as it was). The ``entry_points.txt`` files are read at every look, so a plugin installed,
removed or changed while a process runs is seen as before.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

_INFO_SUFFIXES = (".dist-info", ".egg-info")
# A listing is kept only when the folder last changed this long before it was read: longer than
# the coarsest modification-time step of a common file system (FAT's 2 s).
_SETTLED_NS = 3_000_000_000
# Distribution folders of each listed folder: (its modification time, their paths).
_LISTINGS: dict[str, tuple[int, tuple[str, ...]]] = {}


def entry_points(group: str) -> Sequence[EntryPoint]:
    """``importlib.metadata.entry_points(group=group)``, without importing ``importlib.metadata``
    when no distribution on ``sys.path`` can declare ``group``."""
    if not may_declare(group):
        return ()
    from importlib.metadata import entry_points as find

    return tuple(find(group=group))


def may_declare(group: str) -> bool:
    """False only when it is certain that no distribution declares an entry point in ``group``."""
    if _foreign_finders():
        return True
    name = group.encode()
    for entry in sys.path:
        infos = _infos(entry or ".")
        if infos is None or any(_declares(info, name) for info in infos):
            return True
    return False


def _foreign_finders() -> bool:
    """Whether an import hook other than the standard path finder can find distributions."""
    from importlib.machinery import PathFinder

    return any(
        hasattr(finder, "find_distributions") and finder is not PathFinder
        for finder in sys.meta_path
    )


def _infos(entry: str) -> tuple[str, ...] | None:
    """The distribution folders of a ``sys.path`` entry, or None when only ``importlib.metadata``
    can tell (an ``.egg``, whose EGG-INFO it reads, or a zip file)."""
    folder = Path(entry)
    if entry.lower().rstrip("/\\").endswith(".egg"):
        return None if folder.exists() else ()
    try:
        changed = folder.stat().st_mtime_ns
    except OSError:  # missing or unreadable: importlib.metadata finds nothing there either
        return ()
    kept = folder.is_absolute()  # "." names another folder after a chdir
    known = _LISTINGS.get(entry) if kept else None
    if known is not None and known[0] == changed:
        return known[1]
    listed_at = time.time_ns()
    try:
        children = os.scandir(entry)
    except NotADirectoryError:  # a zip file on sys.path: let importlib.metadata read it
        return None
    except OSError:
        return ()
    with children:
        infos = tuple(c.path for c in children if c.name.lower().endswith(_INFO_SUFFIXES))
    if kept and listed_at - changed > _SETTLED_NS:
        _LISTINGS[entry] = (changed, infos)
    return infos


def _declares(info: str, group: bytes) -> bool:
    """Whether a distribution's ``entry_points.txt`` mentions ``group`` (anywhere: a mention
    outside a section header only means the full look)."""
    # os, not pathlib: a Path per distribution was most of the cost of a look
    try:
        with open(os.path.join(info, "entry_points.txt"), "rb") as text:  # noqa: PTH118, PTH123
            return group in text.read()
    except OSError:  # no entry points (or an ``.egg-info`` file, which holds none)
        return False
