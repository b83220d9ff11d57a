"""``--rev``: the specs of a git revision, next to the same paths in the working tree.

Why a temporary folder rather than reading blobs in memory: the old version must be loaded,
validated and compiled exactly like the new one, and a Mapping's ``settings:`` file is found
relative to it. So the revision's files under the given paths (and the Settings files their
mappings name, as support) are written to a temporary folder with their repository layout, and
shown as ``REV:path``. Git is run as a subprocess (``ls-tree``, then one ``cat-file --batch``
for all blobs); every failure of git becomes a ``UsageError`` that says what to do.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from engine.check.specfile import SPEC_SUFFIXES, spec_files
from engine.diff.loading import SpecFile
from engine.errors import UsageError
from engine.load.source import load_path


def _git(args: Sequence[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    import subprocess  # only `--rev` runs git: a diff of two folders does not pay for it

    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise UsageError("--rev needs git, which is not installed (or not on PATH)") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        raise _GitFailed(message)
    return done.stdout


class _GitFailed(Exception):
    """git exited non-zero; turned into a ``UsageError`` with context by the caller."""


def _existing_dir(path: Path) -> Path:
    probe = path.resolve()
    while not probe.is_dir():
        probe = probe.parent
    return probe


def repository_root(near: Path) -> Path:
    """The top of the git work tree holding ``near``; a ``UsageError`` outside of one."""
    start = _existing_dir(near)
    try:
        out = _git(["rev-parse", "--show-toplevel"], start)
    except _GitFailed as exc:
        raise UsageError(
            f"--rev compares with a git revision, but {start} is not inside a git repository "
            "(compare two paths instead: ferry diff OLD NEW)"
        ) from exc
    return Path(os.fsdecode(out).strip()).resolve()


class _Blob(msgspec.Struct, frozen=True):
    oid: str
    rel: str


def _tree(root: Path, rev: str, rels: Iterable[str]) -> list[_Blob]:
    out = _git(["ls-tree", "-r", "-z", "--full-tree", rev, "--", *rels], root)
    blobs = []
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, name = item.split(b"\t", 1)
        _mode, kind, oid = meta.decode().split()
        rel = os.fsdecode(name)
        if kind == "blob" and posixpath.splitext(rel)[1] in SPEC_SUFFIXES:
            blobs.append(_Blob(oid, rel))
    return blobs


def _contents(root: Path, blobs: Sequence[_Blob]) -> dict[str, bytes]:
    """Every blob's bytes, in one ``git cat-file --batch``."""
    if not blobs:
        return {}
    out = _git(["cat-file", "--batch"], root, "".join(b.oid + "\n" for b in blobs).encode())
    found, offset = {}, 0
    for blob in blobs:
        end = out.index(b"\n", offset)
        header = out[offset:end].decode().split()
        size = int(header[2])
        found[blob.rel] = out[end + 1 : end + 1 + size]
        offset = end + 1 + size + 1
    return found


def _settings_refs(path: Path, rel: str) -> str | None:
    loaded = load_path(path)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    ref = data.get("settings") if data.get("kind") == "Mapping" else None
    if not isinstance(ref, str):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(rel), ref))


def _exists(root: Path, rev: str) -> bool:
    """Whether ``rev`` names a commit. ``HEAD`` before the first commit names none, and
    every spec is then new (a pre-commit hook runs before that first commit, too)."""
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
        return True
    except _GitFailed as exc:
        if rev == "HEAD":
            try:
                _git(["rev-parse", "--verify", "--quiet", "HEAD"], root)
            except _GitFailed:
                return False
        raise UsageError(f"unknown git revision {rev!r}") from exc


class RevisionFiles(msgspec.Struct, frozen=True):
    """Both sides of ``--rev``: the revision's files (materialised) and the working tree's."""

    old: list[SpecFile]
    new: list[SpecFile]


def _relative(root: Path, path: Path) -> str:
    """``path`` relative to the repository root, POSIX style ("" for the root itself)."""
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError as exc:
        raise UsageError(f"{path} is outside the git repository at {root}") from exc
    return "" if rel == "." else rel


def materialise(rev: str, paths: Sequence[Path], into: Path) -> RevisionFiles:
    """Write ``rev``'s spec files under ``paths`` into ``into``; list both sides' files."""
    root = repository_root(paths[0])
    rels = [_relative(root, p) for p in paths]
    blobs = _tree(root, rev, [r or "." for r in rels]) if _exists(root, rev) else []
    for path, rel in zip(paths, rels, strict=True):
        at_rev = any(not rel or b.rel == rel or b.rel.startswith(rel + "/") for b in blobs)
        if not path.exists() and not at_rev:
            raise UsageError(
                f"{path}: no such file or folder, neither in the working tree nor at {rev}"
            )
    old = _write(root, rev, blobs, into)
    new = [
        SpecFile(f, str(f), _relative(root, f))
        for p in paths
        if p.exists()
        for f in spec_files([p])
    ]
    return RevisionFiles(old, new)


def _write(root: Path, rev: str, blobs: list[_Blob], into: Path) -> list[SpecFile]:
    wanted = {b.rel for b in blobs}
    contents = _contents(root, blobs)
    files = []
    for blob in blobs:
        target = into / blob.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(contents[blob.rel])
        files.append(SpecFile(target, f"{rev}:{blob.rel}", blob.rel))
    refs = {_settings_refs(f.path, f.rel) for f in files}
    support = {r for r in refs if r and r not in wanted and not r.startswith("../")}
    if support:
        extra = [b for b in _tree(root, rev, sorted(support)) if b.rel in support]
        for rel, data in _contents(root, extra).items():
            (into / rel).parent.mkdir(parents=True, exist_ok=True)
            (into / rel).write_bytes(data)
    return files
