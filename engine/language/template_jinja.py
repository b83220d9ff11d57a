"""Templates through Jinja: their facts found once per text, rendered where a plain shape
cannot be (``engine.language.plain_templates``).

Imported only when a template needs Jinja: its text is new (its facts are not yet on disk), or
a record is one only Jinja can render. ``engine.language.templates`` is the API the checks and
the compiler call; this module is what it falls back on.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Mapping
from typing import Any

import msgspec
from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.idtracking import VAR_LOAD_RESOLVE, symbols_for_node

from engine.errors import TransformError
from engine.language import budget
from engine.language.plain_templates import Shape
from engine.language.sandbox import FerrySandbox, NestingTooDeep, refusals
from engine.language.template_facts import Access, TemplateFacts, TemplateProblem


@functools.cache
def environment() -> FerrySandbox:
    """The one template environment: budgeted immutable sandbox, strict undefined, no autoescape."""
    return FerrySandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def undeclared(source: str) -> set[str]:
    """Top-level names a template reads, raising what Jinja raises for a broken one."""
    return set(_names(source))


class _Generator(CodeGenerator):
    """Jinja's code generator that also records the top-level names the template reads, as
    ``jinja2.meta.find_undeclared_variables`` does: one pass over the tree, not two."""

    def __init__(self, env: Environment, stream: io.StringIO) -> None:
        super().__init__(env, None, None, stream)
        self.undeclared: set[str] = set()

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)


_GENERATING = threading.Lock()


class _Checked(msgspec.Struct, frozen=True):
    names: frozenset[str]
    refused: tuple[tuple[str, str], ...]
    accesses: tuple[Access, ...]
    code: list[str]
    """The Python source, one item: generated with the names, or on first render (``_code``)."""
    tree: nodes.Template | None = None
    """The tree to generate the code from, when it was not generated with the names."""


# Parsing a template and generating its code is the slowest step of loading a spec, and the
# meaning checks, the catalog check and the compiler all need each template: the result is kept
# per template text (a syntax error is raised again, never kept).
@functools.lru_cache(maxsize=1024)
def _checked(source: str) -> _Checked:
    """The top-level names a template reads, what the sandbox refuses in its syntax tree, the
    attributes it reads (taken from the tree as parsed: generating code folds constants in it),
    and its Python source (see ``_check``)."""
    return _check(source)


def _check(source: str, *, generate: bool = False) -> _Checked:
    """``_checked``, uncached. The code is generated in the pass that finds the names, unless
    the template is ``_plain`` (and ``generate`` is false): its names are then those Jinja's
    symbol analysis finds in the tree, and its code is generated on first render, so loading a
    spec (and ``ferry validate``) need not pay for it. ``generate``: the general path (Jinja's
    parser, names found while generating the code), which the fast ones must equal."""
    env = environment()
    tree = env.parse(source)
    accesses = _accesses(tree)
    if not generate and _plain(env, source, tree):
        names = frozenset(
            param
            for action, param in symbols_for_node(tree).loads.values()
            if action == VAR_LOAD_RESOLVE and param not in env.globals
        )
        return _Checked(names, tuple(refusals(tree)), accesses, [], tree)
    stream = io.StringIO()
    generator = _Generator(env, stream)
    generator.visit(tree)
    code = stream.getvalue()
    return _Checked(frozenset(generator.undeclared), tuple(refusals(tree)), accesses, [code])


# What a plain template is made of (exact types): text, constants, names, and chains of
# attributes, items, filters and tests read from a name, joined with ``~``.
_PLAIN = frozenset(
    {
        nodes.Output,
        nodes.TemplateData,
        nodes.Const,
        nodes.Name,
        nodes.Getattr,
        nodes.Getitem,
        nodes.Filter,
        nodes.Test,
        nodes.Keyword,
        nodes.Concat,
        nodes.Call,
        nodes.EnvironmentAttribute,
    }
)
_CHAIN = frozenset({nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test})


def _plain(env: Environment, source: str, tree: nodes.Template) -> bool:
    """Whether generating the template's code can neither fail, nor find names in a frame of
    its own, nor change what the checks read in the tree: no block tag (blocks, loops, macros
    and extends open frames and can fail), ``self`` not read (the generator declares it), every
    filter and test known (an unknown one fails), every chain read from a name (the generator
    folds constants in the tree: a chain from a name never folds, a constant folds to itself,
    ``~`` over constants only inside the budget's call), and only the budget's calls."""
    if env.block_start_string in source or env.line_statement_prefix is not None:
        return False
    for node in tree.find_all(nodes.Node):
        if type(node) not in _PLAIN:
            return False
        if isinstance(node, nodes.Name):
            if node.name == "self" or node.ctx != "load":
                return False
        elif isinstance(node, nodes.Call):
            if type(node.node) is not nodes.EnvironmentAttribute:
                return False
        elif isinstance(node, (nodes.Getattr, nodes.Getitem)):
            if type(node.node) not in _CHAIN or node.ctx != "load":
                return False
        elif isinstance(node, (nodes.Filter, nodes.Test)):
            known = env.filters if isinstance(node, nodes.Filter) else env.tests
            if type(node.node) not in _CHAIN or node.name not in known:
                return False
    return True


def _code(source: str) -> str:
    """The template's Python source, generated once, when first needed: outside any budget,
    as when it is generated at load (the generator folds constants), and under a lock (it
    folds them in the kept tree)."""
    checked = _checked(source)
    with _GENERATING:
        if not checked.code:
            assert checked.tree is not None
            stream = io.StringIO()
            with budget.suspended():
                CodeGenerator(environment(), None, None, stream).visit(checked.tree)
            checked.code.append(stream.getvalue())
    return checked.code[0]


def _accesses(tree: nodes.Template) -> tuple[Access, ...]:
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            found.append(Access(False, node.attr, _chain(node)))
        elif isinstance(node, nodes.Getitem):
            key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            found.append(Access(True, key, _chain(node)))
    return tuple(found)


def _chain(node: nodes.Node) -> tuple[str, ...] | None:
    names: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            names.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if not isinstance(node.arg.value, str):
                return None
            names.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            names.append(node.name)
            return tuple(reversed(names))
        else:
            return None


def _names(source: str) -> frozenset[str]:
    return _checked(source).names


def parsed_accesses(source: str) -> tuple[Access, ...]:
    """The attributes and items a template reads, from the tree as parsed: for a template that
    parses but does not compile (``analyse`` refuses it). Raises what parsing raises."""
    return _accesses(environment().parse(source))


@functools.lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    """Compiled only once the checks passed, and only when first rendered: loading a spec (and
    ``ferry validate``) never needs the bytecode, and compiling it is a third of a template's
    cost. The code is what ``Environment.compile`` gives for the text."""
    env = environment()
    code = compile(_code(source), "<template>", "exec")
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _attributes_read(tree: nodes.Template, name: str) -> frozenset[str] | None:
    """The attributes of ``name`` a template reads (``destination.entityId`` -> entityId), or
    None when it uses ``name`` any other way (whole, or with a computed key): the caller then
    cannot narrow what it must supply."""
    uses = [n for n in tree.find_all(nodes.Name) if n.name == name]
    attrs: set[str] = set()
    accessed = 0
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = getattr(node, "node", None)
        if not (isinstance(target, nodes.Name) and target.name == name):
            continue
        key = getattr(node, "attr", None) or getattr(getattr(node, "arg", None), "value", None)
        if not isinstance(key, str):
            return None
        attrs.add(key)
        accessed += 1
    return frozenset(attrs) if accessed == len(uses) else None


def analyse(source: str) -> TemplateFacts:
    """The facts of a template (``TemplateFacts``); ``TemplateProblem`` when it does not
    parse or nests too deeply (what the sandbox refuses is among the facts)."""
    try:
        checked = _checked(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"invalid template: {exc.message}", exc.lineno) from exc
    except NestingTooDeep as exc:
        raise TemplateProblem(f"invalid template: it {exc}") from exc
    except RecursionError as exc:  # the parser recurses once per level, before any check
        raise TemplateProblem(f"invalid template: it {NestingTooDeep()}") from exc
    with _GENERATING:  # the tree kept for a plain template's code, read before it is generated
        if checked.tree is not None and not checked.code:
            return _facts(checked, checked.tree)
    return _facts(checked, environment().parse(source))  # generating the code folded the tree


def _facts(checked: _Checked, tree: nodes.Template) -> TemplateFacts:
    used = {node.name for node in tree.find_all(nodes.Name)}
    return TemplateFacts(
        checked.names,
        checked.refused,
        checked.accesses,
        {name: _attributes_read(tree, name) for name in sorted(used)},
        shape_of(tree),
    )


def shape_of(tree: nodes.Template) -> Shape | None:
    """The template as a plain shape (``engine.language.plain_templates``), or None when it
    is anything more: a tag, a filter, a test, a call, arithmetic, a computed key."""
    parts: list[Any] = []
    for statement in tree.body:
        if type(statement) is not nodes.Output:
            return None
        for child in statement.nodes:
            if type(child) is nodes.TemplateData:
                parts.append(child.data)
                continue
            expr = _expression(child)
            if expr is None:
                return None
            parts.append(expr)
    return tuple(parts)


_CONSTANTS = frozenset({str, int, float, bool, type(None)})
_COMPARISONS = frozenset({"eq", "ne"})
_SHAPED = frozenset(
    {nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const, nodes.Compare, nodes.CondExpr}
)


def _expression(node: nodes.Node) -> tuple[Any, ...] | None:
    if type(node) not in _SHAPED:  # exactly these: the sandbox's rewrites are subclasses
        return None
    if isinstance(node, nodes.Name):
        return ("name", node.name) if node.ctx == "load" else None
    if isinstance(node, (nodes.Getattr, nodes.Getitem)):
        owner = _expression(node.node)
        if owner is None or node.ctx != "load":
            return None
        if isinstance(node, nodes.Getattr):
            return ("attr", owner, node.attr)
        arg = node.arg
        if type(arg) is not nodes.Const or type(arg.value) not in (str, int):
            return None
        return ("item", owner, arg.value)
    if isinstance(node, nodes.Const):
        return ("const", node.value) if type(node.value) in _CONSTANTS else None
    if isinstance(node, nodes.Compare):
        if len(node.ops) != 1 or node.ops[0].op not in _COMPARISONS:
            return None
        left, right = _expression(node.expr), _expression(node.ops[0].expr)
        if left is None or right is None:
            return None
        return ("compare", left, node.ops[0].op, right)
    if isinstance(node, nodes.CondExpr):
        test, then = _expression(node.test), _expression(node.expr1)
        otherwise = None if node.expr2 is None else _expression(node.expr2)
        if test is None or then is None or (node.expr2 is not None and otherwise is None):
            return None
        return ("if", test, then, otherwise)
    return None


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render with Jinja, within the budget; every failure is a ``TransformError``."""
    outer = budget.begin()
    try:
        return _template(source).render(context)
    except UndefinedError as exc:
        raise TransformError(f"template: {exc.message}") from exc
    except SecurityError as exc:
        raise TransformError(f"template refused by the sandbox: {exc}") from exc
    except TransformError:
        raise
    except RecursionError as exc:
        raise budget.BudgetExceeded("template: it recurses too deeply") from exc
    except Exception as exc:  # arithmetic on text, a filter given the wrong type, ...
        raise TransformError(f"template failed: {type(exc).__name__}: {exc}") from exc
    finally:
        budget.end(outer)
