"""libyaml's event stream (``engine.load.fastparse``) builds exactly what the reference parser
builds.

Loading reads YAML with libyaml where it is known to agree with ruamel's pure-Python parser and
hands everything else to ruamel. These tests compare the two builds (data, source map, problems)
over every YAML file of the repository and over generated texts made of the constructs where
the parsers were found to differ; they check the fast path is really taken for the shipped
mappings, and that each known disagreement goes to the reference parser.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.load import fastparse, scalars, source

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    path
    for pattern in ("*.yaml", "*.yml")
    for path in ROOT.rglob(pattern)
    if not {".venv", "node_modules", ".git"} & set(path.relative_to(ROOT).parts)
)

needs_libyaml = pytest.mark.skipif(not fastparse.available(), reason="PyYAML built without libyaml")


def built(loaded: source.Loaded) -> tuple[Any, ...]:
    """Everything a build hands on, comparable (``repr`` keeps NaN and Decimal apart)."""
    problems = [(p.location, p.message, p.json_path, p.code, p.hint) for p in loaded.problems]
    kept = loaded.source
    return (
        repr(loaded.data),
        kept.values,
        kept.keys,
        kept.plain_scalars,
        kept.plain_text,
        problems,
    )


def test_the_repository_has_yaml_files_to_compare() -> None:
    assert len(YAML_FILES) > 50


@needs_libyaml
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_repository_loads_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    for exact in (False, True):
        reference = source.parse_reference(text, "f.yaml", exact)
        fast = source.parse_fast(text, "f.yaml", exact)
        if fast is not None:
            assert built(fast) == built(reference)
        assert built(source.load_text(text, f"{path}-{exact}", exact_numbers=exact)) == built(
            source.parse_reference(text, f"{path}-{exact}", exact)
        )


@needs_libyaml
def test_the_shipped_mappings_take_the_fast_path() -> None:
    shipped = sorted((ROOT / "mappings").rglob("*.yaml"))
    assert shipped
    for path in shipped:
        assert source.parse_fast(path.read_text(encoding="utf-8"), str(path)) is not None, path


# Fragments of YAML, the risky ones included: tabs, YAML 1.1 line breaks, byte order marks,
# block scalar headers with comments, empty values, aliases, tags, directives, documents.
FRAGMENTS = [
    "a", "b: ", "- ", "\n", "  ", "\t", "'", '"', "x", ":", "{", "}", "[", "]", ",", "#",
    "&a ", "*a", "!", "? ", "|", ">", "-", "%YAML 1.2\n", "---\n", "...\n", "é", "\u2028",
    "\x85", "\r\n", "\r", "\\", "1.10", "~", "@", "\ufeff", "k:\n  - v\n", "k: v\n",
    "  k2: v\n", "!!str ", "😀", " #c\n", "\u00a0", "\n  ", "\n    ", "\n- ", ": ", "'a''b'",
    '"a\\"b"', '"\\u00e9"', "--- ", "|-\n", ">+\n", "|2\n", " - ", "? a\n: b\n",
    "a: [b, {c: d}]\n", "&x [1]\n", "k: *x\n", "<<: *x\n", "a:b", "- - - a\n", "  # c\n",
    "'multi\n line'", '"multi\n  line"', "plain\n  continued\n", "\n\n", "on", "NO", "010",
    "1e3", "0x1F", "2024-01-01", "null", ".inf", "%", "  text\n   more\n",
]  # fmt: skip


@needs_libyaml
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=16), st.booleans())
def test_generated_texts_load_as_the_reference_parser_reads_them(
    parts: list[str], newline: bool
) -> None:
    text = "".join(parts) + ("\n" if newline else "")
    fast = source.parse_fast(text, "f.yaml")
    if fast is not None:
        assert built(fast) == built(source.parse_reference(text, "f.yaml"))


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [
        "a:\tb\n",  # a tab: ruamel refuses some that libyaml takes
        "a: b\u2028c\n",  # a YAML 1.1 line break
        "a: >#\n",  # a comment glued to a block scalar header
        ">+\n#a\n",  # a comment-like first line of a block scalar
        "a:\n",  # an empty value: each parser places it elsewhere
        "a: &x 1\nb: *x\n",  # an alias
        "a: ! x\n",  # a non-specific tag
        "a: 1\n...\n",  # a document end marker
        "a: 1",  # no line break at the end
        "a: 1\n---\nb: 2\n",  # a second document (refused)
        "a: 1\na: 2\n",  # a duplicate key (refused)
        "a: [1\n",  # a syntax error
    ],
)
def test_texts_where_the_parsers_may_differ_go_to_the_reference_parser(text: str) -> None:
    assert source.parse_fast(text, "f.yaml") is None
    assert built(source.load_text(text, f"differ-{text!r}")) == built(
        source.parse_reference(text, f"differ-{text!r}")
    )


def test_an_alias_to_no_anchor_is_a_located_error() -> None:
    loaded = source.load_text("a: 1\nb: *nowhere\n", "spec.yaml")
    assert loaded.data is None
    [problem] = loaded.problems
    assert problem.code == "yaml.alias-undefined"
    assert (problem.location.line, problem.location.column) == (2, 4)
    assert problem.json_path == "$.b"
    assert "'*nowhere'" in problem.message


@given(st.text(alphabet=st.sampled_from("-+.0123456789~eEoxXabfilnrstuyNOTY_:é "), max_size=8))
def test_read_plain_is_resolve_plain_and_yaml11_reading(text: str) -> None:
    value, reading = scalars.read_plain(text)
    expected = scalars.resolve_plain(text)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(value, float) and math.isnan(value)
    else:
        assert (type(value), value) == (type(expected), expected)
    assert reading == scalars.yaml11_reading(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list("ab:#|>-+.0 \t\n\r\x00\x7f\x85\xa0é\u2028\ufeff😀")),
        max_size=30,
    )
)
def test_the_ascii_check_decides_as_the_full_one(text: str) -> None:
    """An ASCII text is judged by a smaller pattern (cheaper to compile); on ASCII it must
    answer as the pattern for any text does."""
    full = fastparse._unvouched_text().search(text) is None
    if text.isascii():
        assert (fastparse._UNVOUCHED_ASCII.search(text) is None) == full
    assert fastparse.fits(text) == (text.endswith("\n") and full and fastparse.available())
