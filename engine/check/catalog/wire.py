"""Catalogs in the endpoints' own metadata formats, both ways.

Why one module for both directions: the emulators answer ``GET /v1/describe/{Object}`` (Zuora,
XML) and ``GET /record/v1/metadata-catalog/{record}`` (NetSuite, JSON Schema) from the shipped
catalogs, and ``ferry catalog pull`` reads those same answers from a real tenant. Writing and
reading side by side keeps the two in step (api-facts §1.8, §2.8).

A pull *merges*: the tenant's answer adds the fields the shipped catalog cannot know (custom
fields) and the shipped facts the formats cannot carry (nested objects, references, formats)
are kept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from engine.check.catalog.model import Catalog, CatalogField
from engine.errors import ConfigError

MAX_METADATA_BYTES = 5_000_000
"""A describe answer larger than this is refused rather than parsed (hostile or broken)."""

_ZUORA_TYPES = {
    "string": "text",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
}
_ZUORA_BACK = {
    "text": "string",
    "picklist": "string",
    "integer": "integer",
    "decimal": "number",
    "boolean": "boolean",
    "date": "string",
    "datetime": "string",
}


def _zuora_type(field: CatalogField) -> str:
    if field.enum:
        return "picklist"
    if field.format == "date":
        return "date"
    if field.format == "date-time":
        return "datetime"
    return _ZUORA_TYPES.get(field.type, "text")


def zuora_describe(catalog: Catalog) -> str:
    """``GET /v1/describe/{Object}``: one ``<field>`` per top-level scalar field."""
    root = ET.Element("object")
    ET.SubElement(root, "name").text = catalog.api_name
    ET.SubElement(root, "label").text = catalog.api_name
    fields = ET.SubElement(root, "fields")
    for field in catalog.fields.values():
        if field.type not in _ZUORA_TYPES:
            continue  # nested objects are described as objects of their own
        node = ET.SubElement(fields, "field")
        ET.SubElement(node, "name").text = field.name
        ET.SubElement(node, "label").text = field.label or field.name
        ET.SubElement(node, "type").text = _zuora_type(field)
        for tag, value in (
            ("required", field.required),
            ("createable", field.creatable),
            ("updateable", field.updatable),
        ):
            ET.SubElement(node, tag).text = "true" if value else "false"
        if field.max_length is not None:
            ET.SubElement(node, "maxlength").text = str(field.max_length)
        contexts = ET.SubElement(node, "contexts")
        for context in ("soap", "export"):
            ET.SubElement(contexts, "context").text = context
        if field.enum:
            options = ET.SubElement(node, "options")
            for option in field.enum:
                ET.SubElement(options, "option").text = option
        if field.custom:
            ET.SubElement(node, "custom").text = "true"
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _text(node: ET.Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None else ""


def zuora_fields(xml_text: str, where: str) -> dict[str, CatalogField]:
    """The fields a describe answer lists."""
    if len(xml_text) > MAX_METADATA_BYTES:
        raise ConfigError(f"{where}: describe answer too large ({len(xml_text)} bytes)")
    if "<!DOCTYPE" in xml_text or "<!ENTITY" in xml_text:
        raise ConfigError(f"{where}: describe answer declares a DTD or entities; refused")
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ConfigError(f"{where}: describe answer is not XML ({exc})") from exc
    out: dict[str, CatalogField] = {}
    for node in root.iter("field"):
        name = _text(node, "name")
        if not name:
            continue
        kind = _text(node, "type").lower()
        length = _text(node, "maxlength")
        out[name] = CatalogField(
            name=name,
            type=_ZUORA_BACK.get(kind, "string"),
            label=_text(node, "label") or name,
            format={"date": "date", "datetime": "date-time"}.get(kind),
            required=_text(node, "required") == "true",
            creatable=_text(node, "createable") == "true",
            updatable=_text(node, "updateable") == "true",
            max_length=int(length) if length.isdigit() else None,
            enum=tuple(o.text or "" for o in node.iter("option")),
            custom=_text(node, "custom") == "true",
        )
    return out


_NS_SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def _ns_property(field: CatalogField, base: str) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": field.label or field.name}
    if field.type in ("reference", "collection"):
        target = field.references[0] if field.references else field.name
        link = {"rel": "describedby", "href": f"{base}/{target}"}
        ref = {
            "type": "object",
            "properties": {k: {"type": "string"} for k in ("id", "externalId", "refName")},
            "links": [link],
        }
        if field.type == "collection":
            prop.update(type="object", properties={"items": {"type": "array", "items": ref}})
        else:
            prop.update(ref)
    elif field.type in ("sublist", "object", "array"):
        line = {
            "type": "object",
            "properties": {n: _ns_property(f, base) for n, f in field.fields.items()},
        }
        if field.type == "object":
            prop.update(line)
        else:
            prop.update(type="object", properties={"items": {"type": "array", "items": line}})
    else:
        prop["type"] = _NS_SCALARS[field.type]
        if field.format:
            prop["format"] = field.format
        if field.enum:
            prop["enum"] = list(field.enum)
        if field.max_length is not None:
            prop["maxLength"] = field.max_length
    prop["nullable"] = not field.required
    if not field.writable:
        prop["readOnly"] = True
    if field.custom:
        prop["x-ns-custom-field"] = True
    return prop


def netsuite_schema(catalog: Catalog, base: str) -> dict[str, Any]:
    """``GET .../metadata-catalog/{record}`` with ``Accept: application/schema+json``."""
    return {
        "$schema": "http://json-schema.org/draft-06/hyper-schema#",
        "type": "object",
        "title": catalog.api_name,
        "properties": {n: _ns_property(f, base) for n, f in catalog.fields.items()},
        "required": [n for n, f in catalog.fields.items() if f.required],
    }


def netsuite_fields(schema: Any, where: str) -> dict[str, CatalogField]:
    """The top-level fields a record's JSON Schema lists (nested shapes kept shallow)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        raise ConfigError(f"{where}: metadata answer has no 'properties'")
    required = set(schema.get("required") or ())
    out: dict[str, CatalogField] = {}
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        kind = prop.get("type")
        is_ref = kind == "object" and bool(prop.get("links"))
        writable = not prop.get("readOnly", False)
        out[name] = CatalogField(
            name=name,
            type="reference" if is_ref else (kind if kind in _NS_SCALARS else "object"),
            label=str(prop.get("title") or name),
            format=prop.get("format"),
            required=name in required,
            creatable=writable,
            updatable=writable,
            max_length=prop.get("maxLength") if isinstance(prop.get("maxLength"), int) else None,
            enum=tuple(str(v) for v in prop.get("enum") or ()),
            custom=bool(prop.get("x-ns-custom-field")),
        )
    return out


def merge(shipped: Catalog, tenant: Mapping[str, CatalogField], source: str) -> Catalog:
    """The shipped catalog plus the fields only the tenant knows, marked as pulled."""
    fields = dict(shipped.fields)
    for name, field in tenant.items():
        if name not in fields:
            fields[name] = field
    return msgspec.structs.replace(
        shipped,
        fields=MappingProxyType(fields),
        origin="pulled",
        sources=(*shipped.sources, source),
        path=None,
    )


def with_fields(catalog: Catalog, extra: Iterable[CatalogField]) -> Catalog:
    """``catalog`` plus ``extra`` fields (an emulated tenant's own custom fields)."""
    fields = dict(catalog.fields)
    fields.update({f.name: f for f in extra})
    return msgspec.structs.replace(catalog, fields=MappingProxyType(fields))
