"""A plain template (text around values read from the context, or chosen by a comparison)
renders without Jinja (``engine.language.plain_templates``): whatever the template and the
context, the outcome (the text, or the error and its message) must be the one Jinja's sandbox
gives; and a command run again on the same specs never imports Jinja when their templates are
plain."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.language import template_jinja, templates
from engine.language.template_facts import TemplateProblem
from tests.compiler.test_template_tree_reuse import SHIPPED
from tests.conftest import ROOT

ROOTS = ("record", "settings", "parents", "run", "destination")
ALLOWED = frozenset(ROOTS)

# Keys that are also a mapping's attributes (Jinja reads those as the attribute), private
# ones, and ordinary ones, some of them missing from the generated contexts.
_KEYS = st.sampled_from(["id", "a", "b", "items", "get", "keys", "copy", "x y", "0"])
_SCALARS = st.one_of(
    st.text(max_size=4),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.booleans(),
    st.none(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.dictionaries(_KEYS, inner, max_size=4),
        st.dictionaries(_KEYS, inner, max_size=4).map(MappingProxyType),
        st.lists(inner, max_size=2),
    ),
    max_leaves=8,
)
_CONTEXTS = st.dictionaries(st.sampled_from(ROOTS), _VALUES)

_STEPS = st.sampled_from([".id", ".a", ".b", ".items", ".get", ".copy", '["id"]', '["a"]', "[0]"])
_CHAINS = st.builds(
    lambda root, steps: root + "".join(steps), st.sampled_from(ROOTS), st.lists(_STEPS, max_size=3)
)
_CONSTANTS = st.sampled_from(["'x'", "'id'", "1", "1.5", "true", "false", "none", "''"])
_OPERANDS = st.one_of(_CHAINS, _CONSTANTS)
_EXPRESSIONS = st.one_of(
    _OPERANDS,
    st.builds(lambda a, b, c: f"{a} if {b} else {c}", _OPERANDS, _OPERANDS, _OPERANDS),
    st.builds(
        lambda a, b, op, c, d: f"{a} if {b} {op} {c} else {d}",
        _OPERANDS,
        _OPERANDS,
        st.sampled_from(["==", "!="]),
        _OPERANDS,
        _OPERANDS,
    ),
    st.builds(lambda a, b: f"{a} if {b}", _OPERANDS, _OPERANDS),
)
_PIECES = st.one_of(
    st.builds(lambda e: "{{ " + e + " }}", _EXPRESSIONS),
    st.sampled_from(["zuora-", "-", " ", "line\n", "\n"]),
)
_TEMPLATES = st.lists(_PIECES, min_size=1, max_size=4).map("".join)


def _outcome(render: Any) -> tuple[str, Any]:
    try:
        return ("text", render())
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _same_as_jinja(text: str, context: dict[str, Any]) -> None:
    try:
        render = templates.compile_template(text, ALLOWED)
    except TemplateProblem:
        return  # refused when the spec loads: never rendered
    ours = _outcome(lambda: render(context))
    jinjas = _outcome(lambda: template_jinja.render(text, context))
    assert ours == jinjas, (text, context)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEMPLATES, _CONTEXTS)
def test_a_template_renders_what_jinja_renders(text: str, context: dict[str, Any]) -> None:
    _same_as_jinja(text, context)


CASES = [
    ("zuora-account-{{ record.id }}", {"record": {"id": "A-1"}}),
    ("{{ record.id }}", {"record": {"id": Decimal("10.50")}}),
    ("{{ record.id }}", {"record": {"id": 1.0}}),
    ("{{ record.id }}", {"record": {"id": True}}),
    ("{{ record.id }}", {"record": {"id": None}}),
    ("{{ record.id }}", {"record": {}}),
    ("{{ record.items }}", {"record": {"items": "x"}}),
    ('{{ record["items"] }}', {"record": {"items": "x"}}),
    ("{{ record.id }}", {"record": {"id": ["a"]}}),
    ("{{ record.id }}", {"record": {"id": {"a": 1}}}),
    ("{{ run.started_at }}", {"run": MappingProxyType({"started_at": "2026-12-04"})}),
    ("{{ destination.id }}", {"destination": None}),
    ("{{ 'a' if parents.x == 'y' }}", {"parents": {"x": "z"}}),
    ("{{ record.a }}{{ record.b }}", {"record": {"a": "x" * 600_000, "b": "y" * 600_000}}),
    ("{{ record.a }}{{ record.b }}", {"record": {"a": None, "b": []}}),
    ("{{ record.a }}{{ record.b }}", {"record": {"a": [], "b": None}}),
    (
        "{{ settings.c if parents.payment_mapping == 'p' else parents.customer }}",
        {"settings": {"c": "7"}, "parents": {"payment_mapping": "p", "customer": "9"}},
    ),
    (
        "{{ settings.c if parents.payment_mapping == 'p' else parents.customer }}",
        {"settings": {"c": "7"}, "parents": {"payment_mapping": "q", "customer": "9"}},
    ),
]


@pytest.mark.parametrize(("text", "context"), CASES)
def test_chosen_cases_render_what_jinja_renders(text: str, context: dict[str, Any]) -> None:
    _same_as_jinja(text, context)


@pytest.mark.parametrize("text", SHIPPED)
def test_every_shipped_template_is_plain(text: str) -> None:
    """So a run of the shipped mappings renders every template without Jinja."""
    assert templates.facts(text).shape is not None


CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"

PROBE = """
import json, sys
from engine.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in sys.modules if m.split(".")[0] == "jinja2")]))
"""


def _render_modules(cache: Path, records: Path, spec: Path = CUSTOMER) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "render", str(spec), "-i", str(records)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FERRY_CACHE_DIR": str(cache)},
    )
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return code, modules


def _records(tmp_path: Path) -> Path:
    records = tmp_path / "accounts.jsonl"
    records.write_text('{"id": "1", "status": "Active", "name": "Acme"}\n')
    return records


def test_a_render_run_again_never_imports_jinja(tmp_path: Path) -> None:
    """A template only Jinja reads (an item read by key, here; plain, so rendered without it)
    is read on the first run, its facts kept on disk: the run again renders without Jinja."""
    spec = tmp_path / "customer.yaml"
    spec.write_text(CUSTOMER.read_text().replace("{{ record.id }}", "{{ record['id'] }}", 1))
    shutil.copy(CUSTOMER.parent / "settings.yaml", tmp_path)
    cache = tmp_path / "cache"

    first = _render_modules(cache, _records(tmp_path), spec)
    again = _render_modules(cache, _records(tmp_path), spec)

    assert first[0] == again[0] == 0
    assert "jinja2" in first[1]  # a new text: Jinja read its templates
    assert again[1] == []


def test_a_first_render_of_chain_templates_never_imports_jinja(tmp_path: Path) -> None:
    """The shipped mapping's templates are text around chains of names: their facts are read
    from the text (``engine.language.chain_templates``), even with an empty disk cache."""
    code, modules = _render_modules(tmp_path / "cache", _records(tmp_path))

    assert code == 0
    assert modules == []
