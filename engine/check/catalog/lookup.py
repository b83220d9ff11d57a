"""Following a path (``billTo.workEmail``, ``item.items``, ``subsidiary.id``) through a catalog.

Why one walker: ``from:`` paths, guard and template references, ``identity.match`` and ``to:``
paths all need the same answer - the field a path ends on, or the first name that is not there,
with the names that were possible there (for "did you mean").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import msgspec

from engine.check.catalog.model import REFERENCE_KEYS, Catalog, CatalogField

_CUSTOM = re.compile(r"(__c$)|(^cust(entity|body|item|col|record|event|itemnumber)_)")


def looks_custom(name: str) -> bool:
    """A tenant's own field (``Region__c``, ``custentity_region``): the shipped catalogs cannot
    know it, only a pulled one can."""
    return bool(_CUSTOM.search(name))


class Scope(msgspec.Struct, frozen=True):
    """Where paths start: an object's top level, or one line of its sublist or array."""

    fields: Mapping[str, CatalogField]
    title: str
    catalog: Catalog

    @classmethod
    def of(cls, catalog: Catalog) -> Scope:
        return cls(catalog.fields, catalog.title, catalog)

    def lines(self, names: Sequence[str]) -> Scope | None:
        """The scope of one line of the sublist or array at ``names`` (None when not a list)."""
        found = resolve(self, names, lines=True)
        if isinstance(found, Found) and found.field is not None and found.line:
            return Scope(found.field.fields, f"{self.title}.{'.'.join(names)}[]", self.catalog)
        return None


class Found(msgspec.Struct, frozen=True):
    """The path resolved: the top-level field it starts in and the field it ends on (None when
    it ends inside a reference or collection, whose keys are fixed)."""

    top: CatalogField
    field: CatalogField | None
    line: bool = False  # the path ends on a sublist's (or array's) line list


class Missing(msgspec.Struct, frozen=True):
    """``name`` (at ``index`` of the path) is not among ``options`` under ``where``."""

    name: str
    index: int
    where: str
    options: tuple[str, ...]
    reason: str = ""


def resolve(scope: Scope, names: Sequence[str], *, lines: bool = False) -> Found | Missing:
    """Walk ``names`` from the object's top level. With ``lines``, a sublist or array may be
    named as a whole (``item.items``, ``invoiceItems``): that is where lines are read or written."""
    fields: Mapping[str, CatalogField] = scope.fields
    where = scope.title
    top: CatalogField | None = None
    current: CatalogField | None = None
    index = 0
    while index < len(names):
        name = names[index]
        if current is not None and current.type in ("reference", "collection"):
            keys = REFERENCE_KEYS if current.type == "reference" else ("items",)
            if name not in keys:
                return Missing(name, index, where, keys, f"'{current.name}' is a reference")
            return Found(top or current, None)
        if current is not None and current.type == "sublist":
            if name != "items":
                return Missing(name, index, where, ("items",), "a sublist's lines are under items")
            if index == len(names) - 1:
                return Found(top or current, current, line=True)
            index += 1
            name = names[index]
        elif current is not None and current.type not in ("object", "array"):
            return Missing(name, index, where, (), f"'{current.name}' is a {current.type}")
        field = fields.get(name)
        if field is None:
            return Missing(name, index, where, tuple(fields))
        top = top or field
        current = field
        fields = field.fields
        where = f"{where}.{name}"
        index += 1
    assert top is not None and current is not None
    if lines and current.type in ("sublist", "array"):
        return Found(top, current, line=True)
    return Found(top, current)
