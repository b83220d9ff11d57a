"""Run a compiled Plan on one record: the fast tier, and error attribution when it fails.

The generated render function does the work. When it raises, the record is re-run through the
explaining tier, which evaluates field by field and raises a ``RenderError`` naming the spec
file and line, the destination field, the record's key and the original cause — information the
fast tier never spends time collecting.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from engine.compile.codegen import Skip
from engine.compile.external_ids import encode_external_id
from engine.compile.plan import Context, Mode, Outcome, Plan, ValueSource
from engine.errors import RenderError
from engine.language.expressions import evaluate as search

# The run an offline render sees (as a dict: guards read dicts): pinned, so payloads can be
# snapshotted.
OFFLINE_RUN: Mapping[str, Any] = MappingProxyType(
    {"started_at": "1970-01-01T00:00:00Z", "id": "offline"}
)


def evaluate(plan: Plan, record: Mapping[str, Any], mode: Mode, ctx: Context) -> Outcome:
    """Render one record; a guard's refusal is an outcome, a failure is a ``RenderError``."""
    if record.__class__ is not dict:
        if not isinstance(record, Mapping):
            raise RenderError(
                f"a record must be an object, got {type(record).__name__}", location=plan.location
            )
        record = dict(record)
    if ctx.destination is not None and ctx.destination.__class__ is not dict:
        ctx = msgspec.structs.replace(ctx, destination=dict(ctx.destination))
    render = plan.renderers[mode]
    if plan.sequences is not None:
        plan.sequences.begin_record()
    try:
        result = render(record, ctx.destination, ctx.run, ctx.parents, ctx.line_parents)
    except Exception as exc:
        # the explaining tier, imported when a record first fails: rendering needs it only then
        from engine.compile.explaining import attribute_failure

        error = attribute_failure(plan, record, mode, ctx, exc)
        if plan.sequences is not None:
            plan.sequences.give_back_record()  # the numbers both tiers drew for this record
        raise error from exc
    if result.__class__ is dict:
        return Outcome("render", result)
    assert isinstance(result, Skip)
    guard = plan.guards[result.index]
    if guard.on_fail == "hold":
        return Outcome("hold", reason=guard.reason, guard=guard.name)
    return Outcome("skip", reason=guard.reason, guard=guard.name)


def requirement_values(plan: Plan, record: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(alias, mapping, parent source id) for each record-level requirement."""
    out = []
    for req in plan.requires:
        assert req.source.parsed is not None
        out.append((req.alias, req.mappings[0], search(req.source.parsed, record)))
    return out


def offline_context(plan: Plan, record: Mapping[str, Any]) -> Context:
    """A context for rendering without endpoints: each parent's destination id is shown as a
    placeholder ``<mapping:source id>``, so payloads can be read and snapshotted offline."""
    parents: dict[str, Any] = {}
    for alias, mapping, value in requirement_values(plan, record):
        parents[alias] = f"<{mapping}:{value}>"
        parents[f"{alias}_mapping"] = mapping
    line_parents = None
    if plan.lines is not None and plan.lines.requires:
        assert plan.lines.source.parsed is not None
        items = search(plan.lines.source.parsed, record)
        line_parents = tuple(
            {
                key: value
                for req in plan.lines.requires
                if req.source.parsed is not None
                for key, value in (
                    (req.alias, f"<{req.mappings[0]}:{search(req.source.parsed, line)}>"),
                    (f"{req.alias}_mapping", req.mappings[0]),
                )
            }
            for line in (items if isinstance(items, list) else [])
        )
    return Context(
        parents=parents,
        line_parents=line_parents,
        run=dict(OFFLINE_RUN),
    )


def source_value(
    plan: Plan, source: ValueSource, data: Any, env: Mapping[str, Any] | None = None
) -> Any:
    """A single value (identity keys, tracking fields): a path over ``data``, a constant, or a
    template over ``env`` (which defaults to the record and the settings)."""
    if source.kind == "value":
        return source.constant
    if source.kind == "template":
        assert source.template is not None
        context = (
            env
            if env is not None
            else {
                "record": data,
                "settings": dict(plan.settings.values),
                "destination": None,
                "run": {},
                "parents": {},
            }
        )
        return source.template(context)
    assert source.parsed is not None
    return search(source.parsed, data)


def natural_key(plan: Plan, record: Mapping[str, Any]) -> dict[str, Any]:
    """The destination fields and values that find this record's destination record
    (``identity.match``); keys whose value is null are left out."""
    keys = {to: source_value(plan, src, record) for to, src in plan.match}
    return {to: value for to, value in keys.items() if value is not None}


def external_id(plan: Plan, record: Mapping[str, Any]) -> str | None:
    """The deterministic destination external id of a record, when the spec defines one,
    encoded to the external id alphabet (``engine.compile.external_ids``: plain ids are
    unchanged)."""
    if plan.external_id is None:
        return None
    value = source_value(plan, plan.external_id, record)
    return None if value is None else encode_external_id(str(value))
