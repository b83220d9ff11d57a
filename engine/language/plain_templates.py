"""Plain templates rendered without Jinja, exactly as Jinja's sandbox renders them, or not at
all.

Why: almost every template in a mapping is text around a value read from the context
(``zuora-account-{{ record.id }}``, ``{{ run.started_at }}``), sometimes chosen by a comparison
(``{{ a if parents.x == 'y' else b }}``). Jinja renders these through a compiled template and
its runtime; importing Jinja is a tenth of a warm ``ferry plan``'s instructions, and its render
costs several times a dictionary lookup. A *shape* is such a template written as plain values
(``engine.language.template_jinja.shape_of`` makes it from Jinja's tree, and the disk cache
keeps it with the template's other facts): ``render`` follows it for the values Jinja's
sandbox would read and print the same way, and for every other case (a name or key missing, a
value that is not a plain mapping, a key that is also a mapping's attribute, a value printed
that is not text, a number or null, too much output) answers None: the caller then renders
with Jinja, which gives its own result or error. A null printed raises the error Jinja's
sandbox raises for it (``NULL_PRINTED``): the settings make it at every compile of a mapping
whose guarded template prints an unset setting. So the outcome is always Jinja's.

A shape is a tuple of parts: text (printed as it is) or an expression:

- ``("name", name)``: a variable of the context;
- ``("attr", expr, key)`` / ``("item", expr, key)``: ``expr.key`` / ``expr['key']``;
- ``("const", value)``: a literal (text, a number, a boolean or none);
- ``("compare", left, op, right)``: ``==`` (``op`` "eq") or ``!=`` ("ne");
- ``("if", test, then, otherwise)``: ``then if test else otherwise``; ``otherwise`` None when
  the template has no ``else``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from engine.errors import TransformError
from engine.language.budget import MAX_SIZE

Shape = tuple[Any, ...]

NULL_PRINTED = "template: a value it prints is null"
"""The error of a template that prints a null (``engine.language.sandbox``'s ``finalize``)."""

_MAPPINGS = frozenset({dict, MappingProxyType})
"""The mappings the context holds (records and their parts, settings, the run, the parents,
frozen settings values): read by key, as Jinja's sandbox reads them when the key is not one of
their attributes."""
_ATTRIBUTES = frozenset(dir(dict)) | frozenset(dir(MappingProxyType))
"""Names Jinja's sandbox reads as the mapping's attribute (``record.items`` is the method), not
as its key: never read here."""
_NUMBERS = frozenset({int, float, Decimal, bool})
"""Printed with ``str``, as Jinja prints what the sandbox's ``finalize`` lets through."""


class _Missing:
    """A value ``render`` does not read as Jinja would: Jinja renders the template."""


_MISSING = _Missing()


def render(shape: Shape, context: Mapping[str, Any]) -> str | None:
    """The text Jinja's sandbox renders from ``shape`` and ``context``, or None where only
    Jinja can say (see the module)."""
    out: list[str] = []
    printed = 0
    for part in shape:
        if part.__class__ is str:
            out.append(part)
            continue
        value = _value(part, context)
        kind = value.__class__
        if kind is str:
            printed += len(value)
            out.append(value)
        elif kind in _NUMBERS:
            printed += 1
            out.append(str(value))
        elif value is None:
            raise TransformError(NULL_PRINTED)
        else:  # missing, a list, a mapping or an object: Jinja's error
            return None
        if printed > MAX_SIZE:  # Jinja's budget refuses it, here
            return None
    return "".join(out)


def _value(expr: tuple[Any, ...], context: Mapping[str, Any]) -> Any:
    tag = expr[0]
    if tag == "name":
        return context.get(expr[1], _MISSING)
    if tag == "attr" or tag == "item":
        owner = _value(expr[1], context)
        key = expr[2]
        if owner.__class__ not in _MAPPINGS or (tag == "attr" and key in _ATTRIBUTES):
            return _MISSING
        return owner.get(key, _MISSING)
    if tag == "const":
        return expr[1]
    if tag == "compare":
        left, right = _value(expr[1], context), _value(expr[3], context)
        if left is _MISSING or right is _MISSING:
            return _MISSING
        return left == right if expr[2] == "eq" else left != right
    if tag == "if":
        test = _value(expr[1], context)
        if test is _MISSING or not _plain_truth(test):
            return _MISSING
        if test:
            return _value(expr[2], context)
        return _MISSING if expr[3] is None else _value(expr[3], context)
    return _MISSING


def _plain_truth(value: Any) -> bool:
    """Whether the truth of ``value`` is Python's own, which Jinja's ``if`` uses: text,
    numbers, null, booleans and the context's mappings and lists."""
    return value is None or value.__class__ in _TRUTHFUL


_TRUTHFUL = frozenset({str, bool, int, float, Decimal, dict, list, MappingProxyType, tuple})
