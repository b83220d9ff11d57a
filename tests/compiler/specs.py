"""Writing small Mapping and Settings specs to disk and compiling them, for the compiler tests.

Specs built from Python data are written as JSON, which is YAML 1.2: no quoting surprises for
generated expressions. Hand-written specs are YAML text, so tests can point at their lines.
"""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

import engine

HEADER: dict[str, Any] = {
    "apiVersion": "ferry/v1",
    "kind": "Mapping",
    "metadata": {"name": "test/spec", "version": 1},
    "source": {"endpoint": "src", "object": "thing"},
    "destination": {"endpoint": "dst", "object": "other"},
    "identity": {"external_id": {"from": "id"}},
}

HEADER_YAML = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: test/spec, version: 1}
source: {endpoint: src, object: thing}
destination: {endpoint: dst, object: other}
identity: {external_id: {from: id}}
"""
HEADER_LINES = HEADER_YAML.count("\n")

_names = itertools.count()


class SpecWriter:
    """Writes specs and settings into one folder and compiles them (cached by content)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._plans: dict[tuple[str, str | None], engine.Plan] = {}

    def path(self, suffix: str = ".yaml") -> Path:
        return self.folder / f"spec{next(_names)}{suffix}"

    def yaml(self, body: str) -> Path:
        """A Mapping file: the common header, then ``body`` (dedented YAML)."""
        path = self.path()
        path.write_text(HEADER_YAML + textwrap.dedent(body))
        return path

    def data(self, body: dict[str, Any]) -> Path:
        """A Mapping file from data: the common header merged with ``body``."""
        path = self.path()
        path.write_text(json.dumps({**HEADER, **body}, indent=1))
        return path

    def settings(self, values: dict[str, Any]) -> Path:
        """A Settings file; settings not given keep their defaults."""
        path = self.path()
        doc = {
            "apiVersion": "ferry/v1",
            "kind": "Settings",
            "metadata": {"name": "test-settings", "version": 1},
            "settings": values,
        }
        path.write_text(json.dumps(doc, indent=1))
        return path

    def plan(self, body: str | dict[str, Any], settings: Path | None = None) -> engine.Plan:
        """Compile ``body`` (YAML text or data), caching plans of identical content."""
        key = (body if isinstance(body, str) else json.dumps(body, sort_keys=True), str(settings))
        if key not in self._plans:
            path = self.yaml(body) if isinstance(body, str) else self.data(body)
            self._plans[key] = engine.load_mapping(path, settings)
        return self._plans[key]


def line_of(path: Path | str, needle: str) -> int:
    """The 1-based number of the only line of ``path`` containing ``needle``."""
    lines = [i for i, text in enumerate(Path(path).read_text().splitlines(), 1) if needle in text]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def streamed(plan: engine.Plan, record: Any, mode: Any = "create") -> dict[str, Any] | None:
    """What ``Plan.render_many`` yields for ``record`` alone. The stream runs a generated
    function of its own (same body, different entry), so the tier checks check it too."""
    return next(plan.render_many([record], mode=mode))
