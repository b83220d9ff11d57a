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
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
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


# Parsing and compiling a template is the slowest step of loading a spec, and the meaning checks
# and the compiler both need each template: both are kept per template text (a syntax error is
# raised again, never kept).
@functools.lru_cache(maxsize=1024)
def _checked(
    source: str,
) -> tuple[frozenset[str], tuple[tuple[str, str], ...], nodes.Template]:
    """The top-level names a template reads, what the sandbox refuses in its syntax tree, and
    the tree (compiled from, not parsed again: the parse is a third of a template's cost)."""
    tree = environment().parse(source)
    return frozenset(meta.find_undeclared_variables(tree)), tuple(refusals(tree)), tree


def _names(source: str) -> frozenset[str]:
    return _checked(source)[0]


@functools.lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    """Compiled only once the checks passed: compiling folds constants. Compiled from the
    checked tree, which finding the names already folded the same way (Jinja's optimizer), so
    the code is what compiling the text gives."""
    env = environment()
    code = env.compile(_checked(source)[2])
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
        names, refused, _ = _checked(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"invalid template: {exc.message}", exc.lineno) from exc
    except NestingTooDeep as exc:
        raise TemplateProblem(f"invalid template: it {exc}") from exc
    except RecursionError as exc:  # the parser recurses once per level, before any check
        raise TemplateProblem(f"invalid template: it {NestingTooDeep()}") from exc
    for message, token in refused:
        raise TemplateProblem(message, names=(token,) if token else ())
    unknown = sorted(names - allowed)
    if unknown:
        raise TemplateProblem(
            f"template reads unknown name(s) {', '.join(unknown)}; available: "
            + ", ".join(sorted(allowed)),
            names=tuple(unknown),
        )
    template = _template(source)

    def render(context: Mapping[str, Any]) -> str:
        outer = budget.begin()
        try:
            return template.render(context)
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
