"""docs/architecture.md's module table stays true: every module and package under ``engine/`` is
listed, and nothing listed is gone.

The rule (stated in the doc): every ``engine/*.py`` has a row naming it; every package
``engine/<name>/`` has a row, and that row names each module (``store.py``) and subpackage
(``zuora/``) directly inside it, ``__init__.py`` excepted."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

ENGINE = ROOT / "engine"
DOC = ROOT / "docs" / "architecture.md"
CODE = re.compile(r"`([^`]+)`")


def _table() -> dict[str, str]:
    """Each row's first-column paths, mapped to the whole row's text."""
    text = DOC.read_text().split("## Modules", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("| `engine/"):
            continue
        first = line.split("|")[1]
        for name in CODE.findall(first):
            rows[name] = line
    return rows


def _is_package(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(("_", ".")) and any(path.glob("*.py"))


def _contents(package: Path) -> set[str]:
    modules = {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    return modules | {f"{p.name}/" for p in package.iterdir() if _is_package(p)}


def test_every_module_and_package_has_a_row() -> None:
    rows = _table()
    modules = {f"engine/{p.name}" for p in ENGINE.glob("*.py")}
    packages = {f"engine/{p.name}/" for p in ENGINE.iterdir() if _is_package(p)}

    assert sorted((modules | packages) - rows.keys()) == []


def test_nothing_listed_is_gone() -> None:
    gone = [name for name in _table() if not (ROOT / name).exists()]

    assert gone == []


def test_each_package_row_names_what_is_inside() -> None:
    rows = _table()
    unnamed: dict[str, list[str]] = {}
    stale: dict[str, list[str]] = {}
    for name, row in rows.items():
        if not name.endswith("/"):
            continue
        package = ROOT / name
        named = {n for n in CODE.findall(row) if n.endswith(".py") or re.fullmatch(r"\w+/", n)}
        inside = _contents(package)
        if missing := sorted(inside - named):
            unnamed[name] = missing
        # a module the row names that is no longer in the package
        if gone := sorted(n for n in named if n.endswith(".py") and not (package / n).exists()):
            stale[name] = gone
    assert unnamed == {}
    assert stale == {}
