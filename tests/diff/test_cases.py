"""Pairs of spec versions, kept as data: each folder of ``tests/cases/diff/`` is one case.

A case holds ``old.yaml``, ``new.yaml`` and ``expected.yaml``: the changes ``ferry diff``
must report (severity and category, and optionally subject, field, a word of the summary, the
before and after values, the line in each version) and whether the version check complains.
Every reported change must be expected and every expected change reported, so a case also
fails when the diff says too much. Adding a case needs no Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.load.source import load_path
from tests.conftest import ROOT

CASES = sorted(p for p in (ROOT / "tests" / "cases" / "diff").iterdir() if p.is_dir())


def _matches(change: dict[str, Any], expected: dict[str, Any]) -> bool:
    simple = ("severity", "category", "subject", "field", "before", "after")
    if any(key in expected and change.get(key) != expected[key] for key in simple):
        return False
    if "summary" in expected and expected["summary"] not in change["summary"]:
        return False
    for side in ("old", "new"):
        line = expected.get(f"{side}_line")
        if line is not None and (change[side] or {}).get("line") != line:
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, ferry: Callable[..., Any]) -> None:
    expected = load_path(case / "expected.yaml").data

    result = ferry("diff", str(case / "old.yaml"), str(case / "new.yaml"), "--format", "json")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    changes = [c for spec in report["specs"] for c in spec["changes"]]
    unmatched = list(changes)
    for want in expected["changes"]:
        found = [c for c in unmatched if _matches(c, want)]
        assert len(found) == 1, f"expected {want}, found {len(found)} in\n" + json.dumps(
            changes, indent=1
        )
        unmatched.remove(found[0])
    assert not unmatched, "unexpected changes:\n" + json.dumps(unmatched, indent=1)
    problems = [s["version_problem"] for s in report["specs"] if s["version_problem"]]
    assert bool(problems) is expected["version_problem"], problems


def test_cases_cover_every_category() -> None:
    from engine.diff import Category

    seen = {
        change["category"]
        for case in CASES
        for change in load_path(case / "expected.yaml").data["changes"]
    }
    untested = {c.value for c in Category} - seen
    # A valid spec cannot hold a key the schema does not know: test_rules.py tests that net.
    assert untested <= {"unrecognised"}, untested
