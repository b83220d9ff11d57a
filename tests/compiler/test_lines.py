"""Sublists: one destination line per element of a source list, with its own fields and guard,
and parents shown as offline placeholders (``engine.compile.runner.offline_context``)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Context, RenderError
from engine.compile.explaining import explain as explain_record
from engine.compile.runner import offline_context
from tests.compiler.specs import SpecWriter, line_of

INVOICE = """\
requires:
  - {mapping: test/customer, from: accountId}
fields:
  - {to: customer, template: "{{ parents.customer }}"}
  - {to: item.total, from: amount}
lines:
  to: item.items
  from: items
  requires:
    - {mapping: test/charge-item, from: chargeId, as: charge}
  when: "line.quantity != `0`"
  fields:
    - {to: item, template: "{{ parents.charge }}"}
    - {to: amount, from: amount, missing: fail}
    - {to: ref, template: "{{ record.id }}/{{ line.chargeId }}"}
    - {to: memo, from: memo, write: create}
    - {to: big, value: true, when: "line.amount > `100` && record.vip == `true`"}
"""

RECORD: dict[str, Any] = {
    "id": "INV-1",
    "accountId": "A1",
    "amount": 160,
    "vip": True,
    "items": [
        {"chargeId": "C1", "amount": 10, "quantity": 1, "memo": "first"},
        {"chargeId": "C2", "amount": 0, "quantity": 0},
        {"chargeId": "C3", "amount": 150},
    ],
}


def both(
    plan: Any, record: dict[str, Any], mode: Any = "create", ctx: Context | None = None
) -> Any:
    ctx = ctx if ctx is not None else offline_context(plan, record)
    fast = plan.evaluate(record, mode=mode, context=ctx)
    slow = explain_record(plan, record, mode=mode, context=ctx)
    assert (fast.action, fast.payload) == (slow.action, slow.payload)
    return fast.payload


def test_lines_render_with_their_own_fields_guard_and_parents(specs: SpecWriter) -> None:
    plan = specs.plan(INVOICE)

    assert both(plan, RECORD) == {
        "customer": "<test/customer:A1>",
        "item": {
            "total": 160,
            "items": [
                {"item": "<test/charge-item:C1>", "amount": 10, "ref": "INV-1/C1", "memo": "first"},
                # the second line fails the line guard; the third keeps its own parent
                {"item": "<test/charge-item:C3>", "amount": 150, "ref": "INV-1/C3", "big": True},
            ],
        },
    }


def test_update_drops_create_only_line_fields(specs: SpecWriter) -> None:
    plan = specs.plan(INVOICE)

    rows = both(plan, RECORD, mode="update")["item"]["items"]

    assert [sorted(row) for row in rows] == [
        ["amount", "item", "ref"],
        ["amount", "big", "item", "ref"],
    ]


def test_line_parents_come_from_the_context(specs: SpecWriter) -> None:
    plan = specs.plan(INVOICE)
    ctx = Context(
        parents={"customer": "cust-9"},
        line_parents=({"charge": "item-1"}, {"charge": "item-2"}, {"charge": "item-3"}),
    )

    payload = both(plan, RECORD, ctx=ctx)

    assert payload["customer"] == "cust-9"
    assert [row["item"] for row in payload["item"]["items"]] == ["item-1", "item-3"]


def test_render_many_streams_lines_as_evaluate_renders_them(specs: SpecWriter) -> None:
    plan = specs.plan(
        """\
        when: ["record.amount != `0`"]
        fields:
          - {to: total, from: amount}
        lines:
          to: rows
          from: items
          when: "line.quantity != `0`"
          fields:
            - {to: amount, from: amount, missing: fail}
            - {to: ref, template: "{{ record.id }}/{{ line.chargeId }}"}
            - {to: memo, from: memo, write: create}
        """
    )
    skipped = {**RECORD, "id": "INV-0", "amount": 0}
    broken = {**RECORD, "id": "INV-9", "items": [{"chargeId": "C9", "quantity": 2}]}

    for mode in ("create", "update"):
        expected = [both(plan, r, mode, Context()) for r in (RECORD, skipped)]
        assert list(plan.render_many([RECORD, skipped], mode=mode)) == [expected[0], None]
        with pytest.raises(RenderError) as streamed:
            list(plan.render_many([RECORD, broken], mode=mode))
        assert streamed.value.record_key == "INV-9"
        assert streamed.value.field is not None and "amount" in streamed.value.field


@pytest.mark.parametrize("items", [None, "text", {"a": 1}, []])
def test_a_missing_or_non_list_source_gives_no_lines(specs: SpecWriter, items: Any) -> None:
    plan = specs.plan(INVOICE)
    record = {"id": "INV-2", "accountId": "A1", "amount": 1}
    if items is not None:
        record["items"] = items

    assert both(plan, record) == {
        "customer": "<test/customer:A1>",
        "item": {"total": 1, "items": []},
    }


def test_a_failing_line_field_is_a_located_render_error(specs: SpecWriter) -> None:
    plan = specs.plan(INVOICE)
    record = {**RECORD, "items": [*RECORD["items"], {"chargeId": "C4", "quantity": 2}]}
    ctx = offline_context(plan, record)

    with pytest.raises(RenderError) as fast:
        plan.evaluate(record, context=ctx)
    with pytest.raises(RenderError) as slow:
        explain_record(plan, record, context=ctx)

    error = fast.value
    assert str(error) == str(slow.value)
    assert error.record_key == "INV-1"
    assert error.field is not None and error.field.endswith("amount")
    assert error.location is not None
    assert error.location.line == line_of(plan.file, "{to: amount, from: amount, missing: fail}")


def test_explain_names_each_line_field_by_its_row(specs: SpecWriter) -> None:
    plan = specs.plan(INVOICE)

    story = explain_record(plan, RECORD, context=offline_context(plan, RECORD))

    names = [t.to for t in story.fields]
    assert "item.items[0].amount" in names
    assert "item.items[1].big" in names
    assert not any(name.startswith("item.items[2]") for name in names)
