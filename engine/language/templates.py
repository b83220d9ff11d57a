"""Jinja templates in a sandbox: checked once, strict about undefined names, budgeted.

Why a sandbox: specs come from consultants' repositories and pull requests, so a template must not
reach Python internals (``{{ record.__class__.__mro__ }}``), print Python objects into a payload
(``{{ self }}``), or take unbounded time or memory (``{{ 9 ** (9 ** 9) }}``): see
``engine.language.sandbox`` and ``engine.language.budget``. Why strict: a misspelt variable must
be an error, never an empty string written to a customer record. Undeclared top-level names and
the constructs the sandbox refuses statically are found when the spec loads, so
``{{ recrod.id }}`` fails at load time, not at run time.

Why this module imports no Jinja: what the checks and the compiler need of a template (its
names, what the sandbox refuses, what it reads: ``TemplateFacts``) depends on its text alone,
and the disk cache (``engine.diskcache``) keeps it; the simplest templates' facts (text around
chains of names) are read from the text (``engine.language.chain_templates``); a plain
template (text around values read from the context) renders without Jinja
(``engine.language.plain_templates``). Jinja (``engine.language.template_jinja``) is imported
when a text neither of these reads is new, or a template or a record is one only Jinja
renders.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from engine import diskcache
from engine.errors import TransformError
from engine.language import chain_templates, plain_templates
from engine.language.template_facts import Access, TemplateFacts, TemplateProblem
from engine.transforms import installed_stamp

if TYPE_CHECKING:
    from engine.language.sandbox import FerrySandbox

__all__ = [
    "Access",
    "TemplateProblem",
    "accesses",
    "attributes_read",
    "compile_template",
    "environment",
    "facts",
    "undeclared",
]


# Each use of Jinja imports ``template_jinja`` where it needs it (see the module).


def environment() -> FerrySandbox:
    """The one template environment: budgeted immutable sandbox, strict undefined, no autoescape."""
    from engine.language.template_jinja import environment as jinja_environment

    return jinja_environment()


@functools.lru_cache(maxsize=1024)
def facts(source: str) -> TemplateFacts:
    """A template's facts: read from the text when it is text around chains of names
    (``engine.language.chain_templates``), else found by Jinja, kept in this process and on
    disk between processes (keyed by the text, Ferry's code and the installed packages, Jinja
    among them); ``TemplateProblem`` when it does not parse (never kept)."""
    simple = chain_templates.facts(source)
    if simple is not None:
        return simple
    entry = None
    if diskcache.root() is not None:  # else no key to compute (a stat per path entry)
        entry = diskcache.key(source, diskcache.engine_stamp(), installed_stamp())
        kept = diskcache.load("template", entry)
        if kept is not None:
            return TemplateFacts.from_kept(kept)
    from engine.language.template_jinja import analyse

    found = analyse(source)
    plain = found.kept()
    if entry is not None and plain is not None:
        diskcache.store("template", entry, plain)
    return found


def undeclared(source: str) -> set[str]:
    """Top-level names a template reads."""
    try:
        return set(facts(source).names)
    except TemplateProblem:  # raises what Jinja raises
        from engine.language.template_jinja import undeclared as jinja_undeclared

        return jinja_undeclared(source)


def accesses(source: str) -> tuple[Access, ...]:
    """The attributes and items a template reads (see ``Access``). Raises what parsing the
    template raises; a template that parses but does not compile still has them."""
    try:
        return facts(source).accesses
    except Exception:  # parsed again: raises what parsing raises, or reads what compiling refused
        from engine.language.template_jinja import parsed_accesses

        return parsed_accesses(source)


def attributes_read(source: str, name: str) -> frozenset[str] | None:
    """The attributes of ``name`` a template reads (``destination.entityId`` -> entityId), or
    None when it uses ``name`` any other way (whole, or with a computed key): the caller then
    cannot narrow what it must supply."""
    return facts(source).reads.get(name, frozenset())


def compile_template(source: str, allowed: frozenset[str]) -> Callable[[Mapping[str, Any]], str]:
    """Check once; return ``render(context) -> str``. Raises ``TemplateProblem``."""
    found = facts(source)
    for message, token in found.refused:
        raise TemplateProblem(message, names=(token,) if token else ())
    unknown = sorted(found.names - allowed)
    if unknown:
        raise TemplateProblem(
            f"template reads unknown name(s) {', '.join(unknown)}; available: "
            + ", ".join(sorted(allowed)),
            names=tuple(unknown),
        )
    shape = found.shape

    def render(context: Mapping[str, Any]) -> str:
        if shape is not None:
            text = plain_templates.render(shape, context)
            if text is not None:
                return text
        from engine.language.template_jinja import render as jinja_render

        return jinja_render(source, context)

    if not found.names:  # a constant: render it now, so validate reports a failure
        try:
            render({})
        except TransformError as exc:
            raise TemplateProblem(f"the template fails: {exc}") from exc
    return render
