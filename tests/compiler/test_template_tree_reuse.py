"""A template is parsed once, for its checks and its code: the code must be exactly what
compiling the text gives, and the names exactly what Jinja's ``meta.find_undeclared_variables``
finds. A plain template (``{{ record.a }}-{{ record.b }}``, see ``template_jinja._plain``) takes its
names from Jinja's symbol analysis and generates its code on first render: everything it hands
on must be what the general path (names found while generating the code) gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import meta

from engine.language import template_jinja, templates
from engine.load import source

ROOT = Path(__file__).resolve().parents[2]

TRICKY = [
    "{{ 1 + 2 }}-{{ record.x | upper }}",
    '{% if record.a %}{{ "a" ~ "b" }}{% else %}{{ record.b | default("x") }}{% endif %}',
    "{% for x in record.items %}{{ loop.index }}{{ x.name | trim }}{% endfor %}",
    "{{ (record.amount * 100) | round(2) }}",
    '{% set y = 3 * 4 %}{{ y }}{{ record.a["k" ~ "z"] }}',
    '{{ "%s-%s" | format(record.a, 2) }}',
    '{{ [1, 2, 3] | join(",") }}',
    "constant text",
]


def _templates(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k == "template" and isinstance(v, str)]
        return found + [t for v in node.values() for t in _templates(v)]
    if isinstance(node, list):
        return [t for v in node for t in _templates(v)]
    return []


def _shipped() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "mappings").rglob("*.yaml")):
        texts += _templates(source.load_path(path).data)
    return sorted(set(texts))


SHIPPED = _shipped()


def test_the_shipped_mappings_have_templates() -> None:
    assert SHIPPED


@pytest.mark.parametrize("text", TRICKY + SHIPPED)
def test_compiled_code_is_what_compiling_the_text_gives(text: str) -> None:
    env = templates.environment()
    names = templates.undeclared(text)
    templates.compile_template(text, frozenset(names))
    checked = template_jinja._checked(text)
    assert template_jinja._code(text) == env.compile(text, raw=True)
    assert checked.names == meta.find_undeclared_variables(env.parse(text))


PLAIN = [
    "{{ record.a }}-{{ record.b }}",
    '{{ record.a | default("x") | upper }} {{ settings["k"] }}',
    '{{ record.a ~ "-" ~ record.b }}{{ "a" ~ "b" }}',
    "{{ record.a is defined }}{{ destination.id }}",
]


@pytest.mark.parametrize("text", PLAIN + SHIPPED)
def test_plain_templates_defer_their_code_and_keep_what_they_hand_on(text: str) -> None:
    checked = template_jinja._check(text)
    general = template_jinja._check(text, generate=True)
    if text in PLAIN:
        assert checked.tree is not None and not checked.code  # the fast path was taken
    assert (checked.names, checked.refused, checked.accesses) == (
        general.names,
        general.refused,
        general.accesses,
    )
    assert template_jinja._code(text) == general.code[0]


def _outcome(text: str, *, generate: bool) -> tuple[Any, ...]:
    try:
        checked = template_jinja._check(text, generate=generate)
    except Exception as exc:
        return (type(exc), str(exc))
    return (checked.names, checked.refused, checked.accesses)


_ROOTS = st.sampled_from(["record", "settings", "self", "loop", "range", "namespace", "x"])
_PARTS = st.sampled_from(
    [".a", "._p", '["k"]', '["_q"]', "[0]", "[record.i]", "[1:2]", "()", ".upper()"]
)
_FILTERS = st.sampled_from(
    [
        "",
        " | upper",
        ' | default("x" ~ "y")',
        ' | map(attribute="_x")',
        ' | sort(attribute="_y" if true else "z")',
        " | list",
        ' | join(",")',
        " | nosuch",
        " is defined",
        " is nosuch",
    ]
)
_CONSTANTS = st.sampled_from(
    ["'a'", "1", "[1, 2]", "{'a': 1}", "(1, 2)", "'a' ~ 'b'", "1 + 2", "'ab' | list", "none"]
)
_CHAINS = st.builds(lambda r, p: r + "".join(p), _ROOTS, st.lists(_PARTS, max_size=3))
_OPERANDS = st.one_of(_CHAINS, _CONSTANTS)
_EXPRESSIONS = st.one_of(
    st.builds(lambda a, f: a + f, _OPERANDS, _FILTERS),
    st.builds(lambda a, b: f"{a} ~ {b}", _OPERANDS, _OPERANDS),
    st.builds(lambda a, b, c: f"{a} if {b} else {c}", _OPERANDS, _OPERANDS, _OPERANDS),
    st.builds(lambda a, b: f"[{a}, {b}]", _OPERANDS, _OPERANDS),
)
_PIECES = st.one_of(
    st.builds(lambda e: "{{ " + e + " }}", _EXPRESSIONS),
    st.sampled_from(["-", "text ", "{# note #}", "{% if record.a %}x{% endif %}", "{{"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=1, max_size=4).map("".join))
def test_any_template_hands_on_what_the_general_path_gives(text: str) -> None:
    assert _outcome(text, generate=False) == _outcome(text, generate=True)
    try:
        general = template_jinja._check(text, generate=True)
    except Exception:
        return
    assert template_jinja._code(text) == general.code[0]
