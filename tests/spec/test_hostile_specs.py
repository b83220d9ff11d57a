"""Hostile specs through the CLI: every budget holds at render time, and ordinary templates
still render. Each hostile render runs in a child process under a time and memory ceiling
(``tests.guarded``); the load-time side (``ferry validate``) is covered by the hostile cases in
``tests/cases/validate``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ZUORA_CUSTOMER_HEADER
from tests.guarded import run_guarded

HEADER = ZUORA_CUSTOMER_HEADER
FIELD_LINE = HEADER.count("\n") + 1
DOUBLING = "[@,@][]|" * 24 + "length(@)"
LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
TEXT_DOUBLING = (
    "{% set ns = namespace(s=record.id) %}{% for i in range(60) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
)
NESTED_DOUBLING = (
    "{% set ns = namespace(a=[record.id]) %}{% for i in range(60) %}"
    "{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a | string }}"
)
MACRO = "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"


def _spec(tmp_path: Path, source: dict[str, Any]) -> Path:
    spec = tmp_path / "hostile.yaml"
    spec.write_text(HEADER + "  - " + json.dumps({"to": "companyName", **source}) + "\n")
    return spec


def _records(tmp_path: Path) -> Path:
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({"id": "A1", "n": 7, "tags": ["x", "y"]}) + "\n")
    return records


@pytest.mark.parametrize(
    ("source", "words"),
    [
        pytest.param(
            {"template": "{{ record.id * 1000000000 }}"}, "limit is 1,000,000", id="repeat"
        ),
        pytest.param({"template": "{{ record.n ** (9 ** 9) }}"}, "digits", id="power"),
        pytest.param({"template": "{{ record.id | center(1000000000) }}"}, "center", id="center"),
        pytest.param({"template": "{{ record.id.ljust(1000000000) }}"}, "ljust", id="ljust"),
        pytest.param({"template": "{{ '%0999999999d' % record.n }}"}, "% format", id="percent"),
        pytest.param(
            {"template": "{{ '{:>999999999}'.format(record.n) }}"}, "width", id="str-format"
        ),
        pytest.param(
            {"template": "{{ record.id | replace('', record.id * 499999) }}"},
            "replace",
            id="replace",
        ),
        pytest.param({"template": LOOPS + "{{ record.id }}"}, "budget of 1 s", id="nested-loops"),
        pytest.param(
            {"template": "{{ record | tojson(indent=1000000000) }}"}, "indent", id="tojson-indent"
        ),
        pytest.param({"template": "{{ record.id | slice(10 ** 9) | list }}"}, "slice", id="slice"),
        pytest.param(
            {"template": "{{ range(100000) | batch(1) | sum(start=[]) | length }}{{ record.id }}"},
            "partial sum",
            id="sum-of-lists",
        ),
        pytest.param(
            {"template": "{{ record.id | wordwrap(1, wrapstring=record.id * 400000) }}"},
            "limit is 1,000,000",
            id="wordwrap",
        ),
        pytest.param({"template": TEXT_DOUBLING}, "limit is 1,000,000", id="doubling-text"),
        pytest.param({"template": NESTED_DOUBLING}, "limit is 1,000,000", id="doubling-list"),
        pytest.param({"template": MACRO + "{{ f(60) }}{{ record.id }}"}, "budget", id="macro"),
        pytest.param({"template": "{{ record }}"}, "only text and numbers", id="prints-a-mapping"),
        pytest.param({"from": DOUBLING}, "expression", id="jmespath-doubling"),
        pytest.param({"from": "join(to_string(@), tags)"}, "", id="jmespath-join-control"),
    ],
)
def test_hostile_field_fails_its_record_with_a_located_error(
    tmp_path: Path, source: dict[str, Any], words: str
) -> None:
    spec = _spec(tmp_path, source)

    result = run_guarded("render", spec, "-i", _records(tmp_path))

    if not words:  # the control: a join the budget must leave alone
        assert result.code == 0, result
        return
    assert result.code == 1, result
    assert "Traceback" not in result.err and "internal error" not in result.err
    [line] = [json.loads(text) for text in result.out.splitlines()]
    assert line["action"] == "error"
    assert line["error"].startswith(f"{spec}:{FIELD_LINE}:")
    assert "record 'A1', field 'companyName'" in line["error"]
    assert words in line["error"]


def test_ordinary_templates_render_within_their_budget(
    tmp_path: Path, ferry: Callable[..., Any]
) -> None:
    fields = [
        {"to": "a", "template": "{% for t in record.tags %}{{ t }}{{ '-' * 2 }}{% endfor %}"},
        {"to": "b", "template": "{{ '%05d' % record.n }}|{{ '{:>4}'.format(record.id) }}"},
        {"to": "c", "template": "{{ record.tags | join(',') | center(7) }}|{{ 2 ** 10 }}"},
        {
            "to": "d",
            "template": "{% set ns = namespace(s='') %}"
            "{% for t in record.tags %}{% set ns.s = ns.s ~ t %}{% endfor %}{{ ns.s | upper }}",
        },
        {"to": "e", "template": "{{ record.id | replace('1', '_one') }}"},
    ]
    spec = tmp_path / "ordinary.yaml"
    spec.write_text(HEADER + "".join(f"  - {json.dumps(f)}\n" for f in fields))

    result = ferry("render", spec, "-i", _records(tmp_path))

    assert result.code == 0, result
    assert json.loads(result.out)["payload"] == {
        "a": "x--y--",
        "b": "00007|  A1",
        "c": "  x,y  |1024",
        "d": "XY",
        "e": "A_one",
    }
