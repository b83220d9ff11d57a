"""The three outputs of ``ferry diff`` for a realistic change to a shipped spec, snapshotted.

Why snapshots: the outputs are read by people (text in a terminal or CI log, markdown pasted
as a pull-request comment) and by tools (json); a change to any of them shows up here as a
reviewable diff of ``__snapshots__/test_snapshots/*``. The scenario (``scenario.py``) runs in a
temporary git repository with relative paths, so nothing needs scrubbing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.conftest import ROOT
from tests.diff.scenario import COMMAND, consultant_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


class TextSnapshot(SingleFileSnapshotExtension):
    """One ``.txt`` file per snapshot, diffable line by line."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


class MarkdownSnapshot(TextSnapshot):
    """One ``.md`` file per snapshot: it renders on GitHub as the comment would."""

    file_extension = "md"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(consultant_repo(tmp_path))
    return tmp_path


def test_text(repo: Path, ferry: Callable[..., Any], snapshot: SnapshotAssertion) -> None:
    result = ferry(*COMMAND)

    assert result.code == 0, result.err
    assert result.out == snapshot.use_extension(TextSnapshot)


def test_markdown(repo: Path, ferry: Callable[..., Any], snapshot: SnapshotAssertion) -> None:
    result = ferry(*COMMAND, "--format", "markdown")

    assert result.code == 0, result.err
    assert result.out == snapshot.use_extension(MarkdownSnapshot)


def test_json(repo: Path, ferry: Callable[..., Any], snapshot_json: SnapshotAssertion) -> None:
    result = ferry(*COMMAND, "--format", "json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == snapshot_json


def test_the_documented_example_is_the_real_output(repo: Path, ferry: Callable[..., Any]) -> None:
    doc = (ROOT / "docs" / "reviewing-changes.md").read_text()

    for fmt in ("text", "markdown"):
        output = ferry(*COMMAND, "--format", fmt).out
        assert output in doc, f"docs/reviewing-changes.md does not show the {fmt} output:\n{output}"
