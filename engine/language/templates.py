"""Jinja templates in a sandbox: compiled once, strict about undefined names, budgeted.

Why a sandbox: specs come from consultants' repositories and pull requests, so a template must not
reach Python internals (``{{ record.__class__.__mro__ }}``), print Python objects into a payload
(``{{ self }}``), or take unbounded time or memory (``{{ 9 ** (9 ** 9) }}``): see
``engine.language.sandbox`` and ``engine.language.budget``. Why strict: a misspelt variable must
be an error, never
an empty string written to a customer record. Undeclared top-level names and the constructs the
sandbox refuses statically are found when the spec loads, so ``{{ recrod.id }}`` fails at load
time, not at run time.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.idtracking import VAR_LOAD_RESOLVE, symbols_for_node

from engine.errors import TransformError
from engine.language import budget
from engine.language.sandbox import FerrySandbox, NestingTooDeep, refusals


class TemplateProblem(Exception):
    """A template does not compile or names a variable that will not exist."""

    def __init__(self, message: str, line: int = 1, names: tuple[str, ...] = ()) -> None:
        self.line = line
        self.names = names
        super().__init__(message)


@functools.cache
def environment() -> FerrySandbox:
    """The one template environment: budgeted immutable sandbox, strict undefined, no autoescape."""
    return FerrySandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def undeclared(source: str) -> set[str]:
    """Top-level names a template reads."""
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


class Access(msgspec.Struct, frozen=True):
    """One attribute or item read in a template (``record.a``, ``record['b']``), in the order
    Jinja's ``find_all`` gives them: ``key`` is the attribute, or the item's constant key (None
    when computed); ``chain`` the names from a variable down (None when not rooted in one)."""

    item: bool
    key: object
    chain: tuple[str, ...] | None


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


def accesses(source: str) -> tuple[Access, ...]:
    """The attributes and items a template reads (see ``Access``). Raises what parsing the
    template raises; a template that parses but does not compile still has them."""
    try:
        return _checked(source).accesses
    except Exception:  # parsed again: raises what parsing raises, or reads what compiling refused
        return _accesses(environment().parse(source))


@functools.lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    """Compiled only once the checks passed, and only when first rendered: loading a spec (and
    ``ferry validate``) never needs the bytecode, and compiling it is a third of a template's
    cost. The code is what ``Environment.compile`` gives for the text."""
    env = environment()
    code = compile(_code(source), "<template>", "exec")
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def attributes_read(source: str, name: str) -> frozenset[str] | None:
    """The attributes of ``name`` a template reads (``destination.entityId`` -> entityId), or
    None when it uses ``name`` any other way (whole, or with a computed key): the caller then
    cannot narrow what it must supply."""
    tree = environment().parse(source)
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


def compile_template(source: str, allowed: frozenset[str]) -> Callable[[Mapping[str, Any]], str]:
    """Compile once; return ``render(context) -> str``. Raises ``TemplateProblem``."""
    try:
        checked = _checked(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"invalid template: {exc.message}", exc.lineno) from exc
    except NestingTooDeep as exc:
        raise TemplateProblem(f"invalid template: it {exc}") from exc
    except RecursionError as exc:  # the parser recurses once per level, before any check
        raise TemplateProblem(f"invalid template: it {NestingTooDeep()}") from exc
    names = checked.names
    for message, token in checked.refused:
        raise TemplateProblem(message, names=(token,) if token else ())
    unknown = sorted(names - allowed)
    if unknown:
        raise TemplateProblem(
            f"template reads unknown name(s) {', '.join(unknown)}; available: "
            + ", ".join(sorted(allowed)),
            names=tuple(unknown),
        )
    compiled: list[Template] = []

    def render(context: Mapping[str, Any]) -> str:
        outer = budget.begin()
        try:
            if not compiled:
                compiled.append(_template(source))
            return compiled[0].render(context)
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

    if not names:  # a constant: render it now, within the budget, so validate reports a failure
        try:
            render({})
        except TransformError as exc:
            raise TemplateProblem(f"the template fails: {exc}") from exc
    return render
