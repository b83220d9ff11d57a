"""Shared fixtures for transform tests: a registry holding the built-ins only."""

from __future__ import annotations

import pytest

from engine.transforms import TransformRegistry
from engine.transforms.builtins import BUILTINS


@pytest.fixture
def registry() -> TransformRegistry:
    """Built-ins only: installed plugins must not change what these tests see."""
    return TransformRegistry(BUILTINS)
