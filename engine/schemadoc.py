"""The spec reference (``docs/spec-reference.md``), generated from the schemas.

Why generated: the schema is the source of truth and carries every description and example, so
the reference cannot drift from what ``ferry validate`` enforces; a test fails when the
committed file differs from what this module renders.
"""

from __future__ import annotations

from typing import Any

from engine.schema import API_VERSIONS, schema_for
from engine.yamltext import dump_yaml

KIND_ORDER = ("Mapping", "Settings", "Connections")


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = prop["$ref"]
        if target.startswith("#/$defs/"):
            name = target.rsplit("/", 1)[-1]
            return f"[{name}](#{name.replace('_', '-')})"
        return "[transform](transforms.md)" if "transforms" in target else target
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "oneOf" in prop:
        return " or ".join(_type_of(branch) for branch in prop["oneOf"])
    kind = prop.get("type", "any")
    if kind == "array" and "items" in prop:
        return f"list of {_type_of(prop['items'])}"
    return " \\| ".join(kind) if isinstance(kind, list) else str(kind)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _properties(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return []
    required = set(schema.get("required", []))
    rows = ["| key | type | required | description |", "|---|---|---|---|"]
    for name, prop in props.items():
        default = f" Default: `{prop['default']}`." if "default" in prop else ""
        about = prop.get("description", "")
        rows.append(
            f"| `{name}` | {_type_of(prop)} | {'yes' if name in required else ''} "
            f"| {_cell(about + default)} |"
        )
    return [*rows, ""]


def _examples(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for example in schema.get("examples", [])[:2]:
        out += ["```yaml", dump_yaml(example), "```", ""]
    return out


def _section(level: str, name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"{level} {name}", "", schema.get("description", ""), ""]
    return lines + _properties(schema) + _examples(schema)


def render_kind(kind: str, api_version: str = "ferry/v1") -> str:
    """The reference section of one kind: top-level keys, then each definition."""
    schema = schema_for(api_version, kind)
    lines = [f"## {kind} (`{api_version}`)", "", schema.get("description", ""), ""]
    lines += _properties(schema) + _examples(schema)
    for name, definition in schema.get("$defs", {}).items():
        lines += _section("###", name, definition)
        nested = definition.get("properties", {})
        for sub_name, sub in nested.items():
            if sub.get("type") == "object" and sub.get("properties"):
                lines += _section("####", f"{name}.{sub_name}", sub)
    return "\n".join(lines)


def render_reference() -> str:
    """The whole reference document."""
    head = [
        "# Spec reference",
        "",
        "Generated from `schemas/` by `ferry schema --markdown` (`make docs`); do not edit by "
        "hand. Transforms are listed in [transforms.md](transforms.md).",
        "",
    ]
    kinds = [k for k in KIND_ORDER if k in API_VERSIONS["ferry/v1"]]
    body = [render_kind(kind) for kind in kinds]
    return "\n".join(head) + "\n" + "\n\n".join(body).rstrip("\n") + "\n"
