"""Every command is documented: an example in its help, and a row in the README."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.cli import COMMANDS
from tests.conftest import ROOT


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_every_command_has_an_example_in_its_help(command: Any, ferry: Callable[..., Any]) -> None:
    result = ferry(command.name, "--help")

    assert result.code == 0
    assert "example:" in result.out
    assert f"ferry {command.name}" in result.out.split("example:", 1)[1]


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_every_command_is_in_the_readme(command: Any) -> None:
    readme = (ROOT / "README.md").read_text()

    assert f"`ferry {command.name}" in readme or f"ferry {command.name} " in readme


def test_no_command_is_a_usage_error(ferry: Callable[..., Any]) -> None:
    result = ferry()

    assert result.code == 2
