"""What an endpoint's object looks like, field by field: the catalog data model.

Why data, not code: the same facts serve ``ferry validate`` (does ``billTo.workEmial`` exist?),
the emulators (their metadata endpoints and the checks they make on writes) and ``ferry catalog
pull`` (a tenant's own fields). A catalog is one versioned JSON file per object
(``schemas/catalogs/<endpoint>/<object>.json``); this module reads and writes that shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec

from engine import jsonio
from engine.errors import ConfigError

CATALOG_VERSION = "ferry/catalog/v1"
TYPES = frozenset(
    {
        "string",
        "integer",
        "number",
        "boolean",
        "object",  # nested fields (Zuora billTo, NetSuite addressBookAddress)
        "array",  # a list of objects (Zuora invoiceItems)
        "reference",  # NetSuite {"id"} / {"externalId"} reference to another record
        "collection",  # NetSuite {"items": [{"id"}]} references (an item's subsidiaries)
        "sublist",  # NetSuite {"items": [line, ...]}
    }
)
NESTED = frozenset({"object", "array", "sublist"})
REFERENCE_KEYS = ("id", "externalId", "refName")
ORIGINS = ("shipped", "pulled")
DISPLAY = {"zuora": "Zuora", "netsuite": "NetSuite"}


class CatalogField(msgspec.Struct, frozen=True):
    """One field of an object: its type and what the endpoint lets you do with it."""

    name: str
    type: str
    label: str = ""
    format: str | None = None
    required: bool = False
    creatable: bool = True
    updatable: bool = True
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    custom: bool = False
    description: str = ""
    fields: Mapping[str, CatalogField] = msgspec.field(default_factory=dict)

    @property
    def writable(self) -> bool:
        return self.creatable or self.updatable

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "label": self.label}
        if self.format:
            out["format"] = self.format
        out.update(required=self.required, creatable=self.creatable, updatable=self.updatable)
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.enum:
            out["enum"] = list(self.enum)
        if self.references:
            out["references"] = list(self.references)
        out["custom"] = self.custom
        if self.description:
            out["description"] = self.description
        if self.type in NESTED:
            out["fields"] = {n: f.as_json() for n, f in self.fields.items()}
        return out


class Catalog(msgspec.Struct, frozen=True):
    """One object of one endpoint. ``origin`` says whether a tenant was asked (``pulled``) or
    the facts are the shipped ones, which cannot know a tenant's own custom fields."""

    endpoint: str
    object: str
    fields: Mapping[str, CatalogField]
    api_name: str = ""
    origin: str = "shipped"
    description: str = ""
    sources: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def title(self) -> str:
        """``Zuora account``: how messages name the object."""
        return f"{DISPLAY.get(self.endpoint, self.endpoint)} {self.object}"

    def as_json(self) -> dict[str, Any]:
        return {
            "apiVersion": CATALOG_VERSION,
            "endpoint": self.endpoint,
            "object": self.object,
            "apiName": self.api_name or self.object,
            "origin": self.origin,
            "description": self.description,
            "sources": list(self.sources),
            "fields": {n: f.as_json() for n, f in self.fields.items()},
        }


def _field(name: str, raw: Any, where: str) -> CatalogField:
    if not isinstance(raw, dict) or raw.get("type") not in TYPES:
        raise ConfigError(
            f"{where}: field '{name}' needs a type, one of {', '.join(sorted(TYPES))}"
        )
    nested = raw.get("fields") or {}
    if not isinstance(nested, dict):
        raise ConfigError(f"{where}: field '{name}': 'fields' must be an object")
    max_length = raw.get("maxLength")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 0):
        raise ConfigError(f"{where}: field '{name}': maxLength must be a whole number")
    return CatalogField(
        name=name,
        type=raw["type"],
        label=str(raw.get("label") or name),
        format=raw.get("format"),
        required=bool(raw.get("required", False)),
        creatable=bool(raw.get("creatable", True)),
        updatable=bool(raw.get("updatable", True)),
        max_length=max_length,
        enum=tuple(str(v) for v in raw.get("enum") or ()),
        references=tuple(str(v) for v in raw.get("references") or ()),
        custom=bool(raw.get("custom", False)),
        description=str(raw.get("description") or ""),
        fields=MappingProxyType({n: _field(n, v, f"{where}: {name}") for n, v in nested.items()}),
    )


def catalog_from_json(data: Any, where: str, path: Path | None = None) -> Catalog:
    """Build a catalog from its JSON form; a bad file is a ``ConfigError`` naming it."""
    if not isinstance(data, dict) or data.get("apiVersion") != CATALOG_VERSION:
        raise ConfigError(f"{where}: not a catalog (expected apiVersion: {CATALOG_VERSION})")
    for key in ("endpoint", "object"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    if data.get("origin", "shipped") not in ORIGINS:
        raise ConfigError(f"{where}: origin must be one of {', '.join(ORIGINS)}")
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise ConfigError(f"{where}: 'fields' must be an object of fields")
    return Catalog(
        endpoint=data["endpoint"],
        object=data["object"],
        fields=MappingProxyType({n: _field(n, v, where) for n, v in fields.items()}),
        api_name=str(data.get("apiName") or data["object"]),
        origin=str(data.get("origin", "shipped")),
        description=str(data.get("description") or ""),
        sources=tuple(str(s) for s in data.get("sources") or ()),
        path=path,
    )


def read_catalog(path: Path) -> Catalog:
    """Read one catalog file."""
    try:
        data = jsonio.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read catalog ({exc.strerror})") from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from exc
    return catalog_from_json(data, str(path), path)


def write_catalog(catalog: Catalog, folder: Path) -> Path:
    """Write ``folder/<endpoint>/<object>.json`` (stable key order, so diffs are small)."""
    target = folder / catalog.endpoint / f"{catalog.object}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(jsonio.dumps_str(catalog.as_json(), pretty=True) + "\n", encoding="utf-8")
    return target
