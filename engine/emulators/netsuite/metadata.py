"""``GET /record/v1/metadata-catalog[/{record}]``: the account's record schemas (api-facts §2.8).

Why from the catalogs: the emulator's record rules (``schema.py``) are read from the shipped
NetSuite catalogs, and this endpoint serves those same catalogs as JSON Schema, plus the
account's own custom fields (``custom_fields.json``, and ``custentity_region`` by default) marked
``x-ns-custom-field`` - so ``ferry catalog pull`` learns exactly what the emulator enforces.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

import msgspec
from starlette.responses import Response

from engine import jsonio
from engine.check.catalog import Catalog, CatalogField, shipped
from engine.check.catalog.wire import netsuite_schema, with_fields
from engine.emulators.netsuite.nserror import NsError
from engine.emulators.netsuite.schema import RecordType

if TYPE_CHECKING:
    from engine.emulators.netsuite.app import Call

DEFAULT_CUSTOM_FIELDS: dict[str, list[str]] = {"customer": ["custentity_region"]}
"""The emulated account's own fields (beyond the connector bundle's), merged with a seed
folder's ``custom_fields.json``."""
SCHEMA_JSON = "application/schema+json"


def account_catalog(rtype: RecordType) -> Catalog:
    """The shipped catalog of ``rtype`` plus the account's own fields."""
    base = {c.object: c for c in shipped().all(["netsuite"])}[rtype.name]
    extra = [
        CatalogField(name, "string", label=field.label or name, custom=True)
        for name, field in rtype.fields.items()
        if name not in base.fields
    ]
    catalog = with_fields(base, extra)
    return msgspec.structs.replace(catalog, fields=MappingProxyType(dict(catalog.fields)))


async def metadata_catalog(call: Call) -> Response:
    if call.request.method != "GET":
        raise NsError.one(405, "METHOD_NOT_ALLOWED", "Only GET is allowed on the metadata catalog.")
    base = f"{call.base}/record/v1/metadata-catalog"
    name = call.request.path_params.get("rtype")
    if not name:
        items = [
            {"name": n, "links": [{"rel": "canonical", "href": f"{base}/{n}"}]}
            for n in call.store.types
        ]
        return Response(jsonio.dumps({"items": items}), media_type="application/json")
    rtype = call.store.rtype(name)
    accept = call.request.headers.get("accept", "")
    if SCHEMA_JSON not in accept:
        raise NsError.one(
            400,
            "INVALID_HEADER",
            f"The emulator serves record metadata as {SCHEMA_JSON} only; "
            f"send Accept: {SCHEMA_JSON}.",
        )
    schema = netsuite_schema(account_catalog(rtype), base)
    return Response(jsonio.dumps(schema), media_type=SCHEMA_JSON)
