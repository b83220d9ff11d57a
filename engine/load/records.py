"""Reading records from files: JSON, JSON Lines and YAML, streamed where the format allows.

Why one module: ``ferry render``, the pytest plugin and ``ferry diff --fixtures`` all read
fixture records, and a broken input must be reported the same way everywhere — file and line,
never a traceback. JSON Lines is read one line at a time so a million records stay in constant
memory; a JSON array or a YAML file is read whole (YAML through Ferry's safe loader).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine import jsonio
from engine.errors import UsageError
from engine.load.source import load_path

JSONL_SUFFIXES = (".jsonl", ".ndjson")
YAML_SUFFIXES = (".yaml", ".yml")


def _check(record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise UsageError(f"{where}: a record must be a JSON object, got {type(record).__name__}")
    return record


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = jsonio.loads_exact(line)
            except jsonio.JSONDecodeError as exc:
                raise UsageError(f"{path}:{number}: invalid JSON: {exc}") from exc
            yield record if record.__class__ is dict else _check(record, f"{path}:{number}")


def _json(path: Path) -> Iterator[dict[str, Any]]:
    try:
        data = jsonio.loads_exact(path.read_bytes())
    except jsonio.JSONDecodeError as exc:
        raise UsageError(f"{path}: invalid JSON: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    for index, record in enumerate(items):
        yield _check(record, f"{path}[{index}]")


def _yaml(path: Path) -> Iterator[dict[str, Any]]:
    loaded = load_path(path, exact_numbers=True)  # amounts read as written, like JSON
    if loaded.problems:
        raise UsageError("\n".join(p.render() for p in loaded.problems))
    data = loaded.data
    items = data if isinstance(data, list) else [data]
    for index, record in enumerate(items):
        yield _check(record, str(loaded.source.locate((index,))))


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of a file, choosing the format by its suffix."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return _json_lines(path)
    if suffix in YAML_SUFFIXES:
        return _yaml(path)
    if suffix == ".json":
        return _json(path)
    raise UsageError(f"{path}: unknown record format (use .json, .jsonl, .ndjson, .yaml, .yml)")
