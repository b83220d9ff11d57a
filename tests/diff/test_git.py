"""``ferry diff --rev REV PATH...`` in temporary git repositories made by the tests.

The old side is read from git (``ls-tree`` and ``cat-file``) and shown as ``REV:path``; files
added or removed since the revision become specs added or removed; the Settings file a mapping
names is fetched from the revision too, so the old version renders with its own settings.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.diff.scenario import SPEC, consultant_repo, edit, git

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(consultant_repo(tmp_path))
    return tmp_path


def _changes(result: Any) -> list[dict[str, Any]]:
    report = json.loads(result.out)
    return [c for spec in report["specs"] for c in spec["changes"]]


def test_rev_compares_the_working_tree_with_the_revision(
    repo: Path, ferry: Callable[..., Any]
) -> None:
    result = ferry("diff", "--rev", "main", "mappings", "--format", "json")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["old"], report["new"]) == ("main", "working tree")
    removed = [c for c in _changes(result) if c["category"] == "field-removed"]
    assert removed[0]["old"]["file"] == f"main:{SPEC}"
    assert removed[0]["new"] is None
    statuses = {s["name"]: s["status"] for s in report["specs"]}
    assert statuses == {"zuora-netsuite/customer": "changed", "zuora-netsuite": "unchanged"}


def test_rev_sees_files_added_and_removed_since_the_revision(
    repo: Path, ferry: Callable[..., Any]
) -> None:
    git(repo, "checkout", "--quiet", "--", SPEC)
    (repo / SPEC).rename(repo / "mappings/zuora-netsuite/account.yaml")
    edit(
        repo / "mappings/zuora-netsuite/account.yaml",
        (("  name: zuora-netsuite/customer\n", "  name: zuora-netsuite/account\n"),),
    )

    result = ferry("diff", "--rev", "main", "mappings/", "--format", "json")

    categories = sorted((c["severity"], c["category"], c["subject"]) for c in _changes(result))
    assert categories == [
        ("breaking", "spec-removed", "Mapping zuora-netsuite/customer"),
        ("info", "spec-added", "Mapping zuora-netsuite/account"),
    ]


def test_rev_of_a_deleted_file_reports_its_specs_removed(
    repo: Path, ferry: Callable[..., Any]
) -> None:
    (repo / SPEC).unlink()

    result = ferry("diff", "--rev", "main", SPEC, "--format", "json")

    assert result.code == 0, result.err
    assert [c["category"] for c in _changes(result)] == ["spec-removed"]


def test_rev_with_an_older_commit_and_a_folder_from_below(
    repo: Path, ferry: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "commit", "--quiet", "-am", "Japan launch")
    edit(repo / SPEC, (("  version: 1\n", "  version: 2\n"),))
    monkeypatch.chdir(repo / "mappings")

    result = ferry("diff", "--rev", "HEAD~1", "zuora-netsuite", "--format", "json")

    assert result.code == 0, result.err
    spec = json.loads(result.out)["specs"][0]
    assert (spec["old_version"], spec["new_version"], spec["version_problem"]) == (1, 2, None)
    assert spec["old_file"] == f"HEAD~1:{SPEC}"
    assert spec["new_file"] == "zuora-netsuite/customer.yaml"


def test_check_version_fails_until_the_version_is_bumped(
    repo: Path, ferry: Callable[..., Any]
) -> None:
    before = ferry("diff", "--rev", "HEAD", "--check-version", SPEC)
    edit(repo / SPEC, (("  version: 1\n", "  version: 2\n"),))
    after = ferry("diff", "--rev", "HEAD", "--check-version", SPEC)

    assert before.code == 1
    assert before.out == (
        f"{SPEC}:6: zuora-netsuite/customer changed in meaning (1 breaking, 4 risky) but "
        "metadata.version is still 1; set it to 2\n"
    )
    assert (after.code, after.out) == (0, "")


def test_rev_outside_a_git_repository_is_a_usage_error(
    tmp_path: Path, ferry: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spec.yaml").write_text("apiVersion: ferry/v1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))

    result = ferry("diff", "--rev", "main", "spec.yaml")

    assert result.code == 2
    assert "not inside a git repository" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rev", "no-such-branch", "mappings"), "unknown git revision 'no-such-branch'"),
        (("--rev", "main", "nowhere.yaml"), "nowhere.yaml: no such file or folder"),
        (("--rev", "main", "--label", "x", "mappings"), "--label"),
    ],
)
def test_rev_usage_errors(
    repo: Path, ferry: Callable[..., Any], args: tuple[str, ...], message: str
) -> None:
    result = ferry("diff", *args)

    assert result.code == 2
    assert message in result.err
