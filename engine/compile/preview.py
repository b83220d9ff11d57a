"""Rendering records without endpoints: the per-record results people read and tests snapshot.

Why a module: ``ferry render`` prints these results and the pytest plugin returns them for
snapshots, so both must build them the same way — one shape (key, action, then payload, reason
or error), one offline context (parents as placeholders, a pinned run), one way of pairing an
update with the destination record it would overwrite. A render failure is a result, not an
exception, so one bad record never hides what the others produce.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from engine.compile.codegen import Skip
from engine.compile.plan import NO_PARENTS, Context, Mode, Plan
from engine.compile.runner import OFFLINE_RUN, natural_key, offline_context
from engine.errors import RenderError, UsageError


def _jsonable(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):  # a Location in a trace
        return {k: _jsonable(v) for k, v in msgspec.structs.asdict(value).items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def preview_context(
    plan: Plan, record: Mapping[str, Any], destination: Mapping[str, Any] | None = None
) -> Context:
    """The offline context, plus the destination record an update would overwrite (guards such
    as "only while the account has no Last Invoiced date" read it)."""
    context = offline_context(plan, record)
    if destination is None:
        return context
    return msgspec.structs.replace(context, destination=destination)


def _explained(plan: Plan, record: dict[str, Any], mode: Mode, context: Context) -> dict[str, Any]:
    from engine.compile.explaining import explain  # only for `--explain`

    story = explain(plan, record, mode=mode, context=context)
    return {
        "guards": [_jsonable(g) for g in story.guards],
        "fields": [_jsonable(f) for f in story.fields],
    }


def render_one(
    plan: Plan,
    record: dict[str, Any],
    mode: Mode = "create",
    with_explain: bool = False,
    *,
    destination: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The result for one record: key, action, and payload, reason or error."""
    key = plan.key_of(record)
    context = preview_context(plan, record, destination)
    try:
        outcome = plan.evaluate(record, mode=mode, context=context)
    except RenderError as exc:
        return {"key": key, "action": "error", "error": str(exc)}
    result: dict[str, Any] = {"key": key, "action": outcome.action}
    if outcome.action == "render":
        result["payload"] = outcome.payload
    else:
        result["reason"] = outcome.reason
        result["guard"] = outcome.guard
    if with_explain:
        result["explain"] = _explained(plan, record, mode, context)
    return result


def _dig(record: Mapping[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def find_destination(
    plan: Plan, record: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The candidate the mapping's natural keys (``identity.match``) find for ``record``, the
    way a first sync looks the destination up (``engine.run.sync.first_sync``): null keys are
    left out, no key finds nothing, and two matches are refused rather than guessed between."""
    lookup = natural_key(plan, record)
    if not lookup:
        return None
    found = [c for c in candidates if all(_dig(c, to) == v for to, v in lookup.items())]
    if len(found) > 1:
        raise UsageError(
            f"{len(found)} destination records match {lookup}; refusing to guess which one "
            f"record {plan.key_of(record)!r} is"
        )
    return found[0] if found else None


def render_records(
    plan: Plan,
    records: Iterable[dict[str, Any]],
    mode: Mode = "create",
    *,
    destinations: Iterable[Mapping[str, Any]] = (),
    with_explain: bool = False,
) -> list[dict[str, Any]]:
    """``render_one`` over records; in update mode each record is paired with its current
    destination record, if one matches. A create has no destination record by definition, so
    ``destinations`` are ignored there (a guard reading ``destination`` sees null)."""
    pool = list(destinations) if mode == "update" else []
    return [
        render_one(
            plan, record, mode, with_explain, destination=find_destination(plan, record, pool)
        )
        for record in records
    ]


def render_stream(
    plan: Plan, records: Iterable[dict[str, Any]], mode: Mode = "create"
) -> Iterator[dict[str, Any]]:
    """``render_one`` over a stream, without ``--explain`` or a destination: the same results,
    without building a context, an ``Outcome`` and a ``render_one`` frame per record. Each
    record goes straight to the plan's generated function with the offline run; a failure is
    the plan's located error. Plans whose offline context depends on the record (parents), or
    that number records, go through ``render_one``."""
    if plan.requires or (plan.lines and plan.lines.requires) or plan.sequences is not None:
        yield from (render_one(plan, record, mode) for record in records)
        return
    stream, guards = plan.streamers[mode], plan.guards
    skips = tuple(Skip(index) for index in range(len(guards)))
    run = dict(OFFLINE_RUN)
    key_of = plan.key_of
    for record in records:
        # the record's id as text, as ``key_of`` gives it, without its call for a plain dict
        key = record.get("id") if record.__class__ is dict else key_of(record)
        if key is not None and key.__class__ is not str:
            key = str(key)
        try:
            result = stream(record, None, run, NO_PARENTS, None, skips)
        except RenderError as exc:
            yield {"key": key, "action": "error", "error": str(exc)}
            continue
        if result.__class__ is dict:
            yield {"key": key, "action": "render", "payload": result}
        else:
            guard = guards[result.index]  # a Skip
            yield {"key": key, "action": guard.on_fail, "reason": guard.reason, "guard": guard.name}
