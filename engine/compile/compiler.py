"""Compile a validated Mapping, for one set of settings, into a frozen ``Plan``.

The compiler reads the document's model (``engine.model``): defaults, field inheritance and
transform parameters are already resolved there. Everything a record could trip over is
resolved here: settings choose each field's variant and when it is written; expressions,
templates and transforms are compiled; transform factories are called once. Every problem is
collected (with its file, line and column) and raised together as a ``SpecError``; a spec that
compiles cannot fail on record 40,000 for a reason visible in it. No I/O happens here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from engine.check.semantic import SEQUENCE_NEEDS_CREATE
from engine.check.settings import Settings
from engine.check.specfile import Document
from engine.compile.plan import (
    Context,
    Cutover,
    FieldPlan,
    GuardPlan,
    LinesPlan,
    Mode,
    Plan,
    RenderFn,
    Requirement,
    StepPlan,
    StreamFn,
    ValueSource,
    WriteWhen,
)
from engine.errors import Location, Problem, SpecError, TransformError
from engine.language.expressions import GUARD_ROOTS, ast_of, compile_expression, roots
from engine.language.templates import compile_template, undeclared
from engine.load.source import JsonPath, json_path
from engine.model import nodes as model
from engine.model.frozen import thaw
from engine.transforms import SequenceStore, TransformContext, TransformRegistry, installed_registry
from engine.transforms.core import SequenceJournal, TransformParamsError
from engine.transforms.registry import TransformCall
from engine.transforms.semantics import MissingPolicy


class _Compiler:
    def __init__(
        self,
        doc: Document,
        settings: Settings,
        registry: TransformRegistry,
        sequences: SequenceStore | None,
    ) -> None:
        self.doc = doc
        self.model = doc.mapping
        self.settings = settings
        self.registry = registry
        self.sequences = SequenceJournal(sequences) if sequences is not None else None
        self.tables: Mapping[str, Any] = MappingProxyType(thaw(self.model.tables))
        self.problems: list[Problem] = []

    def loc(self, path: JsonPath) -> Location:
        return self.doc.source.locate(path)

    def fail(self, path: JsonPath, message: str, code: str = "compile") -> None:
        self.problems.append(
            Problem(
                self.loc(path),
                message,
                json_path(path),
                code=code,
                field=self.model.field_name(path),
                rank=25,
            )
        )

    # --- settings ------------------------------------------------------------------------------

    def switch(self, value: Any) -> Any:
        """Resolve a value a setting may choose (or pass a literal through)."""
        return self.settings.choose(value)

    # --- values --------------------------------------------------------------------------------

    def source(self, node: model.Source, *, guarded: bool = False) -> ValueSource | None:
        if node.kind == "from":
            return ValueSource("from", node.value, parsed=compile_expression(node.value))
        if node.kind == "template":
            return self.template(node.value, (*node.path, "template"), guarded)
        value = thaw(node.value)
        return ValueSource("value", repr(value), constant=value)

    def expression(self, expr: model.Expr) -> ValueSource:
        return ValueSource("from", expr.text, parsed=compile_expression(expr.text))

    def template(self, text: str, path: JsonPath, guarded: bool) -> ValueSource | None:
        render = compile_template(text, GUARD_ROOTS)
        reads = frozenset(undeclared(text))
        if not reads <= {"settings"}:
            return ValueSource("template", text, template=render, reads=reads)
        try:  # decided by the settings alone: render it once, now
            value = render({"settings": dict(self.settings.values)})
        except TransformError as exc:
            if guarded:  # the field's guard may keep it from ever rendering (a null setting)
                return ValueSource("template", text, template=render, reads=reads)
            self.fail(path, f"with these settings the template fails: {exc}", "compile.template")
            return None
        return ValueSource("value", text, constant=value)

    def guard(
        self, text: str, path: JsonPath, name: str = "", reason: str = "", on_fail: str = "skip"
    ) -> GuardPlan:
        parsed = compile_expression(text)
        return GuardPlan(
            name or text,
            text,
            reason or f"guard failed: {text}",
            parsed,
            self.loc(path),
            frozenset(roots(ast_of(parsed))),
            cast(Any, on_fail),
        )

    def call(self, item: model.Step) -> TransformCall:
        """The step's transform and parameters; checked again only when this registry's
        transform is not the one validation checked them against."""
        found = self.registry.get(item.name) if item.name in self.registry else None
        if found is not None and found is item.checked_by:
            return TransformCall(found, thaw(item.params))
        return self.registry.parse({item.name: thaw(item.params)})

    def steps(
        self, items: tuple[model.Step, ...], to: str, write: WriteWhen
    ) -> tuple[tuple[StepPlan, ...], bool]:
        ctx = TransformContext(
            settings=self.settings.values, tables=self.tables, sequences=self.sequences, field=to
        )
        steps: list[StepPlan] = []
        assigned = False
        for item in items:
            here = item.path
            try:
                call = self.call(item)
                step = call.bind(ctx)
            except TransformParamsError as exc:
                for problem in exc.problems:
                    self.fail((*here, *problem.path), problem.message, "compile.transform")
                continue
            numbered = call.name == "auto_number" and call.params.get("mode") == "sequence"
            if numbered and write != "create":
                self.fail(here, SEQUENCE_NEEDS_CREATE)
                continue
            assigned = assigned or call.destination_assigned
            steps.append(
                StepPlan(call.name, call.params, step.fn, step.accepts_missing, self.loc(here))
            )
        return tuple(steps), assigned

    # --- fields --------------------------------------------------------------------------------

    def field(self, node: model.Field) -> FieldPlan | None:
        variant = node.variant_for(self.settings.get)
        guard = self.field_guard(variant.guards)
        source = self.source(variant.source, guarded=guard is not None)
        write = cast(WriteWhen, self.switch(node.write))
        steps, assigned = self.steps(variant.steps, node.to, write)
        if source is None or len(steps) != len(variant.steps):
            return None
        return FieldPlan(
            to=node.to,
            path=tuple(node.to.split(".")),
            source=source,
            steps=steps,
            guard=guard,
            write=write,
            missing=cast(MissingPolicy, variant.missing),
            default=thaw(variant.default) if variant.has_default else None,
            destination_assigned=assigned,
            location=self.loc(node.path),
            variant=variant.label,
            description=node.description or "",
        )

    def field_guard(self, whens: tuple[model.Expr, ...]) -> GuardPlan | None:
        """Every level's ``when``, all of which must hold."""
        if not whens:
            return None
        if len(whens) == 1:
            return self.guard(whens[0].text, whens[0].path)
        combined = " && ".join(f"({w.text})" for w in whens)
        return self.guard(combined, whens[-1].path)

    def fields(self, items: tuple[model.Field, ...]) -> tuple[FieldPlan, ...]:
        out = [self.field(node) for node in items]
        return tuple(f for f in out if f is not None)

    def requirement(self, node: model.Requirement) -> Requirement:
        return Requirement(
            node.mappings,
            self.expression(node.source),
            node.alias,
            node.optional,
            self.loc(node.path),
        )

    def lines(self) -> LinesPlan | None:
        node = self.model.lines
        if node is None:
            return None
        source = self.source(node.source)
        assert source is not None
        guard = self.guard(node.guard.text, node.guard.path) if node.guard else None
        return LinesPlan(
            node.to,
            tuple(node.to.split(".")),
            source,
            guard,
            self.fields(node.fields),
            tuple(self.requirement(r) for r in node.requires),
            self.loc(node.path),
        )

    # --- the whole plan ------------------------------------------------------------------------

    def record_guards(self) -> tuple[GuardPlan, ...]:
        return tuple(
            self.guard(g.expr.text, g.path, g.name or "", g.reason or "", g.on_fail)
            for g in self.model.guards
        )

    def tracking(self) -> Mapping[str, Mapping[str, ValueSource]]:
        out: dict[str, Mapping[str, ValueSource]] = {}
        for phase, table in self.model.tracking.items():
            sources = {name: self.source(value) for name, value in table.items()}
            out[phase] = MappingProxyType({k: v for k, v in sources.items() if v is not None})
        return MappingProxyType(out)

    def cutover(self) -> Cutover | None:
        node = self.model.cutover
        if node is None:
            return None
        on = node.since
        if node.setting:
            on = (self.settings.get("cutover_dates") or {}).get(node.setting, on)
        return Cutover(self.expression(node.date), on, self.loc(node.path))

    def identity(self) -> tuple[ValueSource | None, tuple[tuple[str, ValueSource], ...]]:
        node = self.model.identity
        external = self.source(node.external_id) if node.external_id else None
        match = []
        for item in node.match:
            src = self.source(item.source)
            if src is not None:
                match.append((item.to, src))
        return external, tuple(match)

    def linked_by(self) -> ValueSource | None:
        node = self.model.identity.linked_by
        return self.source(node) if node else None

    def checked(self) -> dict[str, Any]:
        """Every part of the Plan but its generated functions; ``SpecError`` with every problem
        the spec has for these settings. What ``ferry validate`` needs of a compile: writing
        and compiling the generated code (most of a compile's time) finds no problem."""
        m = self.model
        guards = self.record_guards()
        fields = self.fields(m.fields)
        lines = self.lines()
        tracking = self.tracking()
        external, match = self.identity()
        requires = tuple(self.requirement(r) for r in m.requires)
        cutover = self.cutover()
        if self.problems:
            raise SpecError(self.problems)
        return {
            "guards": guards,
            "fields": fields,
            "lines": lines,
            "tracking": tracking,
            "external_id": external,
            "match": match,
            "requires": requires,
            "cutover": cutover,
            "enabled": bool(self.switch(m.enabled)),
            "behavior": self.switch(m.behavior),
            "linked_by": self.linked_by(),
        }

    def plan(self, parts: dict[str, Any] | None = None) -> Plan:
        """The Plan, from ``parts`` when ``checked`` already made them."""
        # The code generator and the two slower tiers, only when a Plan is made: `ferry
        # validate` compiles as far as the problems (``checked``) and needs none of them.
        from engine.compile.codegen import generate_modes
        from engine.compile.runner import evaluate

        m = self.model
        parts = self.checked() if parts is None else parts
        guards, fields, lines = parts["guards"], parts["fields"], parts["lines"]
        name = m.name
        generated = generate_modes(guards, fields, lines, self.settings.values, name)
        renderers: dict[str, RenderFn] = {mode: g.render for mode, g in generated.items()}
        streamers: dict[str, StreamFn] = {mode: g.stream for mode, g in generated.items()}
        sources = list({id(g): g.source for g in generated.values()}.values())
        plan = Plan(
            name=name,
            version=m.version,
            file=str(self.doc.path),
            source_endpoint=m.source.endpoint,
            source_object=m.source.object,
            destination_endpoint=m.destination.endpoint,
            destination_object=m.destination.object,
            enabled=parts["enabled"],
            behavior=parts["behavior"],
            order=m.order,
            settings=self.settings,
            external_id=parts["external_id"],
            match=parts["match"],
            guards=guards,
            fields=fields,
            lines=lines,
            requires=parts["requires"],
            tracking=parts["tracking"],
            cutover=parts["cutover"],
            unique=m.identity.unique,
            one_of=m.identity.one_of,
            linked_by=parts["linked_by"],
            renderers=MappingProxyType(renderers),
            streamers=MappingProxyType(streamers),
            evaluator=evaluate,
            attributor=_attribute_failure,
            # only when a transform numbers records: the others render (and stream) without it
            sequences=self.sequences
            if self.sequences is not None and self.sequences.used
            else None,
            code=lambda: "\n".join(source() for source in sources),
            location=self.loc(()),
        )
        for made in generated.values():
            made.bind(plan)
        return plan


def _attribute_failure(
    plan: Plan, record: dict[str, Any], mode: Mode, ctx: Context, exc: Exception
) -> Exception:
    """``engine.compile.explaining.attribute_failure``, imported when a record first fails (the
    explaining tier is a tenth of ``ferry render``'s imports, and a record that renders never
    needs it)."""
    from engine.compile.explaining import attribute_failure

    return attribute_failure(plan, record, mode, ctx, exc)


def compile_document(
    doc: Document,
    settings: Settings,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Compile a validated Mapping document for the given settings (finishing the work of a
    ``check_compile`` of the same document and settings, when one was done: see ``_KEPT``)."""
    kept = _finish_kept(doc, settings, registry, sequences)
    if kept is not None:
        return kept
    return _compiler(doc, settings, registry, sequences).plan()


def check_compile(
    doc: Document,
    settings: Settings,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> None:
    """Compile a validated Mapping document as far as its problems go: ``SpecError`` with the
    problems ``compile_document`` would raise, without writing the generated functions."""
    compiler = _compiler(doc, settings, registry, sequences)
    parts = compiler.checked()
    with _KEPT_LOCK:
        _KEPT.pop(id(doc), None)
        while len(_KEPT) >= _KEEP_AT_MOST:
            del _KEPT[next(iter(_KEPT))]  # the oldest
        _KEPT[id(doc)] = (doc, compiler, parts)


# Why: a run validates every mapping (``ferry validate``'s checks, ``check_compile`` among them),
# then compiles it; ``check_compile`` leaves its work here and ``compile_document`` of the same
# document finishes it, so each mapping is compiled once. Only where the outcome is the one a
# compile from the start would give: the same registry, settings of the same values (the
# compiler reads nothing else of them) and a sequence store either way (the functions bound at
# the check draw from the journal made then, pointed at the compile's store). Taken by the
# compile; the last ``_KEEP_AT_MOST`` documents checked and not compiled are kept (a
# ``ferry validate`` never compiles them).
_KEPT: dict[int, tuple[Document, _Compiler, dict[str, Any]]] = {}
_KEEP_AT_MOST = 64
_KEPT_LOCK = threading.Lock()


def _finish_kept(
    doc: Document,
    settings: Settings,
    registry: TransformRegistry | None,
    sequences: SequenceStore | None,
) -> Plan | None:
    with _KEPT_LOCK:
        kept = _KEPT.pop(id(doc), None)
    if kept is None or kept[0] is not doc:
        return None
    _, compiler, parts = kept
    journal = compiler.sequences
    if (
        compiler.registry is not (registry or installed_registry())
        or _settings_key(compiler.settings) != _settings_key(settings)
        or (journal is None) != (sequences is None)
    ):
        return None
    if journal is not None and sequences is not None:
        journal.store = sequences
    compiler.settings = settings
    return compiler.plan(parts)


def _settings_key(settings: Settings) -> tuple[Any, ...]:
    return (dict(settings.values), dict(settings.numbering), settings.name, settings.version)


def _compiler(
    doc: Document,
    settings: Settings,
    registry: TransformRegistry | None,
    sequences: SequenceStore | None,
) -> _Compiler:
    if doc.kind != "Mapping":
        raise SpecError(
            [
                Problem(
                    doc.source.locate(("kind",)),
                    f"expected a Mapping, got {doc.kind}",
                    "$.kind",
                    code="spec.kind",
                )
            ]
        )
    return _Compiler(doc, settings, registry or installed_registry(), sequences)
