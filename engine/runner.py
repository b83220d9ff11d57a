"""Run a compiled Plan on one record: the fast tier, and error attribution when it fails.

The generated render function does the work. When it raises, the record is re-run through the
explaining tier, which evaluates field by field and raises a ``RenderError`` naming the spec
file and line, the destination field, the record's key and the original cause — information the
fast tier never spends time collecting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.codegen import Skip
from engine.errors import RenderError
from engine.plan import Context, Mode, Outcome, Plan


def key_of(plan: Plan, record: Mapping[str, Any]) -> str | None:
    """The record's id, as text, for messages and reports."""
    value = record.get("id") if isinstance(record, Mapping) else None
    return None if value is None else str(value)


def evaluate(plan: Plan, record: Mapping[str, Any], mode: Mode, ctx: Context) -> Outcome:
    """Render one record; a guard's refusal is an outcome, a failure is a ``RenderError``."""
    if record.__class__ is not dict:
        if not isinstance(record, Mapping):
            raise RenderError(
                f"a record must be an object, got {type(record).__name__}", location=plan.location
            )
        record = dict(record)
    render = plan.renderers[mode]
    try:
        result = render(record, ctx.destination, ctx.run, ctx.parents, ctx.line_parents)
    except Exception as exc:
        from engine.explain import attribute_failure

        raise attribute_failure(plan, record, mode, ctx, exc) from exc
    if result.__class__ is dict:
        return Outcome("render", result)
    assert isinstance(result, Skip)
    guard = plan.guards[result.index]
    return Outcome("skip", reason=guard.reason, guard=guard.name)
