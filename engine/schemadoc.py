"""The spec reference (``docs/spec-reference.md``), generated from the schemas.

Why generated: the schema is the source of truth and carries every description and example, so
the reference cannot drift from what ``ferry validate`` enforces; a test fails when the
committed file differs from what this module renders.
"""

from __future__ import annotations

from typing import Any

from engine import jsonio
from engine.language import budget
from engine.load import source
from engine.load.schema import API_VERSIONS, schema_for
from engine.load.yamltext import dump_yaml

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


def _scalar(value: Any) -> str:
    """A default as a spec writes it: text bare, anything else as JSON (``true``, ``100``)."""
    return value if isinstance(value, str) else jsonio.canonical(value).decode()


def _properties(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return []
    required = set(schema.get("required", []))
    rows = ["| key | type | required | description |", "|---|---|---|---|"]
    for name, prop in props.items():
        default = f" Default: `{_scalar(prop['default'])}`." if "default" in prop else ""
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
    body = [render_kind(kind) for kind in kinds] + [render_limits()]
    return "\n".join(head) + "\n" + "\n\n".join(body).rstrip("\n") + "\n"


def render_limits() -> str:
    """What a spec may not do, with the limits as ``engine.language.budget`` and
    ``engine.load.source`` set
    them (so the numbers here are the numbers enforced)."""
    seconds, size = f"{budget.MAX_SECONDS:g} s", f"{budget.MAX_SIZE:,}"
    return "\n".join(
        [
            "## Limits and refused constructs",
            "",
            "A spec is data, reviewed as data: nothing in it may run unbounded or reach Python.",
            "",
            "**YAML.** Files over "
            f"{source.MAX_BYTES // 1024 // 1024} MB, nesting deeper than {source.MAX_DEPTH} "
            f"levels, more than {source.MAX_ALIAS_NODES:,} nodes through aliases, explicit tags, "
            "directives and duplicate keys are refused. A plain scalar that YAML 1.1 reads "
            "differently (`NO`, `on`, `2024-01-01`) must be quoted; so must a number that does "
            "not spell back to what is written (`1.10` reads as 1.1, `1e3` as 1000.0, `+5` as "
            "5): quote it for text, or write the number as YAML reads it. Where text is "
            "expected, a plain number, boolean or null (`12`, `true`, `~`) is a type error "
            "that quotes what was written and says to quote it.",
            "",
            "**Budgets.** Each template and each JMESPath expression, evaluated for one field "
            f"of one record, may take {seconds} and may build no text, list or object of more "
            f"than {size} characters or items (its output included); integers built by "
            f"arithmetic may have at most {budget.MAX_INT_BITS:,} bits. Going over fails that "
            "record with an error naming the spec line, the record and the field. Operations "
            "that would allocate beyond the limit in one step are refused before they run: "
            "`x ** n`, `'a' * n`, `'%09999999d' % n`, `'{:>9999999}'.format(x)`, the "
            "`center`, `indent`, `format`, `replace`, `join`, `batch`, `slice`, `wordwrap`, "
            "`tojson` (indent) and `sum` (of lists) filters and the "
            "`ljust`, `rjust`, `center`, `zfill`, `expandtabs`, `replace` and `join` methods. "
            "A template that reads no variables is rendered once by `ferry validate`, within "
            "the same budget; nothing is ever evaluated unbounded when a spec loads.",
            "",
            f"**Nesting.** A template or expression nested deeper than {budget.MAX_NESTING} "
            "levels (parentheses, brackets, sub-expressions) is refused when the spec loads.",
            "",
            "**Templates** run in Jinja's immutable sandbox and may print only text and "
            "numbers: printing null, a list, a mapping or an object is an error (use `join` or "
            "`tojson` to build text). Refused when the spec loads: `self`, printing "
            "`namespace()`, `dict()` or `range()`, private or dunder attributes (`._x`, "
            "`['__class__']`, `map(attribute='__class__')`, `attr('_x')`), and the globals "
            "`lipsum`, `cycler` and `joiner`.",
            "",
            "**The `format` transform** names only `{value}`, with an optional plain format spec "
            "whose width and precision have at most 3 digits: `{value.__class__}`, "
            "`{value[0]}`, `{value!r}`, `{}` and nested `{...}` are refused by the schema.",
        ]
    )
