"""Object catalogs: the fields of every object a driver reads or writes (see docs/catalogs.md).

``model`` is the data shape, ``store`` finds the files (a project's own, then the shipped ones),
``lookup`` follows a path through nested objects and sublists, ``speccheck`` checks a Mapping
against them, ``wire`` speaks the endpoints' metadata formats (Zuora describe, NetSuite JSON
Schema) for the emulators and for ``ferry catalog pull``.
"""

from engine.check.catalog.lookup import Found, Missing, Scope, looks_custom, resolve
from engine.check.catalog.model import (
    CATALOG_VERSION,
    Catalog,
    CatalogField,
    read_catalog,
    write_catalog,
)
from engine.check.catalog.store import SHIPPED_DIR, Catalogs, shipped

__all__ = [
    "CATALOG_VERSION",
    "SHIPPED_DIR",
    "Catalog",
    "CatalogField",
    "Catalogs",
    "Found",
    "Missing",
    "Scope",
    "looks_custom",
    "read_catalog",
    "resolve",
    "shipped",
    "write_catalog",
]
