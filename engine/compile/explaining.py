"""The explaining tier: render one record step by step, saying where every value came from.

Two jobs. ``explain`` powers ``ferry render --explain``: per destination field, the source path,
the value before and after each transform, and each guard's decision. ``attribute_failure``
turns a failure of the fast tier into a precise ``RenderError`` by re-running the record here.
This tier evaluates expressions with JMESPath itself, so it is also the reference the fast tier
is tested against; what steps do with a missing value, and what a field's ``missing:`` policy
makes of it, it asks ``engine.transforms.semantics``, as the generated code is written from it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compile.plan import Context, FieldPlan, GuardPlan, Mode, Plan, ValueSource
from engine.compile.pycode import jp_truthy
from engine.errors import FerryError, Location, RenderError
from engine.language.expressions import evaluate, mutable_literal
from engine.transforms.core import MISSING, OMIT
from engine.transforms.semantics import STOPS, ending, kind_of, normalized, step_runs


@dataclass(frozen=True)
class StepTrace:
    """One transform: its name and the value before and after it (``skipped`` when MISSING)."""

    name: str
    before: Any
    after: Any
    skipped: bool = False


@dataclass(frozen=True)
class GuardTrace:
    """A guard's decision."""

    name: str
    expression: str
    passed: bool
    location: Location


@dataclass
class FieldTrace:
    """How one destination field got its value, or why it was left out."""

    to: str
    location: Location
    source: str
    variant: str = ""
    guard: GuardTrace | None = None
    value: Any = None
    steps: list[StepTrace] = field(default_factory=list)
    result: Any = None
    written: bool = False
    note: str = ""


@dataclass
class Explanation:
    """The full story of one record."""

    key: str | None
    action: str
    payload: dict[str, Any] | None
    reason: str | None
    guards: list[GuardTrace] = field(default_factory=list)
    fields: list[FieldTrace] = field(default_factory=list)


def _show(value: Any) -> Any:
    if value is MISSING:
        return "<missing>"
    if value is OMIT:
        return "<not sent>"
    return value


class _Explainer:
    def __init__(self, plan: Plan, record: dict[str, Any], mode: Mode, ctx: Context) -> None:
        self.plan = plan
        self.record = record
        self.mode = mode
        self.key = plan.key_of(record)
        self.env: dict[str, Any] = {
            "record": record,
            "settings": dict(plan.settings.values),
            "destination": ctx.destination,
            "run": ctx.run,
            "parents": ctx.parents,
        }
        self.ctx = ctx

    def guard(
        self, guard: GuardPlan, env: Mapping[str, Any], field: str | None = None
    ) -> GuardTrace:
        try:
            passed = jp_truthy(evaluate(guard.parsed, env))
        except FerryError as exc:
            raise RenderError(
                f"guard {guard.name!r}: {exc}",
                location=guard.location,
                field=field,
                record_key=self.key,
            ) from exc
        return GuardTrace(guard.name, guard.text, passed, guard.location)

    def source(self, source: ValueSource, base: Any, env: Mapping[str, Any]) -> Any:
        if source.kind == "value":
            return copy.deepcopy(source.constant)
        if source.kind == "template":
            assert source.template is not None
            return source.template(env)
        assert source.parsed is not None
        value = evaluate(source.parsed, base)
        return copy.deepcopy(value) if mutable_literal(source.parsed) else value

    def fail(self, plan: FieldPlan, location: Location, message: str) -> RenderError:
        return RenderError(message, location=location, field=plan.to, record_key=self.key)

    def field(self, plan: FieldPlan, base: Any, env: Mapping[str, Any]) -> FieldTrace:
        trace = FieldTrace(
            plan.to, plan.location, f"{plan.source.kind}: {plan.source.text}", plan.variant
        )
        if plan.guard is not None:
            trace.guard = self.guard(plan.guard, env, plan.to)
            if not trace.guard.passed:
                trace.note = f"left out: guard {plan.guard.text!r} is false"
                return trace
        try:
            value = self.source(plan.source, base, env)
        except FerryError as exc:
            raise self.fail(plan, plan.location, str(exc)) from exc
        trace.value = value
        value = normalized(value)
        for step in plan.steps:
            if kind_of(value) == STOPS:
                break
            if not step_runs(value, step.accepts_missing):
                trace.steps.append(StepTrace(step.name, "<missing>", "<missing>", skipped=True))
                continue
            before = value
            try:
                value = step.fn(value)
            except Exception as exc:
                raise self.fail(plan, step.location, f"transform {step.name}: {exc}") from exc
            value = normalized(value)
            trace.steps.append(StepTrace(step.name, _show(before), _show(value)))
        return self.finish(plan, trace, value)

    def finish(self, plan: FieldPlan, trace: FieldTrace, value: Any) -> FieldTrace:
        """The end of the steps, by the field's policy (``ending``), said in words."""
        end = ending(value, plan.missing)
        if end == "fail":
            raise self.fail(
                plan, plan.location, "no value, and the field is required (missing: fail)"
            )
        if end == "write":
            trace.result, trace.written = value, True
        elif end == "write_default":
            trace.result, trace.written = copy.deepcopy(plan.default), True
            trace.note = "missing: default used"
        elif kind_of(value) == "omit":
            trace.note = (
                "not sent: the destination assigns it"
                if plan.destination_assigned
                else "not sent (a transform omitted it)"
            )
        else:
            trace.note = f"left out: no value (missing: {plan.missing})"
        return trace

    def fields(
        self,
        plans: tuple[FieldPlan, ...],
        base: Any,
        env: Mapping[str, Any],
        out: dict[str, Any],
        traces: list[FieldTrace],
        prefix: str = "",
    ) -> None:
        for plan in plans:
            if not plan.writes_in(self.mode):
                traces.append(
                    FieldTrace(
                        prefix + plan.to,
                        plan.location,
                        plan.source.text,
                        plan.variant,
                        note=f"not written on {self.mode} (write: {plan.write})",
                    )
                )
                continue
            trace = self.field(plan, base, env)
            trace.to = prefix + plan.to
            traces.append(trace)
            if trace.written:
                _assign(out, plan.path, trace.result)

    def lines(self, out: dict[str, Any], traces: list[FieldTrace]) -> None:
        lines = self.plan.lines
        if lines is None:
            return
        items = self.source(lines.source, self.record, self.env)
        rows: list[dict[str, Any]] = []
        for index, line in enumerate(items if isinstance(items, list) else []):
            parents = {
                **self.ctx.parents,
                **(self.ctx.line_parents[index] if self.ctx.line_parents else {}),
            }
            env = {**self.env, "line": line, "parents": parents}
            if lines.guard is not None and not self.guard(lines.guard, env).passed:
                continue
            row: dict[str, Any] = {}
            self.fields(lines.fields, line, env, row, traces, f"{lines.to}[{len(rows)}].")
            rows.append(row)
        _assign(out, lines.path, rows)

    def run(self) -> Explanation:
        guards = []
        for guard in self.plan.guards:
            trace = self.guard(guard, self.env)
            guards.append(trace)
            if not trace.passed:
                action = "hold" if guard.on_fail == "hold" else "skip"
                return Explanation(self.key, action, None, guard.reason, guards)
        out: dict[str, Any] = {}
        traces: list[FieldTrace] = []
        self.fields(self.plan.fields, self.record, self.env, out, traces)
        self.lines(out, traces)
        return Explanation(self.key, "render", out, None, guards, traces)


def _assign(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = out
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def explain(
    plan: Plan, record: Mapping[str, Any], *, mode: Mode = "create", context: Context | None = None
) -> Explanation:
    """Render ``record`` slowly, recording every decision."""
    return _Explainer(plan, dict(record), mode, context or Context()).run()


def attribute_failure(
    plan: Plan, record: dict[str, Any], mode: Mode, ctx: Context, exc: Exception
) -> RenderError:
    """The precise error for a record the fast tier could not render."""
    try:
        _Explainer(plan, record, mode, ctx).run()
    except RenderError as precise:
        return precise
    return RenderError(
        f"internal error while rendering ({type(exc).__name__}: {exc}); the explaining tier "
        "rendered the record without error — please report this",
        location=plan.location,
        record_key=plan.key_of(record),
    )
