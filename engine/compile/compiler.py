"""Compile a validated Mapping, for one set of settings, into a frozen ``Plan``.

Everything a record could trip over is resolved here: settings choose each field's variant and
when it is written; expressions, templates and transforms are compiled; transform factories are
called once. Every problem is collected (with its file, line and column) and raised together as
a ``SpecError``; a spec that compiles cannot fail on record 40,000 for a reason visible in it.
No I/O happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from engine.check.semantic import SEQUENCE_NEEDS_CREATE
from engine.check.settings import Settings
from engine.check.specfile import Document
from engine.compile.codegen import generate_modes
from engine.compile.plan import (
    Cutover,
    FieldPlan,
    GuardPlan,
    LinesPlan,
    MissingPolicy,
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
from engine.load.schema import field_name
from engine.load.source import JsonPath, json_path
from engine.transforms import SequenceStore, TransformContext, TransformRegistry, default_registry
from engine.transforms.core import SequenceJournal, TransformParamsError


class _Compiler:
    def __init__(
        self,
        doc: Document,
        settings: Settings,
        registry: TransformRegistry,
        sequences: SequenceStore | None,
    ) -> None:
        self.doc = doc
        self.data = doc.data
        self.settings = settings
        self.registry = registry
        self.sequences = SequenceJournal(sequences) if sequences is not None else None
        self.tables: Mapping[str, Any] = MappingProxyType(dict(doc.data.get("tables") or {}))
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
                field=field_name(self.data, path),
                rank=25,
            )
        )

    # --- settings ------------------------------------------------------------------------------

    def switch(self, value: Any) -> Any:
        """Resolve a ``{setting, cases}`` value (or pass a literal through)."""
        return self.settings.choose(value)

    def variant(
        self, node: dict[str, Any], path: JsonPath
    ) -> tuple[list[tuple[dict[str, Any], JsonPath]], str]:
        """Follow ``by``/``cases`` down to the variant the settings choose; return every level
        from the field itself to that variant (each may add transforms, a guard, a default)."""
        levels = [(node, path)]
        label: list[str] = []
        while "by" in node:
            option = self.settings.get(node["by"])
            label.append(f"{node['by']}={option}")
            path = (*path, "cases", option)
            node = node["cases"][option]
            levels.append((node, path))
        return levels, ", ".join(label)

    # --- values --------------------------------------------------------------------------------

    def source(
        self, node: Mapping[str, Any], path: JsonPath, *, guarded: bool = False
    ) -> ValueSource | None:
        if "from" in node:
            parsed = compile_expression(node["from"])
            return ValueSource("from", node["from"], parsed=parsed)
        if "template" in node:
            return self.template(node["template"], (*path, "template"), guarded)
        if "value" in node:
            return ValueSource("value", repr(node["value"]), constant=node["value"])
        self.fail(path, "no source")
        return None

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

    def steps(
        self, items: list[Any], path: JsonPath, to: str, write: WriteWhen = "always"
    ) -> tuple[tuple[StepPlan, ...], bool]:
        ctx = TransformContext(
            settings=self.settings.values, tables=self.tables, sequences=self.sequences, field=to
        )
        steps: list[StepPlan] = []
        assigned = False
        for index, item in enumerate(items):
            here = (*path, index)
            try:
                call = self.registry.parse(item)
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

    def field(self, node: dict[str, Any], path: JsonPath) -> FieldPlan | None:
        to = node["to"]
        levels, label = self.variant(node, path)
        leaf, leaf_path = levels[-1]
        guard = self.field_guard(levels)
        source = self.source(leaf, leaf_path, guarded=guard is not None)
        write = cast(WriteWhen, self.switch(node.get("write", "always")))
        steps: tuple[StepPlan, ...] = ()
        assigned, wanted = False, 0
        for level, level_path in reversed(levels):  # the chosen variant's transforms first
            items = list(level.get("transforms") or [])
            wanted += len(items)
            if items:
                more, more_assigned = self.steps(items, (*level_path, "transforms"), to, write)
                steps, assigned = steps + more, assigned or more_assigned
        if source is None or len(steps) != wanted:
            return None
        missing = next((lv["missing"] for lv, _ in reversed(levels) if "missing" in lv), "omit")
        default = next((lv["default"] for lv, _ in reversed(levels) if "default" in lv), None)
        return FieldPlan(
            to=to,
            path=tuple(to.split(".")),
            source=source,
            steps=steps,
            guard=guard,
            write=write,
            missing=cast(MissingPolicy, missing),
            default=default,
            destination_assigned=assigned,
            location=self.loc(path),
            variant=label,
            description=node.get("description", ""),
        )

    def field_guard(self, levels: list[tuple[dict[str, Any], JsonPath]]) -> GuardPlan | None:
        """Every level's ``when``, all of which must hold."""
        texts = [(level["when"], (*p, "when")) for level, p in levels if level.get("when")]
        if not texts:
            return None
        if len(texts) == 1:
            return self.guard(texts[0][0], texts[0][1])
        combined = " && ".join(f"({t})" for t, _ in texts)
        return self.guard(combined, texts[-1][1])

    def fields(self, items: list[Any], path: JsonPath) -> tuple[FieldPlan, ...]:
        out = [self.field(node, (*path, i)) for i, node in enumerate(items)]
        return tuple(f for f in out if f is not None)

    def requirement(self, node: dict[str, Any], path: JsonPath) -> Requirement:
        names = node["mapping"] if isinstance(node["mapping"], list) else [node["mapping"]]
        alias = node.get("as") or names[0].rsplit("/", 1)[-1].replace("-", "_")
        return Requirement(
            tuple(names),
            ValueSource("from", node["from"], parsed=compile_expression(node["from"])),
            alias,
            bool(node.get("optional", False)),
            self.loc(path),
        )

    def lines(self) -> LinesPlan | None:
        node = self.data.get("lines")
        if not node:
            return None
        path: JsonPath = ("lines",)
        source = self.source(node, path)
        assert source is not None
        guard = self.guard(node["when"], (*path, "when")) if node.get("when") else None
        requires = tuple(
            self.requirement(r, (*path, "requires", i))
            for i, r in enumerate(node.get("requires") or [])
        )
        return LinesPlan(
            node["to"],
            tuple(node["to"].split(".")),
            source,
            guard,
            self.fields(node["fields"], (*path, "fields")),
            requires,
            self.loc(path),
        )

    # --- the whole plan ------------------------------------------------------------------------

    def record_guards(self) -> tuple[GuardPlan, ...]:
        out = []
        for index, item in enumerate(self.data.get("when") or []):
            path: JsonPath = ("when", index)
            if isinstance(item, str):
                out.append(self.guard(item, path))
            else:
                out.append(
                    self.guard(
                        item["expr"],
                        path,
                        item.get("name", ""),
                        item.get("reason", ""),
                        item.get("on_fail", "skip"),
                    )
                )
        return tuple(out)

    def tracking(self) -> Mapping[str, Mapping[str, ValueSource]]:
        out: dict[str, Mapping[str, ValueSource]] = {}
        for phase, table in (self.data.get("tracking") or {}).items():
            sources = {
                name: self.source(value, ("tracking", phase, name)) for name, value in table.items()
            }
            out[phase] = MappingProxyType({k: v for k, v in sources.items() if v is not None})
        return MappingProxyType(out)

    def cutover(self) -> Cutover | None:
        node = (self.data.get("source") or {}).get("cutover")
        if not node:
            return None
        on = node.get("since")
        if node.get("setting"):
            on = (self.settings.get("cutover_dates") or {}).get(node["setting"], on)
        date = ValueSource("from", node["date"], parsed=compile_expression(node["date"]))
        return Cutover(date, on, self.loc(("source", "cutover")))

    def identity(self) -> tuple[ValueSource | None, tuple[tuple[str, ValueSource], ...]]:
        node = self.data.get("identity") or {}
        external = None
        if node.get("external_id"):
            external = self.source(node["external_id"], ("identity", "external_id"))
        match = []
        for i, item in enumerate(node.get("match") or []):
            src = self.source(item, ("identity", "match", i))
            if src is not None:
                match.append((item["to"], src))
        return external, tuple(match)

    def linked_by(self) -> ValueSource | None:
        node = (self.data.get("identity") or {}).get("linked_by")
        return self.source(node, ("identity", "linked_by")) if node else None

    def plan(self) -> Plan:
        d = self.data
        guards = self.record_guards()
        fields = self.fields(d["fields"], ("fields",))
        lines = self.lines()
        tracking = self.tracking()
        external, match = self.identity()
        requires = tuple(
            self.requirement(r, ("requires", i)) for i, r in enumerate(d.get("requires") or [])
        )
        cutover = self.cutover()
        if self.problems:
            raise SpecError(self.problems)
        name = str(d["metadata"]["name"])
        generated = generate_modes(guards, fields, lines, self.settings.values, name)
        renderers: dict[str, RenderFn] = {mode: g.render for mode, g in generated.items()}
        streamers: dict[str, StreamFn] = {mode: g.stream for mode, g in generated.items()}
        sources = list(dict.fromkeys(g.source for g in generated.values()))
        return Plan(
            name=name,
            version=int(d["metadata"]["version"]),
            file=str(self.doc.path),
            source_endpoint=d["source"]["endpoint"],
            source_object=d["source"]["object"],
            destination_endpoint=d["destination"]["endpoint"],
            destination_object=d["destination"]["object"],
            enabled=bool(self.switch(d.get("enabled", True))),
            behavior=self.switch((d.get("behavior") or {}).get("sync", "new_and_modified")),
            order=int(d.get("order", 100)),
            settings=self.settings,
            external_id=external,
            match=match,
            guards=guards,
            fields=fields,
            lines=lines,
            requires=requires,
            tracking=tracking,
            cutover=cutover,
            unique=tuple((d.get("identity") or {}).get("unique") or ()),
            one_of=tuple((d.get("identity") or {}).get("one_of") or ()),
            linked_by=self.linked_by(),
            renderers=MappingProxyType(renderers),
            streamers=MappingProxyType(streamers),
            # only when a transform numbers records: the others render (and stream) without it
            sequences=self.sequences
            if self.sequences is not None and self.sequences.used
            else None,
            source_code="\n".join(sources),
            location=self.loc(()),
        )


def compile_document(
    doc: Document,
    settings: Settings,
    *,
    registry: TransformRegistry | None = None,
    sequences: SequenceStore | None = None,
) -> Plan:
    """Compile a validated Mapping document for the given settings."""
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
    compiler = _Compiler(doc, settings, registry or default_registry(), sequences)
    return compiler.plan()
