"""Seed folders: the emulators read one ``<name>.json`` file per collection (Zuora) or record
type and setting (NetSuite). Generators and tests write them through ``write_seed`` so every
seed on disk has the same encoding (exact decimals, indented, newline-terminated)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine import jsonio


def write_seed(directory: Path, files: Mapping[str, Any]) -> dict[str, Path]:
    """Write each ``name → content`` as ``directory/<name>.json``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, content in files.items():
        path = directory / f"{name}.json"
        path.write_bytes(jsonio.dumps(content, pretty=True) + b"\n")
        paths[name] = path
    return paths
