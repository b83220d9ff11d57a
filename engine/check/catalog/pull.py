"""``ferry catalog pull``: ask each tenant what its objects look like, write project catalogs.

Why: the shipped catalogs cannot know a tenant's own fields (``Region__c``,
``custentity_region``), so ``ferry validate`` can only warn about them. A pull asks the tenant
through its driver (Zuora describe, NetSuite metadata catalog), merges the answer into the
shipped catalog and writes the result into the project, marked ``origin: pulled`` - from then
on a field missing from it is an error, not a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from engine.check.catalog.model import Catalog, write_catalog
from engine.check.catalog.store import shipped
from engine.check.catalog.wire import merge, netsuite_fields, zuora_fields
from engine.errors import UsageError

SOURCES = {
    "zuora": "GET /v1/describe/{api_name} (tenant)",
    "netsuite": "GET /record/v1/metadata-catalog/{api_name} (account)",
}


class Pulled(msgspec.Struct, frozen=True):
    """One catalog written: where, and which fields only the tenant knew."""

    path: Path
    catalog: Catalog
    added: tuple[str, ...]


def tenant_fields(kind: str, driver: Any, catalog: Catalog) -> Mapping[str, Any]:
    """The fields ``driver``'s tenant reports for ``catalog``'s object."""
    where = f"{catalog.endpoint} {catalog.object}"
    if kind == "zuora":
        return zuora_fields(driver.describe(catalog.object), where)
    if kind == "netsuite":
        return netsuite_fields(driver.record_schema(catalog.object), where)
    raise UsageError(f"driver '{kind}' cannot describe its objects")


def wanted(requested: Iterable[str], kinds: Mapping[str, str]) -> list[tuple[str, str, Catalog]]:
    """``(endpoint, kind, shipped catalog)`` for each requested ``[endpoint:]object`` (all
    objects of every endpoint with shipped catalogs when none is requested)."""
    pairs: list[tuple[str, str, Catalog]] = []
    catalogs = shipped()
    describable = {name: kind for name, kind in kinds.items() if kind in SOURCES}
    requested = list(requested)
    if not requested:
        for name, kind in sorted(describable.items()):
            pairs += [(name, kind, c) for c in catalogs.all([kind])]
        return pairs
    for item in requested:
        endpoint, _, obj = item.rpartition(":")
        names = [endpoint] if endpoint else sorted(describable)
        matched = False
        for name in names:
            found_kind = describable.get(name)
            if found_kind is None:
                raise UsageError(
                    f"no endpoint '{name}' with a describable driver in the connections"
                )
            found = catalogs.get(found_kind, obj)
            if found is not None:
                pairs.append((name, found_kind, found))
                matched = True
        if not matched:
            known = ", ".join(
                f"{k}:{o}" for k in sorted(set(describable.values())) for o in catalogs.objects(k)
            )
            raise UsageError(f"no object '{item}' to pull; objects: {known}")
    return pairs


def pull(
    drivers: Mapping[str, Any], kinds: Mapping[str, str], requested: Iterable[str], out: Path
) -> list[Pulled]:
    """Pull and write every requested catalog; return what was written."""
    written: list[Pulled] = []
    for endpoint, kind, base in wanted(requested, kinds):
        tenant = tenant_fields(kind, drivers[endpoint], base)
        source = SOURCES[kind].format(api_name=base.api_name)
        catalog = msgspec.structs.replace(merge(base, tenant, source), endpoint=endpoint)
        path = write_catalog(catalog, out)
        added = tuple(n for n in tenant if n not in base.fields)
        written.append(Pulled(path, catalog, added))
    return written
