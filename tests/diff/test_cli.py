"""``ferry diff`` as CI and people call it: exit codes, usage errors, invalid input.

Exit codes: 0 (whatever changed), 1 when ``--fail-on`` finds a change at or above its severity
or a version was not bumped (or ``--check-version`` finds that), or a spec is invalid (located
problems, never a traceback), 2 for usage errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CASES = ROOT / "tests" / "cases" / "diff"


def _pair(case: str) -> tuple[str, str]:
    return str(CASES / case / "old.yaml"), str(CASES / case / "new.yaml")


@pytest.mark.parametrize(
    ("case", "fail_on", "code"),
    [
        ("field-removed", "breaking", 1),  # a breaking change
        ("transform-changed", "breaking", 0),  # risky only
        ("transform-changed", "risky", 1),
        ("transform-changed", "info", 1),  # at or above
        ("descriptions-and-comments", "risky", 0),  # info only, no bump needed
        ("descriptions-and-comments", "info", 1),
        ("version-not-bumped", "breaking", 1),  # risky, but the version was not bumped
        ("reorder-is-no-change", "info", 0),
    ],
)
def test_fail_on(case: str, fail_on: str, code: int, ferry: Callable[..., Any]) -> None:
    result = ferry("diff", *_pair(case), "--fail-on", fail_on)

    assert result.code == code, result.out + result.err


def test_without_fail_on_changes_do_not_fail(ferry: Callable[..., Any]) -> None:
    assert ferry("diff", *_pair("field-removed")).code == 0
    assert ferry("diff", *_pair("version-not-bumped")).code == 0


def test_check_version_alone(ferry: Callable[..., Any]) -> None:
    bumped = ferry("diff", *_pair("field-removed"), "--check-version")
    forgotten = ferry("diff", *_pair("version-not-bumped"), "--check-version")

    assert (bumped.code, bumped.out) == (0, "")
    assert "consistent in 1 spec(s)" in bumped.err
    assert forgotten.code == 1
    assert forgotten.out.endswith(
        "version-not-bumped/new.yaml:5: t/customer changed in meaning (1 risky) but "
        "metadata.version is still 1; set it to 2\n"
    )


def test_invalid_spec_on_one_side_is_reported_located(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    old, _ = _pair("field-removed")
    broken = tmp_path / "new.yaml"
    text = Path(old).read_text().replace("transforms: [trim, lower]", "transforms: [trim, lowr]")
    broken.write_text(text)

    result = ferry("diff", old, str(broken))

    assert result.code == 1
    assert f"{broken}:51:24: unknown transform 'lowr' (did you mean 'lower'?)" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_problems_of_both_sides_are_listed(tmp_path: Path, ferry: Callable[..., Any]) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: ferry/v1\nkind: Maping\n")
    (tmp_path / "b.yaml").write_text("apiVersion: ferry/v2\n")

    result = ferry("diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))

    assert result.code == 1
    assert f"{tmp_path / 'a.yaml'}:2:7: unknown kind 'Maping'" in result.err
    assert f"{tmp_path / 'b.yaml'}:1:13: unknown apiVersion 'ferry/v2'" in result.err


def test_the_same_name_twice_in_a_folder_is_refused(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    old, new = _pair("field-removed")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.yaml").write_text(Path(new).read_text())
    (tmp_path / "folder" / "b.yaml").write_text(Path(new).read_text())

    result = ferry("diff", old, str(tmp_path / "folder"))

    assert result.code == 1
    assert "name 't/customer' is also used by" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("only-one.yaml",), "give two paths, OLD and NEW (got 1)"),
        (("a.yaml", "b.yaml", "c.yaml"), "(got 3)"),
        (("missing.yaml", "{new}"), "missing.yaml: no such file or folder"),
        (("{old}", "{new}", "--fail-on", "fatal"), "invalid choice"),
        (("{old}", "{new}", "--format", "html"), "invalid choice"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str, ferry: Callable[..., Any]) -> None:
    old, new = _pair("field-removed")
    result = ferry("diff", *(a.format(old=old, new=new) for a in args))

    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_label_names_lone_files(ferry: Callable[..., Any]) -> None:
    result = ferry("diff", *_pair("field-removed"), "--label", "mappings/customer.yaml")

    assert result.out.startswith(
        "ferry diff: mappings/customer.yaml (old) → mappings/customer.yaml (new)\n"
    )
    assert "where  mappings/customer.yaml:52 → (absent)" in result.out


def test_difftool_copy_without_its_settings_file_is_still_compared(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    spec = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
    lone = tmp_path / "customer.yaml"  # what git difftool hands over: no settings.yaml beside it
    lone.write_text(spec.read_text().replace("transforms: [trim, lower]", "transforms: [trim]"))

    result = ferry(
        "diff",
        str(lone),
        str(spec),
        "--fixtures",
        str(ROOT / "tests" / "fixtures" / "zuora-netsuite"),
    )

    assert result.code == 0, result.err
    assert "transforms changed: added lower" in result.out
    assert "settings file 'settings.yaml' not found beside it" in result.out


def test_a_transform_spelled_with_its_default_parameters_is_no_change(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    old, _ = _pair("field-removed")
    text = Path(old).read_text()
    assert "transforms: [trim, lower]" in text
    new = tmp_path / "new.yaml"
    new.write_text(text.replace("[trim, lower]", "[{trim: {collapse: false}}, lower]"))

    shown = ferry("diff", old, str(new), "--fail-on", "info")
    checked = ferry("diff", old, str(new), "--check-version")
    changed = new.read_text().replace("collapse: false", "collapse: true")
    new.write_text(changed)
    collapsed = ferry("diff", old, str(new), "--check-version")

    assert shown.code == 0, shown.out + shown.err
    assert "unchanged: t/customer" in shown.out
    assert "summary: 0 breaking, 0 risky, 0 info" in shown.out
    assert (checked.code, checked.out) == (0, "")
    assert collapsed.code == 1
    assert "changed in meaning (1 risky)" in collapsed.out


def test_the_options_offer_exactly_the_diffs_formats_and_severities() -> None:
    """The names are written out in the command module (so ``--help`` imports no diff
    machinery); they must stay the diff's own, in its order."""
    from engine.cli.diff_cmd import FORMAT_NAMES, SEVERITY_NAMES
    from engine.diff import FORMATS, Severity

    assert tuple(FORMATS) == FORMAT_NAMES
    assert tuple(s.value for s in Severity) == SEVERITY_NAMES
