"""What one destination field becomes: variants, write modes, missing values, constants,
templates, nested paths, guards, auto-numbering and located render errors.

Every rendering assertion goes through both tiers (``Plan.evaluate`` and ``explain``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jinja2.exceptions import UndefinedError

import engine
from engine import Context, RenderError, SpecError
from engine.compile.explaining import explain as explain_record
from engine.errors import TransformError
from tests.compiler.specs import SpecWriter, line_of, streamed


def render(
    plan: engine.Plan, record: dict[str, Any], mode: Any = "create", context: Context | None = None
) -> dict[str, Any] | None:
    """The payload, after checking that both tiers agree on it."""
    ctx = context or Context()
    fast = plan.evaluate(record, mode=mode, context=ctx)
    slow = explain_record(plan, record, mode=mode, context=ctx)
    assert (fast.action, fast.payload) == (slow.action, slow.payload)
    if context is None:
        assert streamed(plan, record, mode) == (fast.payload if fast.action == "render" else None)
    return fast.payload


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception's chain of causes, nearest first."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def render_error(plan: engine.Plan, record: dict[str, Any], **kw: Any) -> RenderError:
    """The RenderError both tiers raise for ``record`` (the explaining tier's is the reference)."""
    with pytest.raises(RenderError) as slow:
        explain_record(plan, record, **kw)
    with pytest.raises(RenderError) as fast:
        plan.evaluate(record, **kw)
    assert str(fast.value) == str(slow.value)
    if "context" not in kw:
        with pytest.raises(RenderError) as stream:
            streamed(plan, record, kw.get("mode", "create"))
        assert str(stream.value) == str(slow.value)
    return fast.value


# --- variants chosen by settings -----------------------------------------------------------------

VARIANTS = """\
fields:
  - to: entityId
    by: account_number_mapping
    cases:
      source_number:
        from: accountNumber
      source_name:
        by: item_id_mapping
        cases:
          charge_id:
            from: name
            transforms: [upper]
          charge_name:
            value: fixed
      destination_auto_number:
        from: accountNumber
        transforms: [auto_number]
    transforms:
      - prefix: {text: "c-"}
  - {to: name, from: name}
"""


@pytest.mark.parametrize(
    ("settings", "expected", "label"),
    [
        (
            {"account_number_mapping": "source_number"},
            "c-A1",
            "account_number_mapping=source_number",
        ),
        (
            {"account_number_mapping": "source_name", "item_id_mapping": "charge_id"},
            "c-BOB",  # the case's transforms first, then the field's
            "account_number_mapping=source_name, item_id_mapping=charge_id",
        ),
        (
            {"account_number_mapping": "source_name", "item_id_mapping": "charge_name"},
            "c-fixed",
            "account_number_mapping=source_name, item_id_mapping=charge_name",
        ),
    ],
)
def test_settings_choose_one_variant(
    specs: SpecWriter, settings: dict[str, str], expected: str, label: str
) -> None:
    plan = specs.plan(VARIANTS, specs.settings(settings))
    record = {"accountNumber": "A1", "name": "bob"}

    assert render(plan, record) == {"entityId": expected, "name": "bob"}
    assert plan.destination_assigned == ()
    assert explain_record(plan, record).fields[0].variant == label


def test_auto_number_leaves_the_field_to_the_destination(specs: SpecWriter) -> None:
    plan = specs.plan(
        VARIANTS, specs.settings({"account_number_mapping": "destination_auto_number"})
    )
    record = {"accountNumber": "A1", "name": "bob"}

    assert render(plan, record) == {"name": "bob"}
    assert render(plan, record, mode="update") == {"name": "bob"}
    assert plan.destination_assigned == ("entityId",)
    trace = explain_record(plan, record).fields[0]
    assert not trace.written
    assert "destination assigns" in trace.note


CASE_POLICIES = """\
fields:
  - to: code
    by: account_number_mapping
    missing: fail
    when: "record.kind != 'skip'"
    cases:
      source_number:
        from: number
        missing: default
        default: N/A
      source_name:
        from: number
        when: "record.kind == 'person'"
      destination_auto_number:
        from: number
"""


def test_a_case_refines_the_fields_missing_policy_and_guard(specs: SpecWriter) -> None:
    by_number = specs.plan(
        CASE_POLICIES, specs.settings({"account_number_mapping": "source_number"})
    )
    by_name = specs.plan(CASE_POLICIES, specs.settings({"account_number_mapping": "source_name"}))

    assert render(by_number, {}) == {"code": "N/A"}  # the case's own `missing: default`
    assert render(by_number, {"kind": "skip"}) == {}  # the field's guard still applies
    assert render(by_name, {"kind": "company"}) == {}  # the case's guard, with the field's
    assert render(by_name, {"kind": "person", "number": 5}) == {"code": 5}
    error = render_error(by_name, {"id": "r", "kind": "person"})  # the field's `missing: fail`
    assert error.field == "code"


# --- write: create | update | always -----------------------------------------------------------

WRITES = """\
fields:
  - {to: always, value: 1}
  - {to: created, value: 2, write: create}
  - {to: updated, value: 3, write: update}
  - to: number
    from: num
    write: {setting: account_number_update, cases: {allow: always, deny: create}}
"""


@pytest.mark.parametrize(
    ("update", "mode", "expected"),
    [
        ("allow", "create", {"always": 1, "created": 2, "number": "N"}),
        ("allow", "update", {"always": 1, "updated": 3, "number": "N"}),
        ("deny", "create", {"always": 1, "created": 2, "number": "N"}),
        ("deny", "update", {"always": 1, "updated": 3}),
    ],
)
def test_write_decides_the_modes_a_field_is_sent_in(
    specs: SpecWriter, update: str, mode: str, expected: dict[str, Any]
) -> None:
    plan = specs.plan(WRITES, specs.settings({"account_number_update": update}))

    assert render(plan, {"num": "N"}, mode=mode) == expected


def test_explain_says_why_a_field_is_not_written_in_this_mode(specs: SpecWriter) -> None:
    plan = specs.plan(WRITES)

    traces = {t.to: t for t in explain_record(plan, {"num": "N"}, mode="update").fields}

    assert not traces["created"].written
    assert "not written on update" in traces["created"].note


# --- missing values and nulls ------------------------------------------------------------------

MISSING = """\
fields:
  - {to: absent, from: x}
  - {to: nulled, from: nul}
  - {to: nulled_through_transforms, from: nul, transforms: [trim, upper]}
  - {to: constant_null, value: null}
  - {to: defaulted, from: x, missing: default, default: {id: "1"}}
  - {to: defaulted_from_null, from: nul, transforms: [trim], missing: default, default: USD}
  - {to: blank, from: blank, transforms: [{default: {value: B, blank: true}}]}
  - {to: zero, from: zero}
  - {to: false_value, from: flag}
  - {to: empty, from: empty}
"""


def test_a_missing_or_null_source_is_never_written_as_null(specs: SpecWriter) -> None:
    plan = specs.plan(MISSING)
    record = {"nul": None, "blank": "  ", "zero": 0, "flag": False, "empty": ""}

    assert render(plan, record) == {
        "defaulted": {"id": "1"},
        "defaulted_from_null": "USD",
        "blank": "B",
        "zero": 0,
        "false_value": False,
        "empty": "",
    }


def test_a_template_never_writes_a_null_as_the_text_none(specs: SpecWriter) -> None:
    plan = specs.plan('fields:\n  - {to: ref, template: "zuora-{{ record.accountId }}"}\n')

    assert render(plan, {"accountId": "A1"}) == {"ref": "zuora-A1"}
    try:
        payload = render(plan, {"id": "r1", "accountId": None})
    except RenderError:
        return
    assert payload == {}, "a null became text in the payload"


FAIL = """\
fields:
  - {to: name, from: name}
  - to: num
    from: num
    missing: fail
"""


def test_missing_fail_raises_a_located_render_error(specs: SpecWriter) -> None:
    plan = specs.plan(FAIL)
    path = plan.file

    assert render(plan, {"id": "R-7", "num": 0}) == {"num": 0}
    error = render_error(plan, {"id": "R-7", "name": "x", "num": None})

    assert (error.field, error.record_key) == ("num", "R-7")
    assert error.location is not None
    assert error.location.file == path
    assert error.location.line == line_of(path, "to: num")
    assert f"{path}:{error.location.line}" in str(error)
    assert "'R-7'" in str(error) and "'num'" in str(error)


def test_a_record_without_id_still_gets_a_located_error(specs: SpecWriter) -> None:
    plan = specs.plan(FAIL)

    error = render_error(plan, {})

    assert error.record_key is None
    assert error.field == "num"


# --- transform and template failures -------------------------------------------------------------

LOOKUP = """\
tables:
  currencies: {USD: {id: "1"}, EUR: {id: "2"}}
fields:
  - {to: name, from: name}
  - to: currency
    from: currency
    transforms:
      - trim
      - lookup: {table: currencies, as: ref}
"""


def test_a_transform_failure_is_located_at_the_transform_item(specs: SpecWriter) -> None:
    plan = specs.plan(LOOKUP)

    assert render(plan, {"currency": " EUR "}) == {"currency": {"id": "2"}}
    error = render_error(plan, {"id": 9, "currency": "usd"})

    assert error.location is not None
    assert error.location.line == line_of(plan.file, "- lookup:")
    assert (error.field, error.record_key) == ("currency", "9")
    assert "did you mean 'USD'" in str(error)
    assert any(isinstance(c, TransformError) for c in causes(error))


def test_an_undefined_attribute_in_a_template_is_a_render_error(specs: SpecWriter) -> None:
    plan = specs.plan('fields:\n  - {to: full, template: "{{ record.first }} {{ record.last }}"}\n')

    assert render(plan, {"first": "Ada", "last": "L"}) == {"full": "Ada L"}
    error = render_error(plan, {"id": "r1", "first": "Ada"})

    assert (error.field, error.record_key) == ("full", "r1")
    assert error.location is not None and error.location.line == line_of(plan.file, "to: full")
    assert any(isinstance(c, UndefinedError) for c in causes(error))


def test_a_template_failing_on_a_value_is_a_render_error(specs: SpecWriter) -> None:
    plan = specs.plan('fields:\n  - {to: next, template: "{{ record.num + 1 }}"}\n')

    assert render(plan, {"num": 1}) == {"next": "2"}
    error = render_error(plan, {"id": "r1", "num": "one"})

    assert error.field == "next"
    assert any(isinstance(c, TypeError) for c in causes(error))


def test_a_jmespath_function_refusing_a_value_is_a_render_error(specs: SpecWriter) -> None:
    plan = specs.plan('fields:\n  - {to: size, from: "length(name)"}\n')

    assert render(plan, {"name": "abc"}) == {"size": 3}
    error = render_error(plan, {"id": "r1", "name": 5})

    assert error.field == "size"


def test_a_guard_function_refusing_a_value_is_a_render_error(specs: SpecWriter) -> None:
    plan = specs.plan('when: ["length(record.name) > `2`"]\nfields:\n  - {to: f, value: 1}\n')

    assert render(plan, {"name": "abc"}) == {"f": 1}
    render_error(plan, {"id": "r1", "name": 5})


# --- constants are never shared between records --------------------------------------------------

CONSTANTS = """\
fields:
  - {to: constant, value: {id: "5", tags: [1]}}
  - {to: defaulted, from: nope, missing: default, default: [1, 2]}
"""


def _mutate_all(payload: dict[str, Any]) -> None:
    for value in payload.values():
        if isinstance(value, dict):
            value["id"] = "changed"
            value.clear()
        elif isinstance(value, list):
            value.append("changed")


def test_mutable_constants_are_fresh_for_every_record(specs: SpecWriter) -> None:
    plan = specs.plan(CONSTANTS)
    expected = {"constant": {"id": "5", "tags": [1]}, "defaulted": [1, 2]}

    for tier in (plan.render, lambda r: explain_record(plan, r).payload):
        first = tier({"id": 1})
        assert first == expected
        _mutate_all(first)
        assert tier({"id": 2}) == expected


SHARED_BY_TRANSFORMS = [
    pytest.param(
        "{to: f, from: kind, transforms: [{map: {values: {A: {id: '1'}}}}]}", id="map-table-value"
    ),
    pytest.param("{to: f, from: nope, transforms: [{default: {value: {id: '1'}}}]}", id="default"),
    pytest.param("""{to: f, from: "`{\\"id\\": \\"1\\"}`"}""", id="json-literal-path"),
]


@pytest.mark.parametrize("field", SHARED_BY_TRANSFORMS)
def test_values_from_transforms_and_literals_are_fresh_for_every_record(
    specs: SpecWriter, field: str
) -> None:
    plan = specs.plan(f"fields:\n  - {field}\n")

    first = plan.render({"kind": "A"})
    assert first == {"f": {"id": "1"}}
    _mutate_all(first)

    assert plan.render({"kind": "A"}) == {"f": {"id": "1"}}


# --- templates ---------------------------------------------------------------------------------


def test_a_template_reaching_python_internals_is_refused_at_load(specs: SpecWriter) -> None:
    path = specs.yaml('fields:\n  - {to: f, template: "{{ record.__class__.__mro__ }}"}\n')

    with pytest.raises(SpecError) as caught:
        engine.load_mapping(path)

    problems = caught.value.problems
    assert {p.message for p in problems} == {
        "templates may not read private attributes ('__class__')",
        "templates may not read private attributes ('__mro__')",
    }
    assert {(p.location.line, p.field) for p in problems} == {(line_of(path, "__class__"), "f")}


def test_a_template_reaching_internals_by_subscript_never_renders_them(specs: SpecWriter) -> None:
    # a key computed from the record cannot be refused at load time: the sandbox stops it
    plan = specs.plan("""fields:\n  - {to: f, template: "{{ record[record.k] }}"}\n""")

    error = render_error(plan, {"id": "r", "k": "__class__"})

    assert "sandbox" in str(error)


def test_a_template_reaching_internals_by_subscript_is_refused_at_load(specs: SpecWriter) -> None:
    path = specs.yaml("""fields:\n  - {to: f, template: "{{ record['__class__'] }}"}\n""")

    with pytest.raises(SpecError):
        engine.load_mapping(path)


SETTINGS_TEMPLATE = """\
fields:
  - {to: currency, template: "{{ settings.default_currency }}"}
  - {to: label, template: "{{ settings.default_currency }}-{{ record.id }}"}
"""


@pytest.mark.parametrize("currency", ["USD", "EUR"])
def test_a_template_reading_only_settings_becomes_a_constant(
    specs: SpecWriter, currency: str
) -> None:
    plan = specs.plan(SETTINGS_TEMPLATE, specs.settings({"default_currency": currency}))

    assert render(plan, {"id": "r1"}) == {"currency": currency, "label": f"{currency}-r1"}
    traces = explain_record(plan, {"id": "r1"}).fields
    assert traces[0].source.startswith("value:")  # folded when the spec was compiled
    assert traces[1].source.startswith("template:")


# --- nested destination paths ------------------------------------------------------------------

NESTED = """\
fields:
  - {to: a.b, from: x}
  - {to: top, from: x}
  - {to: a.c.d, from: w}
  - {to: a.c.e, value: 1}
  - {to: z.q, from: nope}
"""


def test_nested_destination_paths_merge_with_their_siblings(specs: SpecWriter) -> None:
    plan = specs.plan(NESTED)

    assert render(plan, {"x": "X", "w": [1]}) == {
        "a": {"b": "X", "c": {"d": [1], "e": 1}},
        "top": "X",
    }
    assert render(plan, {}) == {"a": {"c": {"e": 1}}}


# --- guards ------------------------------------------------------------------------------------

FIELD_GUARDS = """\
fields:
  - {to: on_create, value: 1, when: "destination == `null`"}
  - {to: changed, from: x, when: "destination.x != record.x"}
  - {to: person, from: first, when: "record.kind == 'Individual'"}
"""


def test_field_guards_see_the_destination_which_is_null_on_create(specs: SpecWriter) -> None:
    plan = specs.plan(FIELD_GUARDS)
    record = {"x": "X", "first": "Ada", "kind": "Company"}

    assert render(plan, record) == {"on_create": 1, "changed": "X"}
    same = Context(destination={"x": "X"})
    other = Context(destination={"x": "Y"})
    assert render(plan, record, mode="update", context=same) == {}
    assert render(plan, record, mode="update", context=other) == {"changed": "X"}
    assert render(plan, {**record, "kind": "Individual"}) == {
        "on_create": 1,
        "changed": "X",
        "person": "Ada",
    }
    trace = explain_record(plan, record, mode="update", context=same).fields[0]
    assert trace.guard is not None and not trace.guard.passed
    assert "guard" in trace.note


RECORD_GUARDS = """\
when:
  - name: active
    expr: "record.status == 'Active'"
    reason: only Active accounts are synced
  - "record.sync != 'No'"
fields:
  - {to: f, from: status}
"""


def test_record_guards_skip_with_the_guards_name_and_reason(specs: SpecWriter) -> None:
    plan = specs.plan(RECORD_GUARDS)

    closed = plan.evaluate({"status": "Closed", "sync": "No"})
    no_sync = plan.evaluate({"status": "Active", "sync": "No"})
    story = explain_record(plan, {"status": "Active", "sync": "No"})

    assert (closed.action, closed.guard, closed.reason) == (
        "skip",
        "active",
        "only Active accounts are synced",
    )
    assert (no_sync.guard, no_sync.reason) == (
        "record.sync != 'No'",
        "guard failed: record.sync != 'No'",
    )
    assert plan.render({"status": "Closed"}) is None
    assert (story.action, story.reason, story.payload) == ("skip", no_sync.reason, None)
    assert [(g.name, g.passed) for g in story.guards] == [
        ("active", True),
        ("record.sync != 'No'", False),
    ]
    assert story.guards[0].location.line == line_of(plan.file, "- name: active")
    assert render(plan, {"status": "Active"}) == {"f": "Active"}
