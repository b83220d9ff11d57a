"""The snapshot format of ``snapshot_json``: syrupy's JSON files, without spec line numbers.

Why: a render error names where in the spec it arose (``mappings/customer.yaml:64:9, record
'…', field 'currency': …``). That line and column move whenever a comment or a field is added
above them, so a snapshot holding them fails for an edit that changed no output. Snapshots keep
the file, the record, the field and the message; ``ferry render`` still prints the full location.

Imported only when a test uses ``snapshot_json`` (it needs syrupy, an optional dependency).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from syrupy.extensions.json import JSONSnapshotExtension

if TYPE_CHECKING:
    from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData

# "<file>:<line>:<column>" at the start of an error result, as engine.errors.RenderError writes it.
_LOCATION = re.compile(r"^(?P<file>.+?):\d+:\d+(?=, |: |$)")


def without_locations(data: Any) -> Any:
    """A copy of ``data`` whose error results (``{"action": "error", "error": ...}``) name the
    spec file without line and column; everything else is returned as it is."""
    if isinstance(data, list):
        return [without_locations(item) for item in data]
    if isinstance(data, dict):
        copy = {key: without_locations(value) for key, value in data.items()}
        if copy.get("action") == "error" and isinstance(copy.get("error"), str):
            copy["error"] = _LOCATION.sub(r"\g<file>", copy["error"], count=1)
        return copy
    return data


class FerryJSONExtension(JSONSnapshotExtension):
    """syrupy's JSON extension, serializing results without spec locations."""

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        return super().serialize(
            without_locations(data), exclude=exclude, include=include, matcher=matcher
        )
