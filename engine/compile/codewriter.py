"""The body of a generated render function: Python source written from a compiled plan.

Why its own module: ``engine.compile.codegen`` assembles functions from bodies (the checked one and
the unchecked fast path); this module writes one body, field by field, with the namespace its
names refer to. Strings from the spec reach the source only through ``repr``.
"""

from __future__ import annotations

import ast
import copy
import functools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from engine.compile.plan import FieldPlan, GuardPlan, LinesPlan, Mode, ValueSource
from engine.compile.pycode import HELPERS, Translator
from engine.language.expressions import ast_of, evaluate, mutable_literal
from engine.transforms.core import MISSING, OMIT, inline_of
from engine.transforms.semantics import (
    ENDINGS,
    FROM_SOURCE,
    NULL,
    Ending,
    Kind,
    MissingPolicy,
    branches,
    kind_of,
    select,
    step_lines,
)

GUARD_ROOT_VARS = {
    "record": "record",
    "destination": "destination",
    "run": "run",
    "parents": "parents",
}


# What a held sub-object local holds when the record has no object there: reads find nothing.
NO_OBJECT: Mapping[str, Any] = MappingProxyType({})


def _ends(possible: frozenset[Kind], policy: MissingPolicy) -> list[tuple[str, Ending]]:
    """``branches`` spelt with ``NULL`` (a new list: the caller may replace it): the same few
    (kinds, policy) pairs come back for every field of a spec, and working the branches out
    again was a tenth of writing a field."""
    return list(_branches(possible, policy))


@functools.lru_cache(maxsize=256)
def _branches(possible: frozenset[Kind], policy: MissingPolicy) -> tuple[tuple[str, Ending], ...]:
    return tuple(branches(possible, policy, NULL))


class FieldMissing(Exception):
    """A ``missing: fail`` field had no value (the explaining tier words the error)."""


def _json_like(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, list):
        return all(_json_like(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in value.items())
    return False


def _bare_reads(tree: dict[str, Any], guard: bool) -> Iterator[str]:
    """Top-level record fields an expression reads as a whole value: ``name`` in a path,
    ``record.name`` in a guard, through comparisons and ``&&``/``||``/``!``."""
    kind = tree.get("type")
    children = tree.get("children") or []
    if kind == "field" and not guard:
        yield tree["value"]
    elif kind == "subexpression" and guard and len(children) == 2:
        first, second = children
        if (first.get("type"), first.get("value"), second.get("type")) == (
            "field",
            "record",
            "field",
        ):
            yield second["value"]
    elif kind in ("comparator", "and_expression", "or_expression", "not_expression"):
        for child in children:
            yield from _bare_reads(child, guard)


def _read_as(lines: list[str], name: str) -> list[str] | None:
    """``lines`` reading the local ``name`` where they read ``v``; None when they assign ``v``
    (then ``v`` must be the copy it is), or when they are not a block that parses on its own.

    Python's own parser finds the reads (``ast``: a ``v`` that is an attribute's or a keyword's
    name is not one); ``tokenize`` did it before, and compiling its patterns was 2 % of a
    ``ferry plan``'s start-up."""
    spots = _reads_of_v("\n".join(lines))
    if spots is None:
        return None
    out = list(lines)
    for row, offset in spots:
        line = out[row]
        column = len(line.encode()[:offset].decode())  # the parser counts UTF-8 bytes
        out[row] = line[:column] + name + line[column + 1 :]
    return out


@functools.lru_cache(maxsize=1024)
def _reads_of_v(block: str) -> tuple[tuple[int, int], ...] | None:
    """Where ``block`` reads ``v`` (row, UTF-8 offset), last first; None as for ``_read_as``.
    Kept per text: a plan's modes and bodies write the same fields (a third of the parses)."""
    try:
        tree = ast.parse("if 1:\n" + block + "\n")
    except SyntaxError:  # not a block of its own: leave it as it is
        return None
    spots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # positions inside an f-string: not on 3.11
            return None
        if isinstance(node, ast.Name) and node.id == "v":
            if not isinstance(node.ctx, ast.Load):
                return None
            spots.append((node.lineno - 2, node.col_offset))
    return tuple(sorted(spots, reverse=True))


class Writer:
    """Accumulates source lines and the namespace they refer to."""

    def __init__(self, settings: Mapping[str, Any], fast: bool = False) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            **HELPERS,
            "MISSING": MISSING,
            "OMIT": OMIT,
            "FieldMissing": FieldMissing,
            "_deepcopy": copy.deepcopy,
            "_evaluate": evaluate,
            "_SETTINGS": dict(settings),
            "_NO_OBJECT": NO_OBJECT,
        }
        self.settings = dict(settings)
        self.needs_env = False
        self.counter = 0
        self.known: dict[tuple[str, ...], str] = {}
        self.held: dict[str, str] = {}
        self.inline_exprs: dict[str, str] = {}
        self.inline_raw: dict[str, str] = {}
        self.inline_any: dict[str, str] = {}
        self.fast = fast  # the unchecked fast path (``any_value`` forms, no type checks)
        self.unchecked_fields = 0  # fields the fast path writes without their type checks
        self.called: dict[int, str] = {}
        self.holders: dict[str, str] = {}
        self.alone: set[str] = set()  # payload objects one field alone writes (no local)
        self.guard_uses: Counter[str] = Counter()  # guard tests, by the groups they head
        self.made: set[str] = set()  # holders that exist from their first field on
        self.tests: dict[str, str] = {}
        self.skips: list[str] = []
        # The fast body fills a copy of a dict holding the payload's keys in order (one
        # allocation, no resizing) and deletes the keys a record leaves out (``presized``)
        self.presized = False
        self.keys: dict[str, Any] = {}  # top-level payload keys, in the order first written

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def bind(self, prefix: str, value: Any) -> str:
        self.counter += 1
        name = f"_{prefix}{self.counter}"
        self.namespace[name] = value
        return name

    def constant(self, value: Any) -> str:
        if _json_like(value):
            return repr(value)
        return f"_deepcopy({self.bind('C', value)})"

    def env(self, base: str) -> str:
        self.needs_env = True
        return "_env" if base == "record" else f"{{**_env, 'line': {base}, 'parents': parents}}"

    # --- values ------------------------------------------------------------------------------

    def source(self, source: ValueSource, base: str) -> str:
        if source.kind == "value":
            return self.constant(source.constant)
        if source.kind == "template":
            assert source.template is not None
            return f"{self.bind('T', source.template)}({self.env(base)})"
        assert source.parsed is not None
        translator = Translator(
            base=base,
            dicts=frozenset({"record"}),
            known=self.known if base == "record" else None,
            held=self.held,
        )
        code = translator.value(ast_of(source.parsed))
        if code is not None:
            return code
        call = f"_evaluate({self.bind('P', source.parsed)}, {base})"
        return f"_deepcopy({call})" if mutable_literal(source.parsed) else call

    def guard(self, guard: GuardPlan, base: str) -> str:
        roots = dict(GUARD_ROOT_VARS)
        if base != "record":
            roots["line"] = base
        code = Translator(
            roots=roots,
            constants={"settings": self.settings},
            dicts=frozenset({"record"}),
            known=self.known,
            held=self.held,
        ).boolean(ast_of(guard.parsed))
        if code is not None:
            return code
        return f"_jp_truthy(_evaluate({self.bind('G', guard.parsed)}, {self.env(base)}))"

    # --- assignments -------------------------------------------------------------------------

    def assign(self, indent: int, target: str, path: tuple[str, ...], value: str) -> None:
        if target == "out":
            self.keys.setdefault(path[0])
        if target == "out" and len(path) == 2 and path[0] in self.alone:  # its only field
            self.emit(indent, f"out[{path[0]!r}] = {{{path[1]!r}: {value}}}")
            return
        if target == "out" and len(path) == 2:  # a nested object of the payload: one local
            first = path[0] not in self.holders
            holder = self.holders.setdefault(path[0], f"_o{len(self.holders)}")
            if first and indent == 1:  # made unconditionally: later fields need not test it
                self.made.add(holder)
                self.emit(indent, f"{holder} = out[{path[0]!r}] = {{{path[1]!r}: {value}}}")
                return
            if holder not in self.made:
                self.emit(indent, f"if {holder} is None: {holder} = out[{path[0]!r}] = {{}}")
            self.emit(indent, f"{holder}[{path[1]!r}] = {value}")
            return
        holder = target
        for depth, part in enumerate(path[:-1]):
            node = f"_n{depth}"
            self.emit(indent, f"{node} = {holder}.get({part!r})")
            self.emit(indent, f"if {node} is None: {node} = {holder}[{part!r}] = {{}}")
            holder = node
        self.emit(indent, f"{holder}[{path[-1]!r}] = {value}")

    def field(
        self,
        indent: int,
        plan: FieldPlan,
        index: int,
        target: str,
        base: str,
        *,
        guarded: bool = False,
    ) -> None:
        """One field: its guard (unless ``guarded``: the caller opened it), its source, its
        steps and their end, each test written from the step rules
        (``engine.transforms.semantics``) in the ``NULL`` spelling."""
        self.emit(indent, f"# {plan.to}  ({plan.location})")
        if plan.guard is not None and not guarded:
            inner = self.guard_head(indent, plan.guard, base)
            if inner is None:
                return
            self.field_value(inner, plan, index, target, base)
            if inner > indent:
                self.left_out(indent, [plan], target)
            return
        self.field_value(indent, plan, index, target, base)

    def field_value(self, indent: int, plan: FieldPlan, index: int, target: str, base: str) -> None:
        """A field past its guard: its source, steps and end."""
        value = self.source(plan.source, base)
        possible = FROM_SOURCE
        if plan.source.kind == "value":  # a constant's kind is known now
            possible = frozenset({kind_of(plan.source.constant)})
        if not plan.steps and possible == {"value"}:  # nothing to test
            if self.preset(indent, plan, target):
                return
            self.assign(indent, target, plan.path, value)
            return
        start = len(self.lines)
        self.emit(indent, f"v = {value}")
        if value in self.held.values():  # a local already: the field reads it, if it can
            self.value_lines(indent, plan, index, target, possible)
            self.lines[start:] = _read_as(self.lines[start + 1 :], value) or self.lines[start:]
        else:
            self.value_lines(indent, plan, index, target, possible)

    def value_lines(
        self, indent: int, plan: FieldPlan, index: int, target: str, possible: frozenset[Kind]
    ) -> None:
        """What a field does with its value ``v``: its steps and their end."""
        if self.fast and self.unchecked(indent, plan, index, target):
            return
        chain = self.total_chain(plan)
        if chain:  # text is a value every step runs on, each giving a value: write it directly
            self.emit(indent, "if v.__class__ is str:")
            for expr in chain[:-1]:
                self.emit(indent + 1, f"v = {expr}")
            self.assign(indent + 1, target, plan.path, chain[-1])
            self.emit(indent, "else:")
            indent += 1
        possible = self.steps(indent, plan, possible, text_done=bool(chain))
        self.end(indent, plan, index, target, possible)

    def end(
        self,
        indent: int,
        plan: FieldPlan,
        index: int,
        target: str,
        possible: frozenset[Kind],
        write: Callable[[int], None] | None = None,
    ) -> None:
        """The end of a field's steps: each branch of the field's missing policy (``branches``)
        for the kinds ``v`` may be of. ``write`` emits the branch that writes a value (by
        default: ``v`` as it is)."""
        ends = _ends(possible, plan.missing)
        alone = self.deletable(plan, target)
        # one branch that writes (so the key is in the copied dict): the test for what is left
        # out comes first, and the written value takes no jump
        if alone is not None and len(ends) == 1 and ends[0][0].startswith("if "):
            ending = ends[0][1]
            if ending in ("write", "write_default"):
                left = frozenset(k for k in possible if ENDINGS[plan.missing][k] == "leave_out")
                self.emit(indent, f"if {select(left, possible, NULL)}:")
                self.emit(indent + 1, f"del out[{alone!r}]")
                ends = [("else:", ending)]
        for head, ending in ends:
            inner = indent
            if head:
                self.emit(indent, head)
                inner += 1
            if ending == "write":
                if write is None:
                    self.assign(inner, target, plan.path, "v")
                else:
                    write(inner)
            elif ending == "write_default":
                self.assign(inner, target, plan.path, self.constant(plan.default))
            else:
                self.emit(inner, f"raise FieldMissing({index})")
        if ends and ends[-1][0] not in ("", "else:"):  # the value may be left out
            self.left_out(indent, [plan], target)

    def preset(self, indent: int, plan: FieldPlan, target: str) -> bool:
        """Presized: a constant text, number or boolean that every payload has is written in
        the dict the payload copies, not by the body (null is never written as a value)."""
        constant = plan.source.constant if plan.source.kind == "value" else None
        if not (self.presized and indent == 1 and target == "out" and len(plan.path) == 1):
            return False
        if plan.source.kind != "value" or not isinstance(constant, (str, int, float)):
            return False  # bool is an int
        self.keys[plan.path[0]] = constant
        return True

    def deletable(self, plan: FieldPlan, target: str) -> str | None:
        """Presized: the payload key ``plan`` alone writes (None for a nested object that
        several fields fill: it is deleted at the end, when nothing made it)."""
        if not self.presized or target != "out":
            return None
        return plan.path[0] if len(plan.path) == 1 or plan.path[0] in self.alone else None

    def left_out(self, indent: int, plans: list[FieldPlan], target: str) -> None:
        """Presized: ``else:`` deleting the keys ``plans`` write alone."""
        keys = [key for p in plans if (key := self.deletable(p, target)) is not None]
        keys = [key for key in keys if key in self.keys]
        if keys:
            self.emit(indent, "else:")
            self.emit(indent + 1, "del " + ", ".join(f"out[{key!r}]" for key in keys))

    def unchecked(self, indent: int, plan: FieldPlan, index: int, target: str) -> bool:
        """On the fast path, a field whose transforms all have forms for any value: applied
        to any value without a type check (one that does not fit raises, and the record is
        rendered again on the checked path). False when the field has none. The first step does
        not accept MISSING and each gives a value, so the chain is the branch that writes."""
        chain = self.total_chain(plan, any_value=True)
        if not chain:
            return False

        def write(inner: int) -> None:
            for expr in chain[:-1]:
                self.emit(inner, f"v = {expr}")
            self.assign(inner, target, plan.path, chain[-1])

        self.end(indent, plan, index, target, FROM_SOURCE, write)
        self.unchecked_fields += 1
        return True

    def total_chain(self, plan: FieldPlan, *, any_value: bool = False) -> list[str]:
        """For a field whose transforms all have inline forms that never yield a sentinel or a
        null, each but the last giving text: the expressions that compute the value from text
        ``v``, in order (other values take the usual path). Empty when that does not hold.

        ``any_value``: the chain for any value but None, for the fast path: forms for any value
        until one that gives only text (``text_out``), then the forms for text."""
        chain = []
        text = not any_value  # whether v is known to be text here
        for number, step in enumerate(plan.steps):
            form = inline_of(step.fn)
            if step.accepts_missing or form is None or not form.total:
                return []
            if number < len(plan.steps) - 1 and not form.text:
                return []
            name = self.call(step.fn)
            if text:
                chain.append(self.inline_raw[name])
            elif name in self.inline_any:
                chain.append(self.inline_any[name])
                text = form.text_out
            else:
                return []
        return chain

    def guard_head(self, indent: int, guard: GuardPlan, base: str) -> int | None:
        """Open a field guard: the indent of what it guards, or None when the settings decide
        it is false (what it guards is never written)."""
        test = self.guard(guard, base)
        if test == "False":
            self.emit(indent, "pass")
            return None
        if test == "True":
            return indent
        shared = self.guard_uses[guard.text] > 1
        self.emit(indent, f"if {self.shared_test(test, indent, base) if shared else test}:")
        return indent + 1

    def shared_test(self, test: str, indent: int, base: str) -> str:
        """A guard several top-level groups of fields share is evaluated once per record: the
        first keeps its value in a local, the next ones read it (fields run in order)."""
        if indent != 1 or base != "record":
            return test
        if test in self.tests:
            return self.tests[test]
        local = f"_g{len(self.tests)}"
        self.tests[test] = local
        return f"({local} := {test})"

    def steps(
        self, indent: int, plan: FieldPlan, possible: frozenset[Kind], *, text_done: bool = False
    ) -> frozenset[Kind]:
        """The field's transforms, each run by the step rules (``step_lines``); the kinds ``v``
        may be of afterwards. ``text_done``: text values were handled before, so the first step
        only sees others (and calls the transform, not its inline form for text)."""
        for number, step in enumerate(plan.steps):
            fn = self.call(step.fn)
            if step.accepts_missing or (text_done and number == 0):
                call = functools.partial("{}({})".format, fn)
            else:
                call = functools.partial(self.apply, fn)
            lines, possible = step_lines(NULL, step.accepts_missing, possible, call)
            for line in lines:
                self.emit(indent, line)
        return possible

    def call(self, fn: Any) -> str:
        """Bind a transform's callable (once); remember its inline form (for text values,
        falling back to the callable for anything else) for ``apply``."""
        if id(fn) in self.called:
            return self.called[id(fn)]
        name = self.bind("F", fn)
        self.called[id(fn)] = name
        form = inline_of(fn)
        if form is None:
            return name
        names = {
            key: repr(value) if isinstance(value, (str, int, type(None))) else self.bind("I", value)
            for key, value in form.names.items()
        }
        expr = form.expr.format(v="v", fn=name, **names)
        self.inline_raw[name] = expr
        if form.any_value is not None:
            self.inline_any[name] = form.any_value.format(v="v", fn=name, **names)
        self.inline_exprs[name] = f"({expr} if v.__class__ is str else {name}(v))"
        return name

    def apply(self, fn: str, argument: str = "v") -> str:
        """The expression applying a bound transform to ``v`` (its inline form for text)."""
        assert argument == "v"  # a step that takes MISSING is called, never inlined
        return self.inline_exprs.get(fn, f"{fn}(v)")

    def hold_reads(self, guards: tuple[GuardPlan, ...], fields: tuple[FieldPlan, ...]) -> None:
        """Read each top-level record field that guards and fields read more than once into a
        local, once, before the guards: a dict lookup per read saved (the record does not
        change while it renders: templates run in an immutable sandbox, transforms are pure)."""
        trees = [(ast_of(g.parsed), True) for g in guards]
        shared = set()  # a guard several fields share is evaluated once (``shared_test``)
        for plan in fields:
            if plan.guard is not None and plan.guard.text not in shared:
                shared.add(plan.guard.text)
                trees.append((ast_of(plan.guard.parsed), True))
            if plan.source.kind == "from" and plan.source.parsed is not None:
                trees.append((ast_of(plan.source.parsed), False))
        counts = Counter(name for tree, guard in trees for name in _bare_reads(tree, guard))
        for name, count in counts.items():
            if count > 1:
                local = f"_k{len(self.held)}"
                self.emit(1, f"{local} = record.get({name!r})")
                self.held[name] = local

    def prefixes(self, fields: tuple[FieldPlan, ...]) -> None:
        """Hold each record sub-object that several paths go through in a local, once."""
        for plan in fields:
            parsed = plan.source.parsed if plan.source.kind == "from" else None
            tree = ast_of(parsed) if parsed is not None else {}
            if tree.get("type") != "subexpression":
                continue
            names = []
            for child in tree["children"][:-1]:
                if child.get("type") != "field":
                    break
                names.append(child["value"])
            for length in range(1, len(names) + 1):
                chain = ("record", *names[:length])
                if chain in self.known:
                    continue
                holder = "record" if length == 1 else self.known[chain[:-1]]
                local = f"_r{len(self.known)}"
                self.emit(1, f"{local} = {holder}.get({names[length - 1]!r})")
                self.emit(
                    1,
                    f"if {local}.__class__ is not dict and not isinstance({local}, dict):"
                    f" {local} = _NO_OBJECT",
                )
                self.known[chain] = local

    def lines_block(self, indent: int, lines: LinesPlan, mode: Mode) -> None:
        self.emit(indent, f"# lines -> {lines.to}  ({lines.location})")
        self.emit(indent, f"_items = {self.source(lines.source, 'record')}")
        self.emit(indent, "_rows = []")
        self.emit(indent, "if _items.__class__ is list:")
        self.emit(indent + 1, "_outer = parents")
        self.emit(indent + 1, "for _i, line in enumerate(_items):")
        body = indent + 2
        self.emit(body, "parents = {**_outer, **line_parents[_i]} if line_parents else _outer")
        if lines.guard is not None:
            self.emit(body, f"if not {self.guard(lines.guard, 'line')}: continue")
        self.emit(body, "row = {}")
        for index, plan in enumerate(lines.fields):
            if plan.writes_in(mode):
                self.field(body, plan, 1000 + index, "row", "line")
        self.emit(body, "_rows.append(row)")
        self.emit(indent + 1, "parents = _outer")
        self.assign(indent, "out", lines.path, "_rows")
