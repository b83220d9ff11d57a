"""Bad specs, kept as data: each file in ``tests/cases/validate/`` is one case.

A case gives the spec text and the error expected (line, column, JSON path, code, and optional
words of the message, the destination field, and ``only`` when it must be the single error);
``args`` adds command-line options (``--strict``).
A case marked ``hostile`` runs ``ferry`` in a child process under a time and memory ceiling
(``tests.guarded``), so a regressed budget fails the case instead of hanging the suite.
Adding a case needs no Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.load.source import load_path
from tests.guarded import run_guarded

CASES = sorted((Path(__file__).parent.parent / "cases" / "validate").glob("*.yaml"))


def _write_spec(case: dict[str, Any], target: Path) -> None:
    data = case["spec"].encode()
    for marker, hex_bytes in (case.get("replace_bytes") or {}).items():
        data = data.replace(marker.encode(), bytes.fromhex(hex_bytes))
    if case.get("pad_bytes"):
        data += b"# " + b"x" * int(case["pad_bytes"]) + b"\n"
    target.write_bytes(data)


def _matches(problem: dict[str, Any], expected: dict[str, Any]) -> bool:
    text = f"{problem['message']} {problem.get('hint') or ''}"
    return (
        problem["line"] == expected["line"]
        and problem["column"] == expected["column"]
        and problem["code"] == expected["code"]
        and ("path" not in expected or problem["json_path"] == expected["path"])
        and ("field" not in expected or problem["field"] == expected["field"])
        and expected.get("message", "") in text
    )


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_bad_spec_is_reported_at_its_place(
    case_file: Path, tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    loaded = load_path(case_file)
    assert not loaded.problems, [p.render() for p in loaded.problems]
    case = loaded.data
    spec = tmp_path / "spec.yaml"
    _write_spec(case, spec)

    run = run_guarded if case.get("hostile") else ferry
    result = run("validate", "--format", "json", *case.get("args", []), str(spec))

    assert result.code == 1, result
    assert "Traceback" not in result.err
    problems = json.loads(result.out)["problems"]
    expected = case["error"]
    assert any(_matches(p, expected) for p in problems), json.dumps(problems, indent=1)
    if expected.get("only"):
        assert len(problems) == 1, json.dumps(problems, indent=1)


def test_text_output_names_file_line_and_column(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    spec = tmp_path / "typo.yaml"
    spec.write_text("apiVersion: ferry/v1\nkind: Maping\n")

    result = ferry("validate", str(spec))

    assert result.code == 1
    assert f"{spec}:2:7: unknown kind 'Maping' (did you mean 'Mapping'?)" in result.out


def test_python_tag_never_executes(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    canary = tmp_path / "pwned"
    spec = tmp_path / "evil.yaml"
    spec.write_text(f"a: !!python/object/apply:os.system ['touch {canary}']\n")

    result = ferry("validate", str(spec))

    assert result.code == 1
    assert not canary.exists()


def test_missing_path_is_a_usage_error(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    result = ferry("validate", str(tmp_path / "nope.yaml"))

    assert result.code == 2
    assert "no such file" in result.err


def test_unknown_option_is_a_usage_error(ferry: Callable[..., Any]) -> None:
    assert ferry("validate", "--colour", "mappings").code == 2
