"""The two ways to diff: two paths (``ferry diff OLD NEW``) or a git revision against the
working tree (``ferry diff --rev REV PATH...``), both ending in one ``Report``.

Why one pipeline: whichever way the versions arrive, they are read by the same loader, matched
and compared by the same rules, and rendered against the same fixtures, so a reviewer's
pull-request comment and a consultant's local run never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.diff.git import materialise
from engine.diff.loading import Side, SpecFile, expand, load_sides
from engine.diff.model import Report
from engine.diff.payloads import fixture_impacts
from engine.diff.specs import compare_sides
from engine.errors import UsageError

WORKING_TREE = "working tree"


def _report(old: Side, new: Side, fixtures: Path | None) -> Report:
    specs = compare_sides(old, new)
    impacts = None
    if fixtures is not None:
        olds = {(e.doc.kind, e.doc.name): e for e in old.entries}
        pairs = [
            (olds[(e.doc.kind, e.doc.name)], e)
            for e in new.entries
            if (e.doc.kind, e.doc.name) in olds
        ]
        impacts = fixture_impacts(pairs, fixtures)
    return Report(
        old.label,
        new.label,
        specs,
        impacts,
        None if fixtures is None else str(fixtures),
    )


def diff_paths(
    old: Path, new: Path, *, fixtures: Path | None = None, label: str | None = None
) -> Report:
    """Compare two spec files or folders. ``label`` names two lone files (``git difftool``
    passes temporary files); it is ignored for folders and when empty (``git difftool -d``
    leaves ``$MERGED`` empty)."""
    for path in (old, new):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if not label or not (old.is_file() and new.is_file()):
        label = None
    names = (str(old), str(new)) if label is None else (f"{label} (old)", f"{label} (new)")
    sides = load_sides((names[0], expand([old], label)), (names[1], expand([new], label)))
    return _report(*sides, fixtures)


def diff_revision(rev: str, paths: Sequence[Path], *, fixtures: Path | None = None) -> Report:
    """Compare the specs under ``paths`` at git revision ``rev`` with the working tree."""
    if not paths:
        raise UsageError("--rev needs at least one PATH")
    import tempfile  # as git: only for `--rev`

    with tempfile.TemporaryDirectory(prefix="ferry-diff-") as tmp:
        files = materialise(rev, paths, Path(tmp))
        old_files: list[SpecFile] = files.old
        sides = load_sides((rev, old_files), (WORKING_TREE, files.new))
        return _report(*sides, fixtures)
