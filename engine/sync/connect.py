"""Open the endpoints of a ``kind: Connections`` file, with problems located in that file."""

from __future__ import annotations

from pathlib import Path

from engine.connections import build_endpoints, check_endpoints
from engine.drivers.base import Driver
from engine.drivers.registry import DriverRegistry
from engine.errors import Problem, SpecError
from engine.source import SourceMap
from engine.specfile import load_document


def _path_of(json_path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for part in (
        json_path.removeprefix("$").strip(".").replace("[", ".").replace("]", "").split(".")
    ):
        if part:
            parts.append(int(part) if part.isdigit() else part.strip("'"))
    return tuple(parts)


def locate(problems: list[Problem], source: SourceMap) -> list[Problem]:
    """Give driver-level problems (which know only a JSON path) their line and column."""
    out = []
    for problem in problems:
        where = source.locate(_path_of(problem.json_path))
        out.append(
            Problem(
                where,
                problem.message,
                problem.json_path,
                problem.code,
                problem.field,
                problem.hint,
                problem.rank,
            )
        )
    return out


def connection_problems(data: dict[str, object], source: SourceMap) -> list[Problem]:
    """What ``ferry validate`` reports for a Connections file (no secret is resolved)."""
    return locate(check_endpoints(data, DriverRegistry.default(), source=source.file), source)


def open_endpoints(path: Path) -> dict[str, Driver]:
    """Load, check and connect every endpoint (secrets resolved from the environment)."""
    doc = load_document(path, kind="Connections")
    try:
        return build_endpoints(doc.data, path.parent, DriverRegistry.default(), source=str(path))
    except SpecError as exc:
        raise SpecError(locate(exc.problems, doc.source)) from exc


def close_endpoints(endpoints: dict[str, Driver]) -> None:
    for driver in endpoints.values():
        driver.close()
