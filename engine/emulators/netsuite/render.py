"""Stored records -> the JSON the REST API returns: links, references, sublists, collections.

Why one place: the shapes clients parse (``{"id", "refName", "links"}`` references, collapsed
sublists that only carry a link, the ``hasMore``/``totalResults`` collection envelope) are the
parts of NetSuite a driver gets wrong most easily, so they are built once, the same for every
record type, SuiteQL and the record collections.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.emulators.netsuite.ledger import derived
from engine.emulators.netsuite.nserror import bad_param
from engine.emulators.netsuite.schema import (
    LINES,
    LISTS,
    SUBRECORDS,
    Field,
    Fields,
    Kind,
    RecordType,
)
from engine.emulators.netsuite.store import Record, Store

MAX_LIMIT = 1000


def iso(moment: datetime) -> str:
    """NetSuite's datetime form: ISO-8601 UTC to the second with ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def link(rel: str, href: str) -> dict[str, str]:
    return {"rel": rel, "href": href}


class Renderer:
    """Renders records of one store for one request (``base`` is the ``/services/rest`` URL)."""

    def __init__(self, store: Store, base: str, *, expand: bool = False) -> None:
        self.store = store
        self.base = base
        self.expand = expand

    def href(self, type_name: str, record_id: str) -> str:
        return f"{self.base}/record/v1/{type_name}/{record_id}"

    def record(self, rtype: RecordType, record: Record) -> dict[str, Any]:
        own = self.href(rtype.name, record["id"])
        values = {**record, **derived(self.store, rtype.name, record)}
        out: dict[str, Any] = {"links": [link("self", own)]}
        for name, spec in rtype.fields.items():
            value = values.get(name)
            if value is not None:
                out[name] = self._value(spec, value, f"{own}/{name}")
        return out

    def sublist(self, rtype: RecordType, record: Record, name: str) -> dict[str, Any]:
        """A sublist as its own resource (``GET .../invoice/7/item``), always expanded."""
        own = f"{self.href(rtype.name, record['id'])}/{name}"
        expanded = Renderer(self.store, self.base, expand=True)
        return expanded._collection_field(rtype.fields[name], record.get(name) or [], own)

    def _value(self, spec: Field, value: Any, own: str) -> Any:
        if spec.kind is Kind.DATETIME:
            return iso(value)
        if spec.kind is Kind.REF:
            return self.ref(spec.target, value["id"])
        if spec.kind in (Kind.SUBLIST, Kind.MULTI):
            return self._collection_field(spec, value, own)
        if spec.kind is Kind.SUBRECORD:
            return self._object(SUBRECORDS[spec.name], value, own)
        return value

    def _collection_field(self, spec: Field, lines: list[Any], own: str) -> dict[str, Any]:
        if not self.expand:
            return {"links": [link("self", own)]}
        if spec.kind is Kind.MULTI:
            items = [self.ref(spec.target, ref["id"]) for ref in lines]
        else:
            fields = LINES[spec.target[0]]
            items = [self._object(fields, line, own) for line in lines]
        return {
            "links": [link("self", own)],
            "items": items,
            "count": len(items),
            "hasMore": False,
            "offset": 0,
            "totalResults": len(items),
        }

    def _object(self, fields: Fields, values: Record, own: str) -> dict[str, Any]:
        out: dict[str, Any] = {"links": []}
        for name, spec in fields.items():
            if values.get(name) is not None:
                out[name] = self._value(spec, values[name], own)
        return out

    def ref(self, targets: tuple[str, ...], record_id: str) -> dict[str, Any]:
        """A reference as NetSuite shows it; the type is the one the id was found in."""
        if targets[0] in LISTS:
            name = self.store.lists[targets[0]].get(record_id, "")
            return {
                "links": [link("self", self.href(targets[0], record_id))],
                "id": record_id,
                "refName": name,
            }
        found = self.store.find_any(targets, record_id)
        type_name, target = found if found else (targets[0], {})
        return {
            "links": [link("self", self.href(type_name, record_id))],
            "id": record_id,
            "refName": ref_name(self.store, type_name, target, record_id),
        }


def ref_name(store: Store, type_name: str, record: Record, record_id: str) -> str:
    """What NetSuite shows for a reference: the entity id, item name, or "Invoice #INV0001"."""
    rtype = store.types[type_name]
    if rtype.family == "entity":
        return str(record.get("entityId") or record_id)
    if rtype.family == "item":
        return str(record.get("itemId") or record_id)
    return f"{rtype.label} #{record.get('tranId') or record_id}"


def paging(params: dict[str, str]) -> tuple[int, int]:
    """``limit`` (1..1000, default 1000) and ``offset`` (a multiple of ``limit``) or a 400."""
    limit = _int_param(params, "limit", MAX_LIMIT)
    offset = _int_param(params, "offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_param(
            "limit",
            f"Invalid value for query parameter 'limit'. The value must be "
            f"between 1 and {MAX_LIMIT}.",
        )
    if offset < 0 or offset % limit:
        raise bad_param(
            "offset",
            "Invalid value for query parameter 'offset'. The offset must "
            "be a non-negative multiple of the limit.",
        )
    return limit, offset


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise bad_param(name, f"Invalid value for query parameter '{name}'.") from None


def envelope(
    items: list[dict[str, Any]], *, total: int, limit: int, offset: int, url: Callable[[int], str]
) -> dict[str, Any]:
    """The collection envelope; ``url(offset)`` builds the page links."""
    has_more = offset + len(items) < total
    last = max(total - 1, 0) // limit * limit
    links = [link("first", url(0))]
    if offset > 0:
        links.append(link("prev", url(max(offset - limit, 0))))
    if has_more:
        links.append(link("next", url(offset + limit)))
    links += [link("last", url(last)), link("self", url(offset))]
    return {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }
