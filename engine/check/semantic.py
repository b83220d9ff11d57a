"""Meaning checks: what a JSON Schema cannot say about a spec.

Expressions parse (with the column inside the expression), templates compile and read only names
that will exist, settings named by ``by:``/``setting:``/``settings.X`` exist and every option is
covered, each field has exactly one source, destination fields are unique, and value tables named
by transforms are declared. Checks are defensive: they run even when the schema found problems,
so one ``ferry validate`` reports everything it can.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import Any

from engine.errors import Location, Problem
from engine.language.expressions import (
    GUARD_ROOTS,
    ExpressionSyntaxError,
    ast_of,
    compile_expression,
    references,
)
from engine.language.templates import TemplateProblem, accesses, compile_template, undeclared
from engine.load.schema import field_name, schema_for
from engine.load.source import JsonPath, SourceMap, json_path
from engine.model import variants
from engine.model.defaults import mapping_default
from engine.suggest import did_you_mean

SOURCES = ("from", "value", "template", "by")
WRITE_OPTIONS = ("always", "create", "update")
BEHAVIOR_OPTIONS = ("new_and_modified", "new_only")


@functools.cache
def setting_options() -> dict[str, tuple[str, ...] | None]:
    """Each setting's options (None for free-valued settings), from the Settings schema."""
    schema = schema_for("ferry/v1", "Settings")
    defs = schema["$defs"]
    out: dict[str, tuple[str, ...] | None] = {}
    for name, prop in defs["settings"]["properties"].items():
        if "$ref" in prop:
            prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **prop}
        out[name] = tuple(prop["enum"]) if "enum" in prop else None
    return out


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


class _Checker:
    def __init__(self, data: Any, source: SourceMap) -> None:
        self.data = data
        self.source = source
        self.problems: list[Problem] = []
        self.in_lines = False

    def add(
        self,
        path: JsonPath,
        message: str,
        code: str,
        *,
        hint: str | None = None,
        key: bool = False,
        location: Location | None = None,
    ) -> None:
        self.problems.append(
            Problem(
                location or self.source.locate(path, key=key),
                message,
                json_path(path),
                code=code,
                field=field_name(self.data, path),
                hint=hint,
                rank=20,
            )
        )

    # --- expressions and templates ---------------------------------------------------------

    def inside(self, path: JsonPath, column: int) -> Location:
        """The location of a column inside a scalar (quoted scalars start one column later)."""
        return self.source.locate_inside(path, column)

    def expression(self, path: JsonPath, text: Any, *, guard: bool) -> None:
        if not isinstance(text, str):
            return
        try:
            parsed = compile_expression(text)
        except ExpressionSyntaxError as exc:
            self.add(
                path,
                str(exc),
                "meaning.expression",
                hint=exc.caret(),
                location=self.inside(path, exc.column),
            )
            return
        if guard:
            self.guard_references(path, text, [r.names for r in references(ast_of(parsed))])

    def guard_references(self, path: JsonPath, text: str, chains: list[tuple[str, ...]]) -> None:
        for names in chains:
            root = names[0]
            if root not in GUARD_ROOTS:
                suggestion = did_you_mean(root, GUARD_ROOTS)
                self.add(
                    path,
                    f"guards read from {', '.join(sorted(GUARD_ROOTS))}; "
                    f"'{root}' is none of them{suggestion}",
                    "meaning.guard-root",
                    location=self.inside(path, max(0, text.find(root))),
                    hint=None if suggestion else f"to read the record's field, write record.{root}",
                )
            elif root == "line" and not self.in_lines:
                self.add(
                    path,
                    "only guards under `lines:` can read `line`",
                    "meaning.guard-root",
                    location=self.inside(path, max(0, text.find(root))),
                )
            elif root == "settings" and len(names) > 1:
                at = text.find(f"settings.{names[1]}")
                self.setting_exists(path, names[1], location=self.inside(path, max(0, at) + 9))

    def template(self, path: JsonPath, text: Any) -> None:
        if not isinstance(text, str):
            return
        try:
            compile_template(text, GUARD_ROOTS)
        except TemplateProblem as exc:
            base = self.inside(path, max(0, text.find(exc.names[0])) if exc.names else 0)
            where = Location(base.file, base.line + exc.line - 1, base.column)
            self.add(path, str(exc), "meaning.template", location=where)
            return
        read = accesses(text)  # as parsed: compiling folds constants in the tree
        if not self.in_lines and "line" in undeclared(text):
            self.add(
                path,
                "only fields under `lines:` can read `line`",
                "meaning.template",
                location=self.inside(path, max(0, text.find("line"))),
            )
        for item in read:
            key = item.key
            if item.item and isinstance(key, str) and key.startswith("_"):
                self.add(
                    path,
                    f"templates may not read private attributes ('{key}')",
                    "meaning.template",
                    location=self.inside(path, max(0, text.find(key))),
                )
        for node in read:
            if node.item or not isinstance(node.key, str):
                continue
            if node.key.startswith("_"):
                self.add(
                    path,
                    f"templates may not read private attributes ('{node.key}')",
                    "meaning.template",
                    location=self.inside(path, max(0, text.find(node.key))),
                )
            if node.chain is not None and len(node.chain) == 2 and node.chain[0] == "settings":
                self.setting_exists(path, node.key)

    # --- settings ----------------------------------------------------------------------------

    def setting_exists(
        self, path: JsonPath, name: str, *, key: bool = False, location: Location | None = None
    ) -> bool:
        options = setting_options()
        if name in options:
            return True
        self.add(
            path,
            f"unknown setting '{name}'{did_you_mean(name, options)}",
            "meaning.unknown-setting",
            key=key,
            hint="settings: " + ", ".join(options),
            location=location,
        )
        return False

    def cases(self, path: JsonPath, setting: Any, cases: Any) -> list[str]:
        """Check a ``cases`` table against the setting's options; return the covered options."""
        if not isinstance(setting, str) or not isinstance(cases, dict):
            return []
        if not self.setting_exists((*path[:-1], "by") if path[-1] == "cases" else path, setting):
            return []
        options = setting_options()[setting]
        if options is None:
            self.add(
                path,
                f"setting '{setting}' has no fixed options, so it cannot choose cases",
                "meaning.cases",
            )
            return []
        for option in cases:
            if option not in options:
                self.add(
                    (*path, option),
                    f"'{option}' is not an option of '{setting}'{did_you_mean(option, options)}",
                    "meaning.cases",
                    key=True,
                    hint="options: " + ", ".join(options),
                )
        uncovered = [o for o in options if o not in cases]
        if uncovered:
            self.add(
                path,
                f"cases for '{setting}' do not cover: {', '.join(uncovered)}",
                "meaning.cases",
                hint="every option of the setting needs a case",
            )
        return list(cases)

    def switch(self, path: JsonPath, value: Any, allowed: tuple[Any, ...] | None) -> None:
        """A ``{setting: X, cases: {...}}`` value, whose case values must be in ``allowed``."""
        if not isinstance(value, dict) or "setting" not in value:
            return
        setting = value.get("setting")
        if "cases" not in value:
            if isinstance(setting, str) and self.setting_exists((*path, "setting"), setting):
                options = setting_options()[setting]
                if allowed is not None and options is not None and set(options) - set(allowed):
                    self.add(
                        (*path, "setting"),
                        f"setting '{setting}' has options "
                        f"{', '.join(options)}; this place takes {', '.join(map(str, allowed))}",
                        "meaning.cases",
                        hint="add cases to map its options",
                    )
            return
        self.cases((*path, "cases"), setting, value["cases"])
        for option, chosen in (value.get("cases") or {}).items():
            if allowed is not None and chosen not in allowed:
                self.add(
                    (*path, "cases", option),
                    f"{chosen!r} is not allowed here",
                    "meaning.cases",
                    hint="allowed: " + ", ".join(map(str, allowed)),
                )

    # --- fields ------------------------------------------------------------------------------

    def variant(self, path: JsonPath, node: dict[str, Any], tables: set[str]) -> None:
        """One level of a field (the field itself or one of its cases)."""
        given = [s for s in SOURCES if s in node]
        if len(given) != 1:
            what = "no source" if not given else "several sources: " + ", ".join(given)
            self.add(
                path,
                f"a field needs exactly one of from, value, template or by; it has {what}",
                "meaning.one-source",
            )
        if "by" in node and "cases" not in node:
            self.add(path, "'by' needs 'cases'", "meaning.cases")
        for key in ("value", "default"):
            if key in node and not _finite(node[key]):
                self.add(
                    (*path, key),
                    f"'{key}' holds a number JSON cannot carry (.inf or .nan)",
                    "meaning.not-json",
                )
        if "cases" in node and "by" not in node:
            self.add(
                (*path, "cases"), "'cases' needs 'by' naming a setting", "meaning.cases", key=True
            )
        if node.get("missing") == "default" and "default" not in node:
            self.add(path, "missing: default needs a 'default' value", "meaning.missing")
        self.expression((*path, "from"), node.get("from"), guard=False)
        self.expression((*path, "when"), node.get("when"), guard=True)
        self.template((*path, "template"), node.get("template"))
        self.transform_tables((*path, "transforms"), node.get("transforms"), tables)
        if "by" in node:
            self.cases((*path, "cases"), node["by"], node.get("cases"))

    def lines_target(self, to: Any, fields: Any) -> None:
        """The sublist must not be written into, or over, by a top-level field."""
        if not isinstance(to, str):
            return
        for index, field in enumerate(fields if isinstance(fields, list) else []):
            other = field.get("to") if isinstance(field, dict) else None
            if isinstance(other, str) and (
                other == to or other.startswith(to + ".") or to.startswith(other + ".")
            ):
                line = self.source.locate(("fields", index)).line
                self.add(
                    ("lines", "to"),
                    f"lines write '{to}', which the field at line {line} ('{other}') also writes",
                    "meaning.duplicate-field",
                )

    def transform_tables(self, path: JsonPath, items: Any, tables: set[str]) -> None:
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or len(item) != 1:
                continue
            ((name, params),) = item.items()
            table = params.get("table") if isinstance(params, dict) else None
            if isinstance(table, str) and table not in tables:
                self.add(
                    (*path, index, name, "table"),
                    f"transform {name} names table "
                    f"'{table}', which is not declared{did_you_mean(table, tables)}",
                    "meaning.unknown-table",
                    hint="declare it under 'tables:'",
                )

    def numbered_once(self, path: JsonPath, field: dict[str, Any]) -> None:
        """A field numbered from an engine-side sequence is written on create only (a switch
        of ``write`` is checked by the compiler, which knows the setting's value)."""
        write = field.get("write", mapping_default("/$defs/field/properties/write"))
        if isinstance(write, dict) or write == "create":
            return
        for where in _sequence_numbering(path, field):
            self.add(where, SEQUENCE_NEEDS_CREATE, "meaning.sequence-write")

    def fields(self, path: JsonPath, fields: Any, tables: set[str]) -> None:
        written: dict[str, tuple[str, int]] = {}  # every path written, and each of its prefixes
        for index, field in enumerate(fields if isinstance(fields, list) else []):
            here = (*path, index)
            for chain in variants.chains(field, here):
                node, where = chain[-1]
                self.variant(where, node, tables)
            if not isinstance(field, dict):
                continue
            self.switch((*here, "write"), field.get("write"), WRITE_OPTIONS)
            self.numbered_once(here, field)
            to = field.get("to")
            if not isinstance(to, str):
                continue
            parts = to.split(".")
            prefixes = [".".join(parts[:n]) for n in range(1, len(parts))]
            clash = written.get(to) or next(
                (written[p] for p in prefixes if p in written and written[p][0] == p), None
            )
            if clash is not None:
                line = self.source.locate((*path, clash[1])).line
                self.add(
                    (*here, "to"),
                    f"destination field '{to}' is also written by the "
                    f"field at line {line} ('{clash[0]}')",
                    "meaning.duplicate-field",
                )
            for key in (to, *prefixes):
                written.setdefault(key, (to, index))


SEQUENCE_NEEDS_CREATE = (
    "a field numbered from a sequence needs `write: create`: rendering it for an update would "
    "take a new number and renumber the record"
)


def _sequence_numbering(path: JsonPath, field: Any) -> Iterator[JsonPath]:
    """Where ``auto_number: {mode: sequence}`` items sit in a field and its variants."""
    for chain in variants.chains(field, path):
        node, here = chain[-1]
        items = node.get("transforms")
        for index, item in enumerate(items if isinstance(items, list) else []):
            params = item.get("auto_number") if isinstance(item, dict) else None
            if isinstance(params, dict) and params.get("mode") == "sequence":
                yield (*here, "transforms", index)


def _guards(data: dict[str, Any]) -> Iterator[tuple[JsonPath, Any]]:
    for index, guard in enumerate(data.get("when") or []):
        if isinstance(guard, dict):
            yield ("when", index, "expr"), guard.get("expr")
        else:
            yield ("when", index), guard


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (checks run on invalid specs too)."""
    return value if isinstance(value, dict) else {}


def check_mapping(data: Any, source: SourceMap) -> list[Problem]:
    """Every meaning problem of a Mapping document."""
    if not isinstance(data, dict):
        return []
    c = _Checker(data, source)
    tables = set(data.get("tables") or {}) if isinstance(data.get("tables"), dict) else set()
    c.switch(("enabled",), data.get("enabled"), (True, False))
    behavior = data.get("behavior")
    if isinstance(behavior, dict):
        c.switch(("behavior", "sync"), behavior.get("sync"), BEHAVIOR_OPTIONS)
    for path, text in _guards(data):
        c.expression(path, text, guard=True)
    identity = _mapping(data.get("identity"))
    external = identity.get("external_id")
    if isinstance(external, dict):
        c.expression(("identity", "external_id", "from"), external.get("from"), guard=False)
        c.template(("identity", "external_id", "template"), external.get("template"))
    for index, match in enumerate(identity.get("match") or []):
        if isinstance(match, dict):
            c.expression(("identity", "match", index, "from"), match.get("from"), guard=False)
    cutover = _mapping(data.get("source")).get("cutover")
    if isinstance(cutover, dict):
        c.expression(("source", "cutover", "date"), cutover.get("date"), guard=False)
    for index, req in enumerate(data.get("requires") or []):
        if isinstance(req, dict):
            c.expression(("requires", index, "from"), req.get("from"), guard=False)
    c.fields(("fields",), data.get("fields"), tables)
    lines = data.get("lines")
    if isinstance(lines, dict):
        c.in_lines = True
        c.lines_target(lines.get("to"), data.get("fields"))
        c.expression(("lines", "from"), lines.get("from"), guard=False)
        c.expression(("lines", "when"), lines.get("when"), guard=True)
        for index, req in enumerate(lines.get("requires") or []):
            if isinstance(req, dict):
                c.expression(("lines", "requires", index, "from"), req.get("from"), guard=False)
        c.fields(("lines", "fields"), lines.get("fields"), tables)
    for phase, table in _mapping(data.get("tracking")).items():
        for name, value in _mapping(table).items():
            if isinstance(value, dict):
                c.expression(("tracking", phase, name, "from"), value.get("from"), guard=False)
                c.template(("tracking", phase, name, "template"), value.get("template"))
    return c.problems


CHECKS = {"Mapping": check_mapping}
"""A Connections file's driver options are checked by the run stage, which knows the drivers
(``engine.run.validation``)."""


def check(kind: str, data: Any, source: SourceMap) -> list[Problem]:
    """Meaning problems for a document of ``kind`` (kinds without meaning checks have none)."""
    checker = CHECKS.get(kind)
    return checker(data, source) if checker else []
