"""Where catalogs come from: a project's own folder first, then the ones Ferry ships.

Why two places: the shipped catalogs (``schemas/catalogs/``, package data as
``engine/_schemas/catalogs/``) know every standard and connector field but none of a tenant's
own custom fields; ``ferry catalog pull`` writes the tenant's view into the project, which then
wins. A project names its folder (``--catalogs``); by default the nearest ``catalogs/`` folder
beside the spec or up to three folders above it is used.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import msgspec

from engine.check.catalog.model import Catalog, read_catalog
from engine.load.schema import SCHEMA_DIR

SHIPPED_DIR = SCHEMA_DIR / "catalogs"
PROJECT_FOLDER = "catalogs"
_SEARCH_UP = 3


def project_catalog_dir(spec_path: Path) -> Path | None:
    """The project's catalog folder for a spec: ``catalogs/`` beside it or a few folders up
    (stopping at a repository root), so ``mappings/x.yaml`` finds ``catalogs/`` next to
    ``mappings/``."""
    folder = spec_path.resolve().parent
    for _ in range(_SEARCH_UP + 1):
        candidate = folder / PROJECT_FOLDER
        if candidate.is_dir() and candidate.resolve() != SHIPPED_DIR:
            return candidate
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent
    return None


def catalog_stamp(folder: Path) -> str:
    """What names the catalogs a folder holds now: a hash of each catalog file's content (not
    its modification time, which two quick edits of the same size can share). Part of the key
    of a result kept on disk that the catalogs decide (``engine.compile.deepcheck``); the
    shipped folder is part of Ferry's code, which ``engine.diskcache.engine_stamp`` names."""
    if folder == SHIPPED_DIR:
        return "shipped"
    stamps: list[str] = []
    try:
        with os.scandir(folder) as endpoints:
            for endpoint in endpoints:
                if not endpoint.is_dir():
                    continue
                with os.scandir(endpoint.path) as files:
                    for file in files:
                        if file.name.endswith(".json"):
                            content = Path(file.path).read_bytes()
                            digest = hashlib.blake2b(content, digest_size=16).hexdigest()
                            stamps.append(f"{file.path}:{digest}")
    except OSError as exc:
        return f"unreadable: {exc}"
    return "\n".join(sorted(stamps))


@functools.cache
def _read(path: Path, mtime_ns: int) -> Catalog:
    return read_catalog(path)


def _cached(path: Path) -> Catalog:
    return _read(path, path.stat().st_mtime_ns)


class Catalogs(msgspec.Struct, frozen=True):
    """Catalog lookup over an ordered list of folders (first wins)."""

    folders: tuple[Path, ...] = (SHIPPED_DIR,)

    @classmethod
    def for_spec(cls, spec_path: Path, explicit: Path | None = None) -> Catalogs:
        own = explicit or project_catalog_dir(spec_path)
        return cls(((own,) if own else ()) + (SHIPPED_DIR,))

    def endpoints(self) -> set[str]:
        """Endpoints some folder has catalogs for."""
        return {
            p.name
            for folder in self.folders
            if folder.is_dir()
            for p in folder.iterdir()
            if p.is_dir()
        }

    def objects(self, endpoint: str) -> list[str]:
        """Every object with a catalog for ``endpoint``."""
        names = {p.stem for folder in self.folders for p in (folder / endpoint).glob("*.json")}
        return sorted(names)

    def get(self, endpoint: str, obj: str) -> Catalog | None:
        for folder in self.folders:
            path = folder / endpoint / f"{obj}.json"
            if path.is_file():
                return _cached(path)
        return None

    def all(self, endpoints: Iterable[str] | None = None) -> list[Catalog]:
        out = []
        for endpoint in sorted(endpoints if endpoints is not None else self.endpoints()):
            for obj in self.objects(endpoint):
                found = self.get(endpoint, obj)
                if found is not None:
                    out.append(found)
        return out


def shipped() -> Catalogs:
    """Only the catalogs Ferry ships (what the emulators serve)."""
    return Catalogs((SHIPPED_DIR,))
