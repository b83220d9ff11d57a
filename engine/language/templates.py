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
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, UndefinedError

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
    code: str


# Parsing a template and generating its code is the slowest step of loading a spec, and the
# meaning checks, the catalog check and the compiler all need each template: the result is kept
# per template text (a syntax error is raised again, never kept).
@functools.lru_cache(maxsize=1024)
def _checked(source: str) -> _Checked:
    """The top-level names a template reads, what the sandbox refuses in its syntax tree, the
    attributes it reads (taken from the tree as parsed: generating code folds constants in it),
    and its Python source, generated in the same pass that finds the names."""
    env = environment()
    tree = env.parse(source)
    accesses = _accesses(tree)
    stream = io.StringIO()
    generator = _Generator(env, stream)
    generator.visit(tree)
    code = stream.getvalue()
    return _Checked(frozenset(generator.undeclared), tuple(refusals(tree)), accesses, code)


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
    code = compile(_checked(source).code, "<template>", "exec")
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
