"""Open the endpoints of a ``kind: Connections`` file, with problems located in that file."""

from __future__ import annotations

from pathlib import Path

from engine.check.specfile import load_document
from engine.errors import SpecError
from engine.model.frozen import thaw
from engine.model.nodes import Connections
from engine.run.connections import build_endpoints, locate
from engine.run.drivers.base import Driver
from engine.run.drivers.registry import DriverRegistry


def open_endpoints(path: Path) -> dict[str, Driver]:
    """Load, check and connect every endpoint (secrets resolved from the environment)."""
    doc = load_document(path, kind="Connections")
    model = doc.model
    assert isinstance(model, Connections)
    endpoints = {
        name: {"driver": e.driver, "options": thaw(e.options)}
        for name, e in model.endpoints.items()
    }
    try:
        return build_endpoints(
            {"endpoints": endpoints}, path.parent, DriverRegistry.default(), source=str(path)
        )
    except SpecError as exc:
        raise SpecError(locate(exc.problems, doc.source)) from exc


def close_endpoints(endpoints: dict[str, Driver]) -> None:
    for driver in endpoints.values():
        driver.close()
