"""The fast tier (generated Python) renders exactly what the explaining tier (JMESPath) renders.

``Plan.evaluate`` runs the generated render function, where JMESPath is translated to Python when
it can be; ``engine.compile.explaining`` evaluates every expression with JMESPath and is the
reference. Both
are also checked against ``jmespath.search`` itself, on the document guards see (``record``,
``settings``, ``destination``, ``run``, ``parents``), with one rule on top: a comparison that
raises TypeError (the Python library refuses to order a string against a number, where the
JMESPath specification says such a comparison is null) is null.

Catalogue tests compile a few plans holding every expression of a list, so each generated record
checks all of them; the generated-grammar tests cover their combinations.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jmespath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jmespath.visitor import TreeInterpreter

import engine
from engine import Context
from engine.compile.explaining import explain as explain_record
from tests.compiler.specs import SpecWriter, streamed

PROPERTY = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- records ------------------------------------------------------------------------------------

KEYS = ("a", "b", "n", "s", "o", "l")
STRINGS = ("", "a", "b", "z", "Active", "0", "USD", "EUR")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 1.5, -2.5]),
    st.sampled_from([Decimal("0"), Decimal("1"), Decimal("10.50")]),  # money, as drivers read it
    st.sampled_from(STRINGS),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=8,
)
plain_objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5)
objects = st.one_of(plain_objects, plain_objects, plain_objects.map(OrderedDict))
small = st.one_of(scalars, scalars, json_values)
# Every key may be missing; when present, its value tends to fit the paths that read it (an
# object under `o`, a list of objects under `l`) but may be anything at all.
records = st.fixed_dictionaries(
    {},
    optional={
        "a": small,
        "b": small,
        "n": small,
        "s": small,
        "o": st.one_of(objects, small),
        "l": st.one_of(st.lists(st.one_of(objects, scalars), max_size=4), small),
        "id": scalars,
    },
)


def _context(destination: Any, run_id: Any) -> tuple[str, Context]:
    mode = "create" if destination is None else "update"
    return mode, Context(destination=destination, run={"id": run_id}, parents={"customer": "<c>"})


contexts = st.builds(
    _context,
    st.one_of(st.none(), plain_objects, plain_objects.map(MappingProxyType)),
    st.sampled_from(["r1", "", None]),
)

# --- expressions --------------------------------------------------------------------------------


def _paths(root: str) -> list[str]:
    chains = ["a", "b", "n", "s", "o.a", "o.n", "o.o.s", "l[0]", "l[-1]", "l[1].a", "o.l[0]", "x.y"]
    return [f"{root}.{c}" for c in chains] + [root]


LITERALS = [
    "'a'", "''", "'Active'", "'USD'", "`\"0\"`", "`0`", "`1`", "`-1`", "`1.5`",
    "`true`", "`false`", "`null`", "`[]`", "`{}`",
]  # fmt: skip
SETTINGS_REFS = [
    "settings.default_currency",
    "settings.default_subsidiary",
    "settings.cutover_dates.invoice",
    "settings.unassigned_payments_customer",
    "settings.account_number_mapping",
]
CONTEXT_REFS = ["destination.a", "destination.n", "destination", "run.id", "parents.customer"]
# Shapes the translator leaves to JMESPath (functions, projections, filters, flatten): the
# fallback path. All of them are total (no JMESPathTypeError whatever the record holds).
UNTRANSLATED = [
    "length(to_array(record.l))",
    "type(record.a)",
    "not_null(record.a, record.b)",
    "to_string(record.n)",
    "contains(to_array(record.s), 'a')",
    "record.l[*].a",
    "record.l[?n > `0`]",
    "record.l[]",
    "record.o.*",
]
# Operands that are themselves expressions with a value (not just a truth).
COMPOUND = ["(record.a || record.b)", "(record.a && record.n)", "(record.n < `1`)"]
COMPARATORS = ["==", "!=", "<", "<=", ">", ">="]


def guard_grammar(atoms: list[str]) -> st.SearchStrategy[str]:
    atom = st.sampled_from(atoms)
    comparison = st.builds("{} {} {}".format, atom, st.sampled_from(COMPARATORS), atom)
    return st.recursive(
        st.one_of(atom, comparison, comparison),
        lambda inner: st.one_of(
            st.builds("!({})".format, inner),
            st.builds("({}) {} ({})".format, inner, st.sampled_from(["&&", "||"]), inner),
        ),
        max_leaves=4,
    )


guards = guard_grammar(
    _paths("record") + LITERALS + SETTINGS_REFS + CONTEXT_REFS + UNTRANSLATED + COMPOUND
)
line_guards = guard_grammar(_paths("line") + _paths("record")[:4] + LITERALS + CONTEXT_REFS[:2])

# `from:` paths: values, not just truth.
VALUE_PATHS = [
    "a", "n", "s", "o.a", "o.n", "o.o.s", "l[0]", "l[-1]", "l[1].a", "o.l[0]", "x.y", "@", "o",
    "'text'", "`1`", "`true`", "`null`", "`0`",
    "a == 'a'", "n != `1`", "a == `null`", "n == `true`", "!a", "!(n == `0`)", "o.a == o.n",
    "a || b", "a && b", "o.a || 'none'", "n < `1`", "s >= 'b'", "n <= s", "(a || b) == 'a'",
    "l[*].a", "l[?a == 'a']", "l[?n > `0`]", "l[]", "o.*", "length(to_array(l))", "type(n)",
    "not_null(a, b)",
]  # fmt: skip

# --- the reference ------------------------------------------------------------------------------


class _Reference(TreeInterpreter):
    """jmespath's own interpreter; a comparison it cannot make is null, not a TypeError."""

    def visit_comparator(self, node: dict[str, Any], value: Any) -> Any:
        try:
            return super().visit_comparator(node, value)
        except TypeError:
            return None


@functools.cache
def _parsed(expression: str) -> dict[str, Any]:
    return jmespath.compile(expression).parsed  # type: ignore[no-any-return]


def reference(expression: str, data: Any) -> Any:
    return _Reference().visit(_parsed(expression), data)


def truthy(value: Any) -> bool:
    """JMESPath truthiness, written from the specification: 0 is true."""
    return not (value is None or value is False or value in ("", [], {}))


def guard_env(plan: engine.Plan, record: dict[str, Any], ctx: Context) -> dict[str, Any]:
    return {
        "record": record,
        "settings": dict(plan.settings.values),
        "destination": ctx.destination,
        "run": ctx.run,
        "parents": ctx.parents,
    }


def test_the_reference_is_jmespath_where_jmespath_answers() -> None:
    data = {"n": 1, "s": "a", "l": [{"n": "x"}, {"n": 2}]}
    assert reference("n < `2` && s < 'b'", data) is jmespath.search("n < `2` && s < 'b'", data)
    with pytest.raises(TypeError):
        jmespath.search("!(n < s)", data)
    assert reference("!(n < s)", data) is True  # null, negated
    assert reference("l[?n > `1`]", data) == [{"n": 2}]


@pytest.fixture(scope="module")
def settings_files(shared_specs: SpecWriter) -> list[Path]:
    return [
        shared_specs.settings({}),
        shared_specs.settings(
            {
                "default_currency": "EUR",
                "default_subsidiary": None,
                "unassigned_payments_customer": "0",
                "cutover_dates": {"invoice": "2024-01-01"},
                "account_number_mapping": "source_name",
            }
        ),
        shared_specs.settings(
            {
                "default_currency": "GBP",
                "default_subsidiary": "0",
                "unassigned_payments_customer": "",
            }
        ),
    ]


def both_tiers(
    plan: engine.Plan, record: dict[str, Any], mode: Any, ctx: Context
) -> tuple[engine.Outcome, engine.Explanation]:
    fast = plan.evaluate(record, mode=mode, context=ctx)
    slow = explain_record(plan, record, mode=mode, context=ctx)
    assert (fast.action, fast.payload) == (slow.action, slow.payload)
    if ctx == Context():
        assert streamed(plan, record, mode) == (fast.payload if fast.action == "render" else None)
    return fast, slow


# --- catalogues: every expression on every generated record ------------------------------------


# `from:` paths through record sub-objects, which the generated code holds in locals that the
# guards after them then read.
_HOISTED = ["o.o.s", "o.l", "o.a"]


_READS_HOISTED_WHOLE = re.compile(r"record\.o(\.o)?(?![\w.\[])")


def _catalogue(
    specs: SpecWriter, guards: list[str], settings: Path | None = None, *, hoist: bool = True
) -> engine.Plan:
    """One plan whose field ``g<i>`` is written exactly when guard ``i`` holds, after fields
    whose paths make the generated code hold record sub-objects in locals."""
    fields = [{"to": f"h{i}", "from": p} for i, p in enumerate(_HOISTED)] if hoist else []
    fields += [{"to": f"g{i}", "value": True, "when": g} for i, g in enumerate(guards)]
    return specs.plan({"fields": fields}, settings)


def _check_catalogue(
    plan: engine.Plan, guards: list[str], record: dict[str, Any], mode: str, ctx: Context
) -> None:
    env = guard_env(plan, record, ctx)
    expected = {f"g{i}": True for i, g in enumerate(guards) if truthy(reference(g, env))}
    fast, _ = both_tiers(plan, record, mode, ctx)
    wrong = [g for i, g in enumerate(guards) if (f"g{i}" in expected) != (f"g{i}" in fast.payload)]
    assert not wrong, f"decided differently from JMESPath: {wrong}"
    if "h0" in {f.to for f in plan.fields}:
        hoisted = {f"h{i}": reference(p, record) for i, p in enumerate(_HOISTED)}
        assert {k: v for k, v in fast.payload.items() if k[0] == "h"} == {
            k: v for k, v in hoisted.items() if v is not None
        }


_EQUALITY_LITERALS = ["'a'", "''", "`0`", "`1.5`", "`true`", "`false`", "`null`"]
_SUBJECTS = _paths("record") + CONTEXT_REFS[:3] + UNTRANSLATED[:7] + COMPOUND
_ORDERED = ["record.n", "record.l[-1]", "record.o.n", "destination.n"]
_ORDER_LITERALS = ["`0`", "`1.5`", "''", "'a'", "`true`", "`null`"]
CATALOGUE = (
    _SUBJECTS
    + [f"!({p})" for p in _SUBJECTS]
    + [f"{p} == {lit}" for p in _SUBJECTS for lit in _EQUALITY_LITERALS]
    + [f"{p} != {lit}" for p in _SUBJECTS for lit in ("'a'", "`true`", "`null`")]
    + [f"{lit} == {p}" for p in _SUBJECTS[:3] for lit in _EQUALITY_LITERALS]
    + [f"{p} {op} {lit}" for p in _ORDERED for op in COMPARATORS[2:] for lit in _ORDER_LITERALS]
    + [f"{lit} < {p}" for p in _ORDERED[:2] for lit in _ORDER_LITERALS]
    + [
        f"record.{x} {op} record.{y}"
        for x, y in ("ab", "ns", "nl", "so", "ao")
        for op in COMPARATORS
    ]
    + [f"record.{x} {op} record.{y}" for x, y in ("ab", "nl", "os") for op in ("&&", "||")]
    + ["!(record.a && record.b)", "record.a || !(record.n)", "!(record.n < record.s)"]
)
_SETTING_LITERALS = ["`0`", "''", "'USD'", "`null`"]
# Guards reading settings, which the compiler folds to constants (compiled for three settings).
SETTINGS_CATALOGUE = (
    SETTINGS_REFS
    + [f"!({p})" for p in SETTINGS_REFS]
    + [f"{p} {op} {lit}" for p in SETTINGS_REFS for op in COMPARATORS for lit in _SETTING_LITERALS]
    + [
        f"!({lit} {op} {p})"
        for p in SETTINGS_REFS
        for op in ("==", "<", ">=")
        for lit in _SETTING_LITERALS
    ]
    + [f"!({p} {op} {q})" for p in SETTINGS_REFS for q in SETTINGS_REFS[:2] for op in ("<", "!=")]
    + [f"{p} == record.{x}" for p in SETTINGS_REFS for x in "as"]
    + [f"({p} || record.a) == 'a'" for p in SETTINGS_REFS]
    + [f"{p} && record.{x}" for p in SETTINGS_REFS for x in "an"]
)


# Guards reading a held sub-object as a whole are decided wrongly when it is not an object
# (``test_a_guard_reading_a_whole_held_object``), so they get a plan without held locals.
WHOLE = [g for g in CATALOGUE if _READS_HOISTED_WHOLE.search(g)]
PARTS = [g for g in CATALOGUE if not _READS_HOISTED_WHOLE.search(g)]


@settings(PROPERTY, max_examples=40)
@given(record=records, context=contexts)
def test_every_catalogued_guard_agrees_with_jmespath(
    shared_specs: SpecWriter, record: dict[str, Any], context: tuple[str, Context]
) -> None:
    _check_catalogue(_catalogue(shared_specs, PARTS), PARTS, record, *context)
    _check_catalogue(_catalogue(shared_specs, WHOLE, hoist=False), WHOLE, record, *context)


@settings(PROPERTY, max_examples=30)
@given(record=records, context=contexts, which=st.integers(0, 2))
def test_every_settings_guard_agrees_with_jmespath(
    shared_specs: SpecWriter,
    settings_files: list[Path],
    record: dict[str, Any],
    context: tuple[str, Context],
    which: int,
) -> None:
    plan = _catalogue(shared_specs, SETTINGS_CATALOGUE, settings_files[which])
    _check_catalogue(plan, SETTINGS_CATALOGUE, record, *context)


def _path_fields(paths: list[str]) -> list[dict[str, Any]]:
    """Each path three times: plain (`missing: omit`), with `missing: default`, and through a
    transform that receives MISSING."""
    fields: list[dict[str, Any]] = []
    for i, path in enumerate(paths):
        fields += [
            {"to": f"p{i}", "from": path},
            {"to": f"d{i}", "from": path, "missing": "default", "default": "D"},
            {"to": f"t{i}", "from": path, "transforms": [{"default": {"value": "T"}}]},
        ]
    return fields


def _expected_paths(paths: list[str], data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, path in enumerate(paths):
        value = reference(path, data)
        if value is not None:
            out |= {f"p{i}": value, f"d{i}": value, f"t{i}": value}
        else:
            out |= {f"d{i}": "D", f"t{i}": "T"}
    return out


@PROPERTY
@given(record=records)
def test_every_field_path_agrees_with_jmespath(
    shared_specs: SpecWriter, record: dict[str, Any]
) -> None:
    plan = shared_specs.plan({"fields": _path_fields(VALUE_PATHS)})
    fast, _ = both_tiers(plan, record, "create", Context())
    assert fast.payload == _expected_paths(VALUE_PATHS, record)
    assert plan.render(record) == fast.payload  # the direct path render() and render_many() take


# --- generated guards: combinations -------------------------------------------------------------


@PROPERTY
@given(
    record_guard=guards,
    field_guard=guards,
    record=records,
    context=contexts,
    which=st.integers(0, 2),
)
def test_generated_guards_agree_across_tiers_and_with_jmespath(
    shared_specs: SpecWriter,
    settings_files: list[Path],
    record_guard: str,
    field_guard: str,
    record: dict[str, Any],
    context: tuple[str, Context],
    which: int,
) -> None:
    mode, ctx = context
    negated = f"!({field_guard})"
    plan = shared_specs.plan(
        {
            "when": [{"name": "gate", "expr": record_guard, "reason": "the gate is shut"}],
            "fields": [
                {"to": "yes", "value": True, "when": field_guard},
                {"to": "no", "value": True, "when": negated},
            ],
        },
        settings_files[which],
    )
    env = guard_env(plan, record, ctx)
    fast, slow = both_tiers(plan, record, mode, ctx)
    if not truthy(reference(record_guard, env)):
        assert (fast.action, fast.guard, fast.reason) == ("skip", "gate", "the gate is shut")
        assert slow.reason == "the gate is shut"
        return
    expected = {
        k: True for k, g in (("yes", field_guard), ("no", negated)) if truthy(reference(g, env))
    }
    assert (fast.action, fast.payload) == ("render", expected)


@settings(PROPERTY, max_examples=40)
@given(line_guard=line_guards, record=records, context=contexts)
def test_lines_agree_across_tiers_and_with_jmespath(
    shared_specs: SpecWriter, line_guard: str, record: dict[str, Any], context: tuple[str, Context]
) -> None:
    mode, ctx = context
    paths = ["a", "o.n", "l[-1]", "@", "a || b", "n < `1`", "l[?a == 'a']"]
    plan = shared_specs.plan(
        {
            "fields": [{"to": "top", "from": "a"}],
            "lines": {
                "to": "sub.rows",
                "from": "l",
                "when": line_guard,
                "fields": _path_fields(paths),
            },
        }
    )
    env = guard_env(plan, record, ctx)
    items = record.get("l")
    rows = [
        _expected_paths(paths, line)
        for line in (items if isinstance(items, list) else [])
        if truthy(reference(line_guard, {**env, "line": line}))
    ]
    fast, _ = both_tiers(plan, record, mode, ctx)
    expected: dict[str, Any] = {"sub": {"rows": rows}}
    if record.get("a") is not None:
        expected["top"] = record["a"]
    assert fast.payload == expected


# --- JMESPath semantics, case by case -----------------------------------------------------------

SEMANTICS = [
    ("record.n", {"n": 0}, True),  # 0 is true in JMESPath
    ("record.n", {"n": 0.0}, True),
    ("record.s", {"s": ""}, False),
    ("record.l", {"l": []}, False),
    ("record.o", {"o": {}}, False),
    ("record.b", {"b": False}, False),
    ("record.x", {}, False),
    ("record.s", {"s": " "}, True),
    ("record.l", {"l": [None]}, True),
    ("!(record.n)", {"n": 0}, False),
    ("!(record.s)", {"s": ""}, True),
    ("record.n == `true`", {"n": 1}, False),  # 1 == true is false
    ("record.n == `false`", {"n": 0}, False),
    ("record.b == `1`", {"b": True}, False),
    ("record.n != `true`", {"n": 1}, True),
    ("record.n == `1`", {"n": 1.0}, True),
    ("record.n == `null`", {}, True),
    ("record.n != `null`", {"n": 0}, True),
    ("record.o.missing == `null`", {"o": "text"}, True),
    ("record.s == '1'", {"s": 1}, False),
    ("record.l == `[1]`", {"l": [1]}, True),
    ("record.l[0] == 'a'", {"l": ["a", "b"]}, True),
    ("record.l[-1] == 'b'", {"l": ["a", "b"]}, True),
    ("record.l[-1] == 'a'", {"l": ["a"]}, True),
    ("record.l[-3] == `null`", {"l": ["a", "b"]}, True),
    ("record.l[2] == `null`", {"l": ["a", "b"]}, True),
    ("record.s[0] == `null`", {"s": "ab"}, True),  # strings are not indexable
    ("record.l.a == `null`", {"l": [{"a": 1}]}, True),  # a field of a list is null
    ("record.s < 'b'", {"s": "a"}, True),
    ("record.s >= 'b'", {"s": "a"}, False),
    ("record.n >= `1.5`", {"n": 2}, True),
    ("record.n < `1`", {"n": True}, False),  # booleans are not ordered
    ("record.n <= `1`", {"n": True}, False),
    ("record.n >= `0`", {"n": False}, False),
    ("record.n < `1`", {}, False),
    ("record.l < `1`", {"l": [0]}, False),
    ("record.n < 'a'", {"n": 1}, False),  # a number against text: null
    ("!(record.n < 'a')", {"n": 1}, True),
    ("record.n < 'a' || `true`", {"n": 1}, True),
    ("(record.n < `1`) == `null`", {"n": None}, True),
    ("record.amount > `0`", {"amount": Decimal("10.50")}, True),  # Decimal is a number
    ("record.amount == `1`", {"amount": Decimal("1")}, True),
    ("record.amount == `true`", {"amount": Decimal("1")}, False),
    ("record.o.a == `1`", {"o": OrderedDict(a=1)}, True),  # any dict is an object
    ("record.a && record.b", {"a": 0, "b": "x"}, True),
    ("record.a && record.b", {"a": "", "b": "x"}, False),
    ("record.a || record.b", {"a": [], "b": 0}, True),
    ("!(record.a || record.b)", {"a": {}, "b": None}, True),
    ("(record.kind || 'Company') == 'Individual'", {"kind": "Individual"}, True),
    ("(record.kind || 'Company') == 'Company'", {}, True),
    ("settings.default_currency == 'USD'", {}, True),
    ("settings.default_currency == record.c", {"c": "USD"}, True),
    ("settings.cutover_dates.invoice == `null`", {}, True),
    ("destination == `null`", {}, True),
    ("length(to_array(record.l)) > `1`", {"l": [1, 2]}, True),
    ("record.l[?a == `1`] == `[]`", {"l": [{"a": 2}]}, True),
    ("record.l[?n > `0`] == `[]`", {"l": [{"n": "text"}]}, True),
]


@pytest.mark.parametrize(("guard", "record", "expected"), SEMANTICS)
def test_guard_semantics(
    specs: SpecWriter, guard: str, record: dict[str, Any], expected: bool
) -> None:
    plan = specs.plan({"when": [guard], "fields": [{"to": "f", "value": 1, "when": guard}]})
    env = guard_env(plan, record, Context())
    assert truthy(reference(guard, env)) is expected
    fast, slow = both_tiers(plan, record, "create", Context())
    if expected:
        assert fast.payload == {"f": 1}
        assert [g.passed for g in slow.guards] == [True]
        assert slow.fields[0].guard is not None and slow.fields[0].guard.passed
    else:
        assert (fast.action, fast.guard, fast.reason) == ("skip", guard, f"guard failed: {guard}")
        assert [g.passed for g in slow.guards] == [False]


VALUES = [
    ("a || b", {"a": "A", "b": "B"}, "A"),  # || and && return an operand, not a boolean
    ("a || b", {"a": "", "b": "B"}, "B"),
    ("a && b", {"a": "A", "b": "B"}, "B"),
    ("a && b", {"a": [], "b": "B"}, []),
    ("n < `5`", {"n": 1}, True),
    ("n < `5`", {"n": None}, None),  # ordering null is null, so the field is left out
    ("n < `5`", {"n": "s"}, None),
    ('`{"id": "1"}`', {}, {"id": "1"}),
    ("l[?n > `0`]", {"l": [{"n": "text"}, {"n": 1}]}, [{"n": 1}]),
]


@pytest.mark.parametrize(("path", "record", "expected"), VALUES)
def test_value_semantics(
    specs: SpecWriter, path: str, record: dict[str, Any], expected: Any
) -> None:
    plan = specs.plan({"fields": [{"to": "f", "from": path}, {"to": "g", "value": 1}]})

    fast, _ = both_tiers(plan, record, "create", Context())

    assert fast.payload == ({"g": 1} if expected is None else {"f": expected, "g": 1})


def test_a_mapping_destination_is_read_like_a_dict(specs: SpecWriter) -> None:
    plan = specs.plan({"fields": [{"to": "f", "value": 1, "when": "destination.locked != `true`"}]})
    locked = Context(destination=MappingProxyType({"locked": True}))
    unlocked = Context(destination=MappingProxyType({"locked": False}))

    assert both_tiers(plan, {}, "update", locked)[0].payload == {}
    assert both_tiers(plan, {}, "update", unlocked)[0].payload == {"f": 1}


def test_settings_are_folded_into_the_compiled_guards(specs: SpecWriter) -> None:
    body = {
        "when": ["settings.default_currency == 'EUR'"],
        "fields": [{"to": "f", "value": 1, "when": "settings.default_subsidiary != `null`"}],
    }
    euro = specs.settings({"default_currency": "EUR", "default_subsidiary": None})
    usd = specs.settings({"default_currency": "USD"})

    skipped = specs.plan(body, usd).evaluate({})
    rendered = specs.plan(body, euro).evaluate({})

    assert skipped.action == "skip"
    assert (rendered.action, rendered.payload) == ("render", {})
    for plan in (specs.plan(body, usd), specs.plan(body, euro)):
        assert "default_currency" not in plan.source_code  # decided at compile time
        assert "default_subsidiary" not in plan.source_code


@pytest.mark.parametrize(
    "guard",
    [
        "!(`0` < settings.default_currency)",
        "(settings.default_currency < `1`) == `null`",
        "!(settings.default_subsidiary < `5`) && `true`",
    ],
)
def test_guards_folded_from_settings_follow_the_same_rules(specs: SpecWriter, guard: str) -> None:
    """Folding happens at compile time, with the same rules as rendering (null, not TypeError)."""
    plan = specs.plan({"fields": [{"to": "f", "value": 1, "when": guard}]})
    assert truthy(reference(guard, guard_env(plan, {}, Context())))

    assert both_tiers(plan, {}, "create", Context())[0].payload == {"f": 1}


@pytest.mark.parametrize(
    ("guard", "value"),
    [
        ("record.o == `false`", False),
        ("record.o == 'text'", "text"),
        ("record.o != `null`", 5),
        ("record.o", [1]),
    ],
)
def test_a_guard_reading_a_whole_held_object(specs: SpecWriter, guard: str, value: Any) -> None:
    plan = specs.plan(
        {"fields": [{"to": "deep", "from": "o.a"}, {"to": "f", "value": 1, "when": guard}]}
    )
    assert truthy(reference(guard, {"record": {"o": value}}))

    assert both_tiers(plan, {"o": value}, "create", Context())[0].payload == {"f": 1}


def test_a_guard_comparing_two_literals_is_decided_without_a_warning(
    shared_specs: SpecWriter,
) -> None:
    """``null`` compared with another literal used to generate ``1 is None``, which Python
    compiles with a SyntaxWarning; the answer is now written into the code, and both tiers
    still give JMESPath's."""
    guards = ["`null` == `1`", "`1` != `null`", "`null` == `null`", "'a' != `null`"]
    plan = _catalogue(shared_specs, guards, hoist=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_catalogue(plan, guards, {}, "create", Context())
    assert "is None" not in plan.source_code
