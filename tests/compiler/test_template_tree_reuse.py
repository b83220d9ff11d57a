"""A template's names and its code are found in one pass over the tree its checks parsed: the
code must be exactly what compiling the text gives, and the names exactly what Jinja's
``meta.find_undeclared_variables`` finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import meta

from engine.language import templates
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
    checked = templates._checked(text)
    assert checked.code == env.compile(text, raw=True)
    assert checked.names == meta.find_undeclared_variables(env.parse(text))
