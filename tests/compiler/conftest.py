"""Fixtures for the compiler and renderer tests: a folder to write specs into."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compiler.specs import SpecWriter


@pytest.fixture
def specs(tmp_path: Path) -> SpecWriter:
    """A spec writer for one test."""
    return SpecWriter(tmp_path)


@pytest.fixture(scope="module")
def shared_specs(tmp_path_factory: pytest.TempPathFactory) -> SpecWriter:
    """A spec writer shared by a module (hypothesis tests may not use function fixtures)."""
    return SpecWriter(tmp_path_factory.mktemp("specs"))
