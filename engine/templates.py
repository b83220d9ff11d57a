"""Jinja templates in a sandbox: compiled once, strict about undefined names.

Why a sandbox: specs come from consultants' repositories and pull requests, so a template must not
reach Python internals (``{{ record.__class__.__mro__ }}``). Why strict: a misspelt variable must
be an error, never an empty string written to a customer record. Undeclared top-level names are
found when the spec loads, so ``{{ recrod.id }}`` fails at load time, not at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import TransformError


class TemplateProblem(Exception):
    """A template does not compile or names a variable that will not exist."""

    def __init__(self, message: str, line: int = 1, names: tuple[str, ...] = ()) -> None:
        self.line = line
        self.names = names
        super().__init__(message)


@functools.cache
def environment() -> ImmutableSandboxedEnvironment:
    """The one template environment: immutable sandbox, strict undefined, no autoescape."""
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=_no_null,
    )


def _no_null(value: Any) -> Any:
    """A null printed by a template would reach the destination as the text "None": refuse it
    (write ``{{ x or '' }}`` or guard the field when null is expected)."""
    if value is None:
        raise TransformError("template: a value it prints is null")
    return value


def undeclared(source: str) -> set[str]:
    """Top-level names a template reads."""
    return set(_names(source))


# Parsing and compiling a template is the slowest step of loading a spec, and the meaning checks
# and the compiler both need each template: both are kept per template text (a syntax error is
# raised again, never kept).
@functools.lru_cache(maxsize=1024)
def _names(source: str) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(environment().parse(source)))


@functools.lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    return environment().from_string(source)


def compile_template(source: str, allowed: frozenset[str]) -> Callable[[Mapping[str, Any]], str]:
    """Compile once; return ``render(context) -> str``. Raises ``TemplateProblem``."""
    try:
        names = _names(source)
        template = _template(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"invalid template: {exc.message}", exc.lineno) from exc
    unknown = sorted(names - allowed)
    if unknown:
        raise TemplateProblem(
            f"template reads unknown name(s) {', '.join(unknown)}; available: "
            + ", ".join(sorted(allowed)),
            names=tuple(unknown),
        )

    def render(context: Mapping[str, Any]) -> str:
        try:
            return template.render(context)
        except UndefinedError as exc:
            raise TransformError(f"template: {exc.message}") from exc
        except SecurityError as exc:
            raise TransformError(f"template refused by the sandbox: {exc}") from exc
        except TransformError:
            raise
        except Exception as exc:  # arithmetic on text, a filter given the wrong type, ...
            raise TransformError(f"template failed: {type(exc).__name__}: {exc}") from exc

    return render
