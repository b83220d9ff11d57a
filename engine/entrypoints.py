"""The entry points of one group (``ferry.transforms``, ``ferry.drivers``), found cheaply when none
is installed.

Why: ``importlib.metadata`` costs 20-30 ms to import (it brings ``email``, ``zipfile`` and
``csv``), and every command that loads a spec looks for transform plugins; almost always there
are none. So the folders on ``sys.path`` are looked at first, as ``importlib.metadata`` would:
each ``*.dist-info`` / ``*.egg-info`` folder's ``entry_points.txt`` is read (a few files, about
a millisecond), and only when one of them names the group (or something could hide a
distribution from this look: a zip file or an ``.egg`` on ``sys.path``, or an import hook that
finds distributions of its own) is ``importlib.metadata`` asked, as before. Nothing is kept
between calls, so a plugin installed or removed while a process runs is seen as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

_INFO_SUFFIXES = (".dist-info", ".egg-info")


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
    return any(_folder_may_declare(entry or ".", group) for entry in sys.path)


def _foreign_finders() -> bool:
    """Whether an import hook other than the standard path finder can find distributions."""
    from importlib.machinery import PathFinder

    return any(
        hasattr(finder, "find_distributions") and finder is not PathFinder
        for finder in sys.meta_path
    )


def _folder_may_declare(entry: str, group: str) -> bool:
    if entry.lower().rstrip("/\\").endswith(".egg"):  # its EGG-INFO: the full look
        return Path(entry).exists()
    try:
        children = os.scandir(entry)
    except NotADirectoryError:  # a zip file on sys.path: let importlib.metadata read it
        return Path(entry).exists()
    except OSError:  # missing or unreadable: importlib.metadata finds nothing there either
        return False
    with children:
        for child in children:
            if child.name.lower().endswith(_INFO_SUFFIXES) and _declares(child.path, group):
                return True
    return False


def _declares(info: str, group: str) -> bool:
    """Whether a distribution's ``entry_points.txt`` mentions ``group`` (anywhere: a mention
    outside a section header only means the full look)."""
    try:
        return group.encode() in (Path(info) / "entry_points.txt").read_bytes()
    except OSError:  # no entry points (or an ``.egg-info`` file, which holds none)
        return False
