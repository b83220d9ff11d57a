"""Fixtures shared by the whole suite."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    """What a ``ferry`` invocation did: exit code and both streams."""

    code: int
    out: str
    err: str


@pytest.fixture
def ferry() -> Callable[..., CliResult]:
    """Run the ``ferry`` command in-process, through its public entry point."""

    def run(*argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
