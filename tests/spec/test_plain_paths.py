"""A path of plain names (``billTo.city``), and one compared with a raw string
(``record.status == 'Active'``), are compiled without JMESPath's general parser
(``expressions._plain_path``, ``_plain_comparison``): the syntax tree, and everything made from
it, must be exactly what the parser gives (its ``repr`` too: the order of its keys), and every
other expression must still go through the parser (its errors, with their columns, included)."""

from __future__ import annotations

import string
from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.language import expressions
from engine.language.expressions import ExpressionSyntaxError, compile_expression

_NAMES = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=6).filter(
    lambda n: not n[0].isdigit()
)
_PLAIN = st.lists(_NAMES, min_size=1, max_size=6).map(".".join)
_OTHER = st.sampled_from(
    [
        '"quoted"',
        '"with space"',
        '"esc\\"aped"',
        '"\\u00e9"',
        "true",
        "null",
        "and",
        "or",
        "é",
        "ñame",
        "1a",
        "",
        " ",
        "a ",
        "[0]",
        "*",
        "`1`",
        "'lit'",
        "length(@)",
        "\n",
    ]
)
_PARTS = st.one_of(_NAMES, _OTHER)
_SEPARATORS = st.sampled_from([".", ".", ".", ". ", " .", "..", "|", "[0].", ""])


@st.composite
def _paths(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_PARTS, min_size=1, max_size=5))
    text = parts[0]
    for part in parts[1:]:
        text += draw(_SEPARATORS) + part
    return text


_USUAL = st.builds(
    lambda left, op, text: f"{left} {op} '{text}'",
    _PLAIN,
    st.sampled_from(["==", "!="]),
    st.text("ab 1\\né'", max_size=6),
)
_VARIED = st.builds(
    lambda left, space, op, right, literal: left + space + op + right + literal,
    st.one_of(_PLAIN, _paths()),
    st.sampled_from([" ", "", "  "]),
    st.sampled_from(["==", "!=", "<", "=", "==="]),
    st.sampled_from([" ", "", "  "]),
    st.one_of(
        st.text("ab 1'\\\"\né`", max_size=6).map(lambda t: f"'{t}'"),
        st.sampled_from(["'x", "x'", "`1`", '"x"', "'x' == 'y'", "'a'b"]),
    ),
)
_COMPARISONS = st.one_of(_USUAL, _VARIED)


def _outcome(text: str) -> tuple[Any, ...]:
    try:
        return ("parsed", repr(jmespath.compile(text).parsed))
    except Exception as exc:
        return ("error", type(exc).__name__)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_PLAIN, _paths()))
def test_a_plain_path_gets_the_tree_the_parser_builds(text: str) -> None:
    tree = expressions._plain_path(text)
    if tree is not None:
        assert _outcome(text) == ("parsed", repr(tree))


@settings(max_examples=500, deadline=None)
@given(_COMPARISONS)
def test_a_plain_comparison_gets_the_tree_the_parser_builds(text: str) -> None:
    tree = expressions._plain_comparison(text)
    if tree is not None:
        assert _outcome(text) == ("parsed", repr(tree))


@pytest.mark.parametrize(
    "text", ["record.status == 'Active'", "a.b != ''", "record.terms == 'Net 30'", "a == 'é'"]
)
def test_usual_guards_take_the_fast_route(text: str) -> None:
    tree = expressions._plain_comparison(text)
    assert tree is not None
    assert repr(tree) == repr(jmespath.compile(text).parsed)


@settings(max_examples=300, deadline=None)
@given(_PLAIN)
def test_every_plain_path_takes_the_fast_route(text: str) -> None:
    assert expressions._plain_path(text) == jmespath.compile(text).parsed


@settings(max_examples=300, deadline=None)
@given(st.one_of(_PLAIN, _paths(), _COMPARISONS))
def test_compiled_expressions_are_what_jmespath_compiles(text: str) -> None:
    expressions.compile_expression.cache_clear()
    try:
        compiled = compile_expression(text)
    except Exception:  # refused (or empty, which JMESPath raises as it is): not a plain path
        assert expressions._plain_path(text) is None
        assert expressions._plain_comparison(text) is None
        return
    assert compiled.expression == text
    assert compiled.parsed == jmespath.compile(text).parsed
    if expressions._plain_path(text) or expressions._plain_comparison(text):
        record = {"a": {"b": 1}, "billTo": {"city": "Oslo"}}
        assert compiled.search(record) == jmespath.search(text, record)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("billTo.", "invalid expression: unexpected token", 7),
        ("billTo..city", "invalid expression: unexpected token '.'", 7),
        ("1billTo", "invalid expression: unexpected token 1", 0),
    ],
)
def test_broken_paths_still_get_the_parsers_errors(text: str, message: str, column: int) -> None:
    expressions.compile_expression.cache_clear()
    with pytest.raises(ExpressionSyntaxError) as raised:
        compile_expression(text)
    assert (str(raised.value), raised.value.column) == (message, column)
