"""Text edits and text building: refusals, parameter checks, and properties found by hypothesis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TransformError
from engine.transforms import MISSING, TransformParamsError
from tests.transforms.helpers import build, context


@pytest.mark.parametrize("name", ["trim", "upper", "lower", "split_before_space"])
@pytest.mark.parametrize("value", [42, Decimal("1.5"), True, ["a"], {"a": 1}])
def test_text_edits_refuse_non_text(name: str, value: Any) -> None:
    with pytest.raises(TransformError, match=r"expected text, got .*\(") as caught:
        build(name)(value)
    assert "record" not in str(caught.value)


def test_text_edits_skip_missing() -> None:
    assert build("upper")(None) is MISSING


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ACME-001 Acme Corp", "ACME-001"),
        ("ACME-001", "ACME-001"),
        ("  ACME-001  Acme", "ACME-001"),
        ("ACME-001\tAcme Corp", "ACME-001\tAcme"),
    ],
)
def test_split_before_space(value: str, expected: str) -> None:
    assert build("split_before_space")(value) == expected


@pytest.mark.parametrize("value", ["", " ", "    "])
def test_split_before_space_refuses_an_empty_result(value: str) -> None:
    with pytest.raises(TransformError, match="nothing before the first ' '"):
        build("split_before_space")(value)


@given(st.text(min_size=1).filter(lambda s: s.strip(" ")))
def test_split_before_space_properties(value: str) -> None:
    run = build("split_before_space")
    head = run(value)
    assert " " not in head
    assert value.lstrip(" ").startswith(head)
    assert run(head) == head  # idempotent


@given(st.text(), st.integers(min_value=1, max_value=20), st.sampled_from(["", ".", "..."]))
def test_truncate_never_exceeds_length(value: str, length: int, ellipsis: str) -> None:
    if len(ellipsis) >= length:
        return
    out = build("truncate", length=length, ellipsis=ellipsis)(value)
    assert len(out) <= length
    assert out == value or out.endswith(ellipsis)


def test_truncate_parameter_checks() -> None:
    with pytest.raises(TransformParamsError, match="must be shorter than length 3"):
        build("truncate", length=3, ellipsis="...")
    with pytest.raises(TransformParamsError, match="parameter 'length'"):
        build("truncate", length=-1)


def test_truncate_uses_destination_limit() -> None:
    run = build("truncate", ctx=context(limits={"max_length": 83}))
    assert run("x" * 100) == "x" * 83


def test_trim_collapse_and_characters() -> None:
    assert build("trim", collapse=True)("\n a \u00a0 b\t") == "a b"
    assert build("trim", characters="*")("**a b**") == "a b"


def test_replace_is_literal() -> None:
    assert build("replace", old=".*", new="")("a.*b.*") == "ab"


# -- building text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8a80", "Zuora Charge 8a80"), (7, "Zuora Charge 7"), (Decimal("1E+2"), "Zuora Charge 100")],
)
def test_prefix_accepts_ids_and_numbers(value: Any, expected: str) -> None:
    assert build("prefix", text="Zuora Charge ")(value) == expected


@pytest.mark.parametrize("value", [1.5, True, b"12", {"id": 1}])
def test_prefix_refuses_floats_booleans_and_maps(value: Any) -> None:
    with pytest.raises(TransformError, match="expected text, an integer or a Decimal"):
        build("prefix", text="X")(value)


def test_suffix() -> None:
    assert build("suffix", text="-Z")(12) == "12-Z"


def test_concat_parts() -> None:
    run = build("concat", parts=[{"path": "a.b"}, "-", {"path": "c"}], on_missing="empty")
    assert run({"a": {"b": "x"}, "c": 2}) == "x-2"
    assert run({"c": 2}) == "-2"


def test_concat_bad_path_is_a_parameter_error() -> None:
    with pytest.raises(TransformParamsError) as caught:
        build("concat", parts=["x", {"path": "a[0]"}])
    [problem] = caught.value.problems
    assert problem.path == ("concat", "parts", 1, "path")
    assert "not a simple dotted path" in problem.message


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("Zuora Charge {value}", "8a", "Zuora Charge 8a"),
        ("{value}", 5, "5"),
        ("[{value}]", "x", "[x]"),
        ("{{{value}}}", "x", "{x}"),
        ("{value:>5}|{value:<3}", "ab", "   ab|ab "),
        ("{value:,}", 1234567, "1,234,567"),
        ("{value:.2f}", Decimal("2.345"), "2.34"),
    ],
)
def test_format(template: str, value: Any, expected: str) -> None:
    assert build("format", template=template)(value) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{value.__class__}", "only {value} is allowed"),
        ("{value[0]}", "only {value} is allowed"),
        ("{0}", "only {value} is allowed"),
        ("{}", "only {value} is allowed"),
        ("{value!r}", "only {value} is allowed"),
        ("{value:{value}}", "no nested"),
        ("{value:0>999999999}", "at most 3 digits of width"),
        ("{value:.9999f}", "at most 3 digits of width and of precision"),
        ("no placeholder", "has no {value}"),
        ("{value", "is not allowed"),
    ],
)
def test_format_refuses_unsafe_templates(template: str, message: str) -> None:
    with pytest.raises(TransformParamsError, match=rf"parameter 'template': .*{message}"):
        build("format", template=template)


def test_format_spec_mismatch_is_a_value_error() -> None:
    with pytest.raises(TransformError, match="cannot format 'abc' with ',d'"):
        build("format", template="{value:,d}")("abc")
