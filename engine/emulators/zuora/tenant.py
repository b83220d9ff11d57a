"""The emulated tenant's object catalogs as data: the shipped ones plus the tenant's own fields.

Why apart from the ``describe`` route (``catalog.py``): the store holds one, and the store must
not import the web layer. Every write of a custom or connector field (``*__c``, ``*__NS``) is
checked here: unknown field -> code 21, too long or not one of the field's values -> code 20,
as Zuora answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.check.catalog import Catalog, CatalogField, shipped
from engine.check.catalog.wire import with_fields

from . import checks
from .checks import is_custom_field
from .codes import Category, Resource, ZuoraFault

DEFAULT_CUSTOM_FIELDS: Mapping[str, tuple[str, ...]] = {"account": ("Region__c",)}
"""The emulated tenant's own fields (a tenant's custom fields end ``__c``); ``create_app``
takes others."""


class TenantCatalog:
    """Catalogs per object (the driver's names: ``account``, ``product_rate_plan_charge``)."""

    def __init__(self, custom_fields: Mapping[str, tuple[str, ...]] | None = None) -> None:
        extra = DEFAULT_CUSTOM_FIELDS if custom_fields is None else custom_fields
        self.objects: dict[str, Catalog] = {}
        for catalog in shipped().all(["zuora"]):
            own = [_custom(name) for name in extra.get(catalog.object, ())]
            self.objects[catalog.object] = with_fields(catalog, own)
        self.by_api_name = {c.api_name.lower(): c for c in self.objects.values()}

    def custom_value(self, obj: str, key: str, value: Any, resource: Resource) -> Any:
        """Check one custom or connector field of ``obj``; return the value to store."""
        catalog = self.objects.get(obj)
        field = catalog.fields.get(key) if catalog else None
        if field is None:
            raise ZuoraFault(resource, Category.UNKNOWN_FIELD, f"Unknown field '{key}'.")
        value = checks.custom_value(key, value, resource)
        if (
            isinstance(value, str)
            and field.max_length is not None
            and len(value) > field.max_length
        ):
            raise ZuoraFault(
                resource,
                Category.INVALID_VALUE,
                f"Invalid value for '{key}': at most {field.max_length} characters.",
            )
        if field.enum and value not in (None, "") and value not in field.enum:
            raise ZuoraFault(
                resource,
                Category.INVALID_VALUE,
                f"Invalid value for '{key}': must be one of {', '.join(field.enum)}.",
            )
        return value

    def custom_values(
        self, obj: str, body: Mapping[str, Any], resource: Resource
    ) -> dict[str, Any]:
        """Every custom or connector field in ``body``, checked."""
        return {
            key: self.custom_value(obj, key, value, resource)
            for key, value in body.items()
            if is_custom_field(key)
        }


def _custom(name: str) -> CatalogField:
    label = name.removesuffix("__c").replace("_", " ")
    return CatalogField(name, "string", label=label, max_length=255, custom=True)
