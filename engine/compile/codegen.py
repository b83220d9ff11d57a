"""Generate the Python functions of a Plan, per mode: the fast tier of rendering.

Why generated source: a tree of closures costs about 2x hand-written code and walking the spec
per record 10-100x; straight-line Python costs about the same as writing the mapping by hand.
The bodies are written by ``engine.compile.codewriter`` from the compiled plan only: strings
from the
spec reach the source only through ``repr``.

One function per mode serves both uses. ``map(stream, records)`` streams from C without a
Python loop per record (which cost about 15 % of the render), the record its one argument: a
guard's skip is None, a record that is not a plain dict goes to the plan's ``render``, a failure
raises the plan's located error (the functions know their Plan as ``_plan``, bound once it is
made). ``render`` calls it with the context, the guards' ``Skip`` values and ``attribute``
false: a failure then raises as it is, for the caller to attribute with its context. Both modes
are compiled once when they come out the same.

When every transform of the plan has an inline form, the function runs an *unchecked* body
first: transforms written for any value, without the type checks (a value of an unexpected
type raises there), and on any exception the record is rendered again by the *checked* body,
which is the reference and attributes errors. The checked body is written and compiled on its
first use: writing and compiling are most of the cost of generating code (and of loading a
spec), and most streams never need it.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from engine.compile.codecache import compiled
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


class Skip(msgspec.Struct, frozen=True):
    """A record guard said no; ``index`` is its position in ``Plan.guards``."""

    index: int


class Generated(msgspec.Struct, frozen=True):
    """One mode's generated functions and the source they were compiled from (``source()``:
    the checked body's is written when first asked for)."""

    render: RenderFn
    stream: StreamFn
    source: Callable[[], str]
    namespaces: list[dict[str, Any]]

    def bind(self, plan: Any) -> None:
        """Give the functions the Plan they belong to (``_plan``: a record that is not a dict
        goes to its ``render``, a failure to its ``attributed``): the Plan is made from them,
        so it comes after them. Bound, ``render_many`` maps the function over the records
        alone. A namespace made later (the checked body's) takes it from the first."""
        for namespace in self.namespaces:
            namespace["_plan"] = plan


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
    if _same(create[0](), update[0]()) and _same(create[1], update[1]):
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
) -> tuple[Callable[[], Writer], Writer | None]:
    """The checked body and, when it differs, the unchecked one. Where the unchecked body
    leaves out a type check, the bodies differ, and the checked one is written when first
    asked for (a record the unchecked body fails on, or the source)."""

    @functools.cache
    def checked() -> Writer:
        return _write(guards, fields, lines, settings, mode, fast=False)

    written = [f for f in fields if f.writes_in(mode)]
    if lines is not None or any(inline_of(s.fn) is None for f in written for s in f.steps):
        checked()
        return checked, None  # a transform without an inline form may keep state (sequences)
    fast = _write(guards, fields, lines, settings, mode, fast=True)
    if fast.unchecked_fields:
        return checked, fast
    return checked, (None if fast.lines == checked().lines else fast)


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
        # the fast function's context is (destination, run, parents, line_parents, skips) when
        # ``render`` calls it, empty when it streams (a skip is then None)
        skip = f"(context[4][{index}] if context else None)" if fast else f"skips[{index}]"
        w.emit(1, f"if {_negated(w.guard(guard, 'record'))}: return {skip}")
    w.skips.extend(f"{index}" for index in range(len(guards)))
    w.prefixes(tuple(f for f in fields if f.writes_in(mode)))
    w.emit(1, "out = {}")
    body_start = len(w.lines)
    written = [(index, plan) for index, plan in enumerate(fields) if plan.writes_in(mode)]
    groups = _guard_groups(written)
    w.guard_uses.update(g[0][1].guard.text for g in groups if g[0][1].guard is not None)
    paths = [plan.path for _, plan in written] + ([lines.path] if lines is not None else [])
    w.alone = _alone(paths)
    w.presized = fast and lines is None and _presizable(paths)
    split: tuple[str, set[str]] | None = None  # a guard that picks the dict to copy
    for group in groups:
        shared = group[0][1].guard
        if shared is None or len(group) == 1:
            w.field(1, group[0][1], group[0][0], "out", "record")
            continue
        if split is None and w.presized and w.guard_uses[shared.text] == 1:
            split = _split_group(w, group)
            if split is not None:
                continue
        inner = w.guard_head(1, shared, "record")
        if inner is not None:  # else the settings decided: never written
            for index, plan in group:
                w.field(inner, plan, index, "out", "record", guarded=True)
            if inner > 1:
                w.left_out(1, [plan for _, plan in group], "out")
    if lines is not None:
        w.lines_block(1, lines, mode)
    if w.presized and w.keys:
        for key, holder in w.holders.items():  # nested objects no field made
            if holder not in w.made:
                w.emit(1, f"if {holder} is None: del out[{key!r}]")
        # interned, as the compiler interns the keys written in the code (names of letters,
        # digits and underscores): a write then finds its key by identity
        keys = {sys.intern(key): value for key, value in w.keys.items()}
        copied = w.bind("OUT", keys)
        if split is not None:  # the guard, tested first, picks the dict with its keys or not
            test, guarded = split
            without = w.bind("OUT", {k: v for k, v in keys.items() if k not in guarded})
            w.lines.insert(body_start - 1, f"    _split = {test}")
            body_start += 1
            copied = f"({copied} if _split else {without})"
        w.lines[body_start - 1] = f"    out = {copied}.copy()"
    w.lines[body_start:body_start] = [f"    {h} = None" for h in w.holders.values()]
    w.emit(1, "return out")
    if w.needs_env:
        w.lines.insert(
            0,
            "    _env = {'record': record, 'settings': _SETTINGS, "
            "'destination': destination, 'run': run, 'parents': parents}",
        )
    return w


def _split_group(w: Writer, group: list[tuple[int, FieldPlan]]) -> tuple[str, set[str]] | None:
    """Presized: a guard over several fields, tested once before the payload is copied (into
    ``_split``: guards read a record that does not change), picks the dict to copy, with the
    keys the fields write alone or without them: a false guard then deletes nothing. The
    guard's test and those keys; None where the settings decide the guard."""
    guard = group[0][1].guard
    assert guard is not None
    test = w.guard(guard, "record")
    if test in ("True", "False"):
        return None
    before = set(w.keys)
    w.emit(1, "if _split:")
    for index, plan in group:
        w.field(2, plan, index, "out", "record", guarded=True)
    written = {key for _, plan in group if (key := w.deletable(plan, "out")) is not None}
    return test, {key for key in written - before if key in w.keys}


def _guard_groups(written: list[tuple[int, FieldPlan]]) -> list[list[tuple[int, FieldPlan]]]:
    """Runs of neighbouring fields under the same guard, each alone otherwise: a run's fields
    are written under one ``if`` (the guard is tested once, as a hand-written function would)."""
    groups: list[list[tuple[int, FieldPlan]]] = []
    for index, plan in written:
        last = groups[-1][-1][1] if groups else None
        if (
            last is not None
            and plan.guard is not None
            and last.guard is not None
            and plan.guard.text == last.guard.text
        ):
            groups[-1].append((index, plan))
        else:
            groups.append([(index, plan)])
    return groups


def _presizable(paths: list[tuple[str, ...]]) -> bool:
    """Whether each top-level payload key has one place in the field order: written by one
    field, or by neighbouring fields of one nested object (no deeper). A copy of a dict of the
    keys in that order then gives every payload its keys in the order the fields would write
    them, once the keys a record leaves out are deleted; the copy is one allocation where
    filling an empty dict grows it two or three times."""
    seen: set[str] = set()
    previous = None
    for path in paths:
        if len(path) > 2 or (path[0] in seen and (path[0] != previous or len(path) == 1)):
            return False
        seen.add(path[0])
        previous = path[0]
    return True


def _alone(paths: list[tuple[str, ...]]) -> set[str]:
    """Payload objects (``subsidiary`` of ``subsidiary.id``) one field alone writes: written
    whole, without a local to fill them through."""
    firsts = Counter(path[0] for path in paths)
    return {path[0] for path in paths if len(path) == 2 and firsts[path[0]] == 1}


@functools.lru_cache(maxsize=1024)
def _negated(test: str) -> str:
    """``not test``, without a double negation (``a != b`` is written ``(not (a == b))``).
    Kept per text (a plan's modes and bodies test the same guards), and parsed only when it
    may be one: a test that does not start ``(not `` is negated as it is."""
    if not test.startswith("(not "):
        return f"not {test}"
    tree = ast.parse(test, mode="eval").body
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not) and test.startswith("(not "):
        inner = test[len("(not ") : -1]
        if ast.dump(ast.parse(inner, mode="eval").body) == ast.dump(tree.operand):
            return inner
    return f"not {test}"


_SIGNATURE = (
    "def stream(record, destination=None, run=_NO_RUN, parents=_NO_PARENTS, line_parents=None,"
    " skips=_NO_SKIPS, attribute=True):"
)
_FAST_SIGNATURE = "def stream(record, *context):"
# Where the fast body reads no other part of its context, it is not unpacked.
_CONTEXT_NAMES = re.compile(r"\b(destination|run|parents|line_parents)\b")
# A body whose first statement reads the record with ``get``: a record that is no mapping
# raises there, and goes to the checked function (which turns it away with its error).
_READS_RECORD_FIRST = re.compile(r"^    (\w+ = |if \(?(not \()?)?record\.get\(")


def _source(w: Writer, mode: Mode, *, fast: bool) -> str:
    """The function's source. The checked one turns a record that is not a dict to
    ``Plan.render`` (which copies a mapping into one); the fast one need not when it reads the
    record only with ``get``, which gives a mapping's values as they are."""
    code = [line for line in w.lines if not line.lstrip().startswith("#")]
    if fast:
        head = [_FAST_SIGNATURE]
        gets_only = "record" not in "".join(code).replace("record.get(", "")
        if not (gets_only and code and _READS_RECORD_FIRST.match(code[0])):
            head += _DICT_ONLY
        if any(_CONTEXT_NAMES.search(line) for line in code):
            head.append(
                "    destination, run, parents, line_parents = context[:4] if context"
                " else _NO_CONTEXT"
            )
        failure = ["    except Exception:", "        return _checked(record, *context)"]
    else:
        head = [_SIGNATURE, *_DICT_ONLY]
        failure = [
            "    except Exception as exc:",
            "        if not attribute:",
            "            raise",
            f"        raise _plan.attributed(record, {mode!r}, exc,"
            " _Context(destination, run, parents, line_parents)) from exc",
        ]
    head = [line.replace("{mode}", repr(mode)) for line in head]
    return "\n".join([*head, "    try:", *("    " + line for line in w.lines), *failure]) + "\n"


_DICT_ONLY = [
    "    if record.__class__ is not dict:",
    "        return _plan.render(record, mode={mode})",
]


def _namespace(w: Writer, skips: int) -> dict[str, Any]:
    return {
        **w.namespace,
        "_NO_RUN": NO_RUN,
        "_NO_PARENTS": NO_PARENTS,
        "_NO_SKIPS": (None,) * skips,
        "_NO_CONTEXT": (None, NO_RUN, NO_PARENTS, None),
        "_Context": Context,
    }


class _CompiledOnUse:
    """Stands for the checked function in the fast one's namespace until a record needs it:
    then writes and compiles it and takes its place there."""

    def __init__(
        self,
        checked: Callable[[], Writer],
        mode: Mode,
        filename: str,
        skips: int,
        slot: dict[str, Any],
        namespaces: list[dict[str, Any]],
    ) -> None:
        self.checked, self.mode, self.filename, self.skips = checked, mode, filename, skips
        self.slot, self.namespaces = slot, namespaces

    def __call__(self, *args: Any) -> Any:
        body = self.checked()
        namespace = _namespace(body, self.skips)
        if "_plan" in self.slot:
            namespace["_plan"] = self.slot["_plan"]
        self.namespaces.append(namespace)
        source = _source(body, self.mode, fast=False)
        checked = _compiled(source, self.filename, namespace, "stream")
        self.slot["_checked"] = checked
        return checked(*args)


def _compile(
    checked: Callable[[], Writer],
    fast: Writer | None,
    mode: Mode,
    name: str,
    label: str = "",
) -> Generated:
    filename = f"<ferry plan {name} ({label or mode})>"
    if fast is None:
        body = checked()
        skips = tuple(Skip(index) for index in range(len(body.skips)))
        namespace = _namespace(body, len(skips))
        source = _source(body, mode, fast=False)
        stream = _compiled(source, filename, namespace, "stream")
        sources: Callable[[], str] = lambda: source  # noqa: E731
        namespaces = [namespace]
    else:
        skips = tuple(Skip(index) for index in range(len(fast.skips)))
        namespace = _namespace(fast, len(skips))
        namespaces = [namespace]
        namespace["_checked"] = _CompiledOnUse(
            checked, mode, filename[:-1] + ", checked>", len(skips), namespace, namespaces
        )
        fast_source = _source(fast, mode, fast=True)
        stream = _compiled(fast_source, filename, namespace, "stream")

        def sources() -> str:
            return fast_source + "\n" + _source(checked(), mode, fast=False)

    def render(
        record: dict[str, Any], destination: Any, run: Any, parents: Any, line_parents: Any
    ) -> Any:
        return stream(record, destination, run, parents, line_parents, skips, False)

    return Generated(render=render, stream=stream, source=sources, namespaces=namespaces)


def _compiled(source: str, filename: str, namespace: dict[str, Any], name: str) -> Any:
    exec(compiled(source, filename), namespace)  # through the code cache (``codecache``)
    return namespace[name]
