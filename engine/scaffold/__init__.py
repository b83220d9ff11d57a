"""``ferry init``: a consultant's repository that works on day one.

Why scaffold rather than document: a client project needs a dozen files that must agree with
each other (mappings and their settings, a Connections file with ``${env:}`` references, the
schemas and editor settings that give completion offline, pre-commit hooks, a snapshot test and
its fixtures), and each one is easy to get subtly wrong by hand. The files come from
``templates/`` (package data), the shipped connector's specs from ``engine/_mappings``, the
schemas and object catalogs from ``engine/_schemas``, so an installed wheel scaffolds the same
project as a source checkout.

Everything is gathered before anything is written, and only into a new or empty folder: a
mistake never leaves half a project, nor overwrites a consultant's file.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from engine.errors import ConfigError, UsageError
from engine.load.schema import SCHEMA_DIR
from engine.suggest import did_you_mean

DISTRIBUTION = "ferry-engine"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# ``engine/_mappings`` links to the repository's ``mappings/`` as ``_schemas`` links to
# ``schemas/``: the shipped connectors travel in the wheel.
SHIPPED_MAPPINGS = Path(__file__).resolve().parent.parent / "_mappings"
SHIPPED_CATALOGS = SCHEMA_DIR / "catalogs"
STARTER = "starter"


def connectors() -> list[str]:
    """The shipped connectors ``--from`` can copy (``zuora-netsuite``)."""
    return sorted(p.name for p in SHIPPED_MAPPINGS.iterdir() if p.is_dir())


def ferry_version() -> str:
    """The installed distribution's version, pinned by the scaffold's pre-commit hooks."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"ferry init needs Ferry installed as a package (pip install {DISTRIBUTION})"
        ) from None


def project_name(target: Path) -> str:
    """A metadata name from the folder name: lower case, digits, ``-``, ``_`` and ``.``."""
    name = re.sub(r"[^a-z0-9._-]+", "-", target.resolve().name.lower()).strip("-._")
    return name or "ferry-project"


def _template_files(folder: Path) -> dict[Path, Path]:
    """Template file -> its path in the project; ``dot-x`` is written as ``.x`` (package data
    globs leave dot files out of a wheel)."""
    out: dict[Path, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            parts = [
                f".{p[4:]}" if p.startswith("dot-") else p for p in path.relative_to(folder).parts
            ]
            out[path] = Path(*parts)
    return out


def plan_project(target: Path, connector: str | None) -> dict[Path, bytes]:
    """Every file of the new project (relative path -> content), nothing written yet."""
    if connector is not None and connector not in connectors():
        raise UsageError(
            f"no shipped connector {connector!r}{did_you_mean(connector, connectors())} "
            f"(shipped: {', '.join(connectors())})"
        )
    fill = {"__PROJECT__": project_name(target), "__VERSION__": ferry_version()}
    files: dict[Path, bytes] = {}
    for folder in (TEMPLATES / "common", TEMPLATES / (connector or STARTER)):
        for source, relative in _template_files(folder).items():
            text = source.read_text(encoding="utf-8")
            for placeholder, value in fill.items():
                text = text.replace(placeholder, value)
            files[relative] = text.encode()
    if connector is not None:
        for spec in sorted((SHIPPED_MAPPINGS / connector).glob("*.yaml")):
            files[Path("mappings", connector, spec.name)] = spec.read_bytes()
    for schema in sorted(SCHEMA_DIR.glob("*.json")):
        files[Path("schemas", schema.name)] = schema.read_bytes()
    if SHIPPED_CATALOGS.is_dir():
        for catalog in sorted(SHIPPED_CATALOGS.rglob("*.json")):
            files[Path("catalogs", catalog.relative_to(SHIPPED_CATALOGS))] = catalog.read_bytes()
    return files


def scaffold(target: Path, connector: str | None = None) -> list[Path]:
    """Write a new project into ``target`` (created; it may exist only empty); return the
    files written, relative to it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"{target}: already exists and is not an empty folder; "
            "ferry init writes only into a new or empty folder"
        )
    files = plan_project(target, connector)
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return sorted(files)
