"""Refuse values longer than the destination takes, before any call, naming field, limit and
record.

Why before the call: the endpoint's own answer to an over-long value is an error about
something else at best (NetSuite cannot even route ``PUT .../eid:<300 characters>``), and
truncating silently would change identities and names. The limits are what the destination
driver declares (``Capabilities.field_limits``, from ``engine.run.drivers.limits``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.errors import RenderError
from engine.run.drivers.base import Driver
from engine.run.drivers.limits import EXTERNAL_ID, limits_for


def check_lengths(
    destination: Driver,
    obj: str,
    record_key: str,
    payload: Mapping[str, Any],
    external_id: str | None = None,
    refused: Callable[[], None] = lambda: None,
) -> None:
    """Raise ``RenderError`` (the record is *invalid*) for the first value over its limit:
    a payload field, or the (encoded) external id the write would carry. ``refused`` runs
    first (the sync gives back the sequence numbers the payload took)."""
    limits = limits_for(destination.capabilities.field_limits, obj)
    if not limits:
        return
    values = dict(_texts(payload))
    if external_id is not None:
        values.setdefault(EXTERNAL_ID, external_id)
    for path, limit in limits.items():
        value = values.get(path)
        if value is not None and len(value) > limit:
            what = "external id (encoded)" if path == EXTERNAL_ID else "value"
            refused()
            raise RenderError(
                f"the {what} has {len(value)} characters; {destination.name} {obj} takes at "
                f"most {limit}; refused before sending",
                field=path,
                record_key=record_key,
            )


def _texts(payload: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every text value of the payload by dotted path (nested objects, not lists)."""
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            yield from _texts(value, f"{path}.")


__all__ = ["check_lengths"]
