"""Generate the Python functions of a Plan, per mode: the fast tier of rendering.

Why generated source: a tree of closures costs about 2x hand-written code and walking the spec
per record 10-100x; straight-line Python costs about the same as writing the mapping by hand.
The bodies are written by ``engine.compile.codewriter`` from the compiled plan only: strings
from the
spec reach the source only through ``repr``.

One function per mode serves both uses. ``map(stream, records, repeat(plan))`` streams from C
without a Python loop per record (which cost about 15 % of the render): a guard's skip is None,
a record that is not a plain dict goes to ``plan.render``, a failure raises the plan's located
error. ``render`` calls it with the context, the guards' ``Skip`` values and no plan: a failure
then raises as it is, for the caller to attribute with its context. Both modes are compiled
once when they come out the same.

When every transform of the plan has an inline form, the function runs an *unchecked* body
first: transforms written for any value, without the type checks (a value of an unexpected
type raises there), and on any exception the record is rendered again by the *checked* body,
which is the reference and attributes errors. The checked body is compiled on its first use:
compiling is most of the cost of generating code, and most streams never need it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.compile.codewriter import Writer
from engine.compile.plan import (
    NO_PARENTS,
    NO_RUN,
    Context,
    FieldPlan,
    GuardPlan,
    LinesPlan,
    Mode,
    RenderFn,
    StreamFn,
)
from engine.transforms.core import inline_of


@dataclass(frozen=True)
class Skip:
    """A record guard said no; ``index`` is its position in ``Plan.guards``."""

    index: int


@dataclass(frozen=True)
class Generated:
    """One mode's generated functions and the source they were compiled from."""

    render: RenderFn
    stream: StreamFn
    source: str


def generate_modes(
    guards: tuple[GuardPlan, ...],
    fields: tuple[FieldPlan, ...],
    lines: LinesPlan | None,
    settings: Mapping[str, Any],
    name: str,
) -> dict[Mode, Generated]:
    """Both modes' functions."""
    create = _bodies(guards, fields, lines, settings, "create")
    every = [*fields, *(lines.fields if lines is not None else ())]
    if all(f.write == "always" for f in every):  # no field tells the modes apart
        both = _compile(*create, "create", name, label="create, update")
        return {"create": both, "update": both}
    update = _bodies(guards, fields, lines, settings, "update")
    if all(_same(a, b) for a, b in zip(create, update, strict=True)):
        both = _compile(*create, "create", name, label="create, update")
        return {"create": both, "update": both}
    return {
        "create": _compile(*create, "create", name),
        "update": _compile(*update, "update", name),
    }


def _same(a: Writer | None, b: Writer | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.lines == b.lines and a.namespace == b.namespace


def _bodies(
    guards: tuple[GuardPlan, ...],
    fields: tuple[FieldPlan, ...],
    lines: LinesPlan | None,
    settings: Mapping[str, Any],
    mode: Mode,
) -> tuple[Writer, Writer | None]:
    """The checked body and, when it differs, the unchecked one."""
    checked = _write(guards, fields, lines, settings, mode, fast=False)
    written = [f for f in fields if f.writes_in(mode)]
    if lines is not None or any(inline_of(s.fn) is None for f in written for s in f.steps):
        return checked, None  # a transform without an inline form may keep state (sequences)
    fast = _write(guards, fields, lines, settings, mode, fast=True)
    return checked, (None if fast.lines == checked.lines else fast)


def _write(
    guards: tuple[GuardPlan, ...],
    fields: tuple[FieldPlan, ...],
    lines: LinesPlan | None,
    settings: Mapping[str, Any],
    mode: Mode,
    *,
    fast: bool,
) -> Writer:
    w = Writer(settings, fast=fast)
    w.hold_reads(guards, tuple(f for f in fields if f.writes_in(mode)))
    for index, guard in enumerate(guards):
        w.emit(1, f"if {_negated(w.guard(guard, 'record'))}: return skips[{index}]")
    w.skips.extend(f"{index}" for index in range(len(guards)))
    w.prefixes(tuple(f for f in fields if f.writes_in(mode)))
    w.emit(1, "out = {}")
    body_start = len(w.lines)
    for index, plan in enumerate(fields):
        if plan.writes_in(mode):
            w.field(1, plan, index, "out", "record")
    if lines is not None:
        w.lines_block(1, lines, mode)
    w.lines[body_start:body_start] = [f"    {h} = None" for h in w.holders.values()]
    w.emit(1, "return out")
    if w.needs_env:
        w.lines.insert(
            0,
            "    _env = {'record': record, 'settings': _SETTINGS, "
            "'destination': destination, 'run': run, 'parents': parents}",
        )
    return w


def _negated(test: str) -> str:
    """``not test``, without a double negation (``a != b`` is written ``(not (a == b))``)."""
    tree = ast.parse(test, mode="eval").body
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not) and test.startswith("(not "):
        inner = test[len("(not ") : -1]
        if ast.dump(ast.parse(inner, mode="eval").body) == ast.dump(tree.operand):
            return inner
    return f"not {test}"


_SIGNATURE = (
    "def stream(record, plan=None, destination=None, run=_NO_RUN, parents=_NO_PARENTS,"
    " line_parents=None, skips=_NO_SKIPS):"
)


def _source(w: Writer, mode: Mode, *, fast: bool) -> str:
    failure = (
        [
            "    except Exception:",
            "        return _checked(record, plan, destination, run, parents, line_parents, skips)",
        ]
        if fast
        else [
            "    except Exception as exc:",
            "        if plan is None:",
            "            raise",
            f"        raise plan.attributed(record, {mode!r}, exc,"
            " _Context(destination, run, parents, line_parents)) from exc",
        ]
    )
    head = [_SIGNATURE, "    if record.__class__ is not dict:"]
    head.append(f"        return plan.render(record, mode={mode!r})")
    return "\n".join([*head, "    try:", *("    " + line for line in w.lines), *failure]) + "\n"


def _namespace(w: Writer, skips: int) -> dict[str, Any]:
    return {
        **w.namespace,
        "_NO_RUN": NO_RUN,
        "_NO_PARENTS": NO_PARENTS,
        "_NO_SKIPS": (None,) * skips,
        "_Context": Context,
    }


class _CompiledOnUse:
    """Stands for the checked function in the fast one's namespace until a record needs it:
    then compiles it and takes its place there."""

    def __init__(self, source: str, filename: str, namespace: dict[str, Any], slot: dict[str, Any]):
        self.source, self.filename, self.namespace, self.slot = source, filename, namespace, slot

    def __call__(self, *args: Any) -> Any:
        checked = _compiled(self.source, self.filename, self.namespace, "stream")
        self.slot["_checked"] = checked
        return checked(*args)


def _compile(
    checked: Writer, fast: Writer | None, mode: Mode, name: str, label: str = ""
) -> Generated:
    skips = tuple(Skip(index) for index in range(len(checked.skips)))
    filename = f"<ferry plan {name} ({label or mode})>"
    source = _source(checked, mode, fast=False)
    if fast is None:
        stream = _compiled(source, filename, _namespace(checked, len(skips)), "stream")
    else:
        namespace = _namespace(fast, len(skips))
        later = _CompiledOnUse(
            source, filename[:-1] + ", checked>", _namespace(checked, len(skips)), namespace
        )
        namespace["_checked"] = later
        fast_source = _source(fast, mode, fast=True)
        stream = _compiled(fast_source, filename, namespace, "stream")
        source = fast_source + "\n" + source

    def render(
        record: dict[str, Any], destination: Any, run: Any, parents: Any, line_parents: Any
    ) -> Any:
        return stream(record, None, destination, run, parents, line_parents, skips)

    return Generated(render=render, stream=stream, source=source)


def _compiled(source: str, filename: str, namespace: dict[str, Any], name: str) -> Any:
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]
