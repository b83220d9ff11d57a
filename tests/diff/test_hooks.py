"""The pre-commit hooks Ferry offers (``.pre-commit-hooks.yaml``), run as pre-commit would.

pre-commit runs a hook's ``entry`` with the staged files whose path matches ``files`` appended;
these tests do the same through ``ferry``'s entry point, in a temporary git repository.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.load.source import load_path
from tests.conftest import ROOT
from tests.diff.scenario import SPEC, consultant_repo, edit, git

HOOKS = {hook["id"]: hook for hook in load_path(ROOT / ".pre-commit-hooks.yaml").data}


def _run(hook: str, files: list[str], ferry: Callable[..., Any]) -> Any:
    entry = shlex.split(HOOKS[hook]["entry"])
    assert entry[0] == "ferry"
    matching = [f for f in files if re.search(HOOKS[hook]["files"], f)]
    return ferry(*entry[1:], *matching)


def test_hooks_are_complete() -> None:
    assert set(HOOKS) == {"ferry-validate", "ferry-version-bump"}
    for hook in HOOKS.values():
        assert {"id", "name", "description", "entry", "language", "files"} <= set(hook)
        assert re.search(hook["files"], "mappings/zuora-netsuite/customer.yaml")
        assert not re.search(hook["files"], ".pre-commit-config.yaml")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_version_bump_hook_fails_until_the_version_is_bumped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ferry: Callable[..., Any]
) -> None:
    monkeypatch.chdir(consultant_repo(tmp_path))
    staged = [SPEC, "tests/fixtures/zuora-netsuite/zuora-accounts.yaml"]

    forgotten = _run("ferry-version-bump", staged, ferry)
    edit(tmp_path / SPEC, (("  version: 1\n", "  version: 2\n"),))
    bumped = _run("ferry-version-bump", staged, ferry)

    assert forgotten.code == 1
    assert "set it to 2" in forgotten.out
    assert bumped.code == 0, bumped.out + bumped.err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_version_bump_hook_before_the_first_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ferry: Callable[..., Any]
) -> None:
    (tmp_path / "mappings").mkdir()
    shutil.copy(ROOT / SPEC, tmp_path / "mappings" / "customer.yaml")
    shutil.copy(ROOT / "mappings/zuora-netsuite/settings.yaml", tmp_path / "mappings")
    git(tmp_path, "init", "--quiet")
    monkeypatch.chdir(tmp_path)

    result = _run("ferry-version-bump", ["mappings/customer.yaml"], ferry)

    assert result.code == 0, result.err


def test_validate_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ferry: Callable[..., Any]
) -> None:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "bad.yaml").write_text("apiVersion: ferry/v1\nkind: Maping\n")
    monkeypatch.chdir(tmp_path)

    result = _run("ferry-validate", ["mappings/bad.yaml", "README.yaml"], ferry)

    assert result.code == 1
    assert "mappings/bad.yaml:2:7: unknown kind 'Maping'" in result.out
