"""A Mapping checked against the catalogs of the objects it reads and writes.

Why: a typo in a field name (``from: workEmial``) is valid YAML, valid schema and a valid
expression, and at run time it silently reads nothing. The catalogs know every field of every
object a driver uses, so ``ferry validate`` can say "no field 'workEmial' on Zuora
account.billTo (did you mean 'workEmail'?)" before any record is read. Each problem code is
documented in docs/catalogs.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from engine.check.catalog.lookup import Found, Missing, Scope, looks_custom, resolve
from engine.check.catalog.model import DISPLAY, Catalog, CatalogField
from engine.check.catalog.references import (
    DEST,
    DEST_LINE,
    SOURCE,
    SOURCE_LINE,
    Ref,
    guard_comparisons,
    mapping_guards,
    mapping_reads,
)
from engine.check.catalog.store import Catalogs
from engine.errors import Location, Problem
from engine.load.source import JsonPath, SourceMap, json_path
from engine.model.frozen import thaw
from engine.model.nodes import End, Field, Mapping, Switch, Variant
from engine.suggest import did_you_mean

RANK = 25
PULL_HINT = (
    "run `ferry catalog pull --connections FILE {endpoint}:{object}` "
    "to learn this tenant's own fields"
)
NO_SHORTENING = frozenset({"trim", "lower", "upper", "strip", "title"})


class _Check:
    def __init__(self, model: Mapping, source: SourceMap, catalogs: Catalogs) -> None:
        self.model = model
        self.source = source
        self.catalogs = catalogs
        self.problems: list[Problem] = []
        self.scopes: dict[str, Scope | None] = {}

    # --- reporting ---------------------------------------------------------------------------

    def add(
        self,
        path: JsonPath,
        message: str,
        code: str,
        *,
        column: int | None = None,
        hint: str | None = None,
        warning: bool = False,
        key: bool = False,
    ) -> None:
        where: Location = (
            self.source.locate_inside(path, column)
            if column is not None
            else self.source.locate(path, key=key)
        )
        self.problems.append(
            Problem(
                where,
                message,
                json_path(path),
                code=code,
                field=self.model.field_name(path),
                hint=hint,
                rank=RANK,
                severity="warning" if warning else "error",
            )
        )

    # --- objects -----------------------------------------------------------------------------

    def object_scope(self, side: str) -> Scope | None:
        """The catalog scope of ``source``/``destination``; an unknown object is reported once."""
        block: End = getattr(self.model, side)
        endpoint, obj = block.endpoint, block.object
        if endpoint not in self.catalogs.endpoints():
            return None  # an endpoint without catalogs (files, a plugin driver): nothing to check
        catalog = self.catalogs.get(endpoint, obj)
        if catalog is None:
            known = self.catalogs.objects(endpoint)
            self.add(
                (side, "object"),
                f"{DISPLAY.get(endpoint, endpoint)} has no object '{obj}'"
                f"{did_you_mean(obj, known)}",
                "catalog.unknown-object",
                hint="objects: " + ", ".join(known),
            )
            return None
        return Scope.of(catalog)

    def line_scopes(self) -> None:
        lines = self.model.lines
        source, dest = self.scopes[SOURCE], self.scopes[DEST]
        self.scopes[SOURCE_LINE] = self.scopes[DEST_LINE] = None
        if lines is None:
            return
        names = _plain_path(lines.source.value)
        if source is not None and names:
            self.scopes[SOURCE_LINE] = source.lines(names)
        to = lines.to
        if dest is not None:
            found = self.resolve_at(dest, tuple(to.split(".")), ("lines", "to"), None, lines=True)
            if isinstance(found, Found) and found.line and found.field is not None:
                self.scopes[DEST_LINE] = Scope(
                    found.field.fields, f"{dest.title}.{to}[]", dest.catalog
                )
            elif isinstance(found, Found):
                self.add(("lines", "to"), f"{dest.title}.{to} is not a sublist", "catalog.type")

    # --- names -------------------------------------------------------------------------------

    def resolve_at(
        self,
        scope: Scope,
        names: tuple[str, ...],
        path: JsonPath,
        column: int | None,
        *,
        lines: bool = False,
    ) -> Found | None:
        found = resolve(scope, names, lines=lines)
        if isinstance(found, Found):
            return found
        self.missing(scope.catalog, found, names, path, column)
        return None

    def missing(
        self,
        catalog: Catalog,
        miss: Missing,
        names: tuple[str, ...],
        path: JsonPath,
        column: int | None,
    ) -> None:
        if column is not None:
            column += sum(len(n) + 1 for n in names[: miss.index])
        if miss.reason and not miss.options:
            self.add(
                path,
                f"{miss.reason}; it has no field '{miss.name}'",
                "catalog.unknown-field",
                column=column,
            )
            return
        message = f"no field '{miss.name}' on {miss.where}{did_you_mean(miss.name, miss.options)}"
        if looks_custom(miss.name) and catalog.origin != "pulled":
            self.add(
                path,
                f"{message} (the shipped catalog cannot know this tenant's own fields)",
                "catalog.not-pulled",
                column=column,
                hint=PULL_HINT.format(endpoint=catalog.endpoint, object=catalog.object),
                warning=True,
            )
            return
        self.add(
            path,
            message,
            "catalog.unknown-field",
            column=column,
            hint=miss.reason or None,
        )

    def reads(self) -> None:
        lines = self.model.lines
        line_scope = lines is not None and bool(_plain_path(lines.source.value))
        for ref in mapping_reads(self.model, line_scope):
            self.read(ref)

    def compared_values(self) -> None:
        """A guard comparing a field with a value the field never holds (``record.status ==
        'active'`` where the values are ``Active``, ...) passes or fails for every record."""
        for text, path, in_lines in mapping_guards(self.model):
            for comparison in guard_comparisons(text, path, in_lines):
                scope = self.scopes.get(comparison.ref.scope)
                found = resolve(scope, comparison.ref.names) if scope is not None else None
                field = found.field if isinstance(found, Found) else None
                if field is None or not field.enum or comparison.literal in field.enum:
                    continue
                name = ".".join(comparison.ref.names)
                self.add(
                    path,
                    f"{scope.title if scope else ''}.{name} is never '{comparison.literal}'"
                    f"{did_you_mean(comparison.literal, field.enum)}",
                    "catalog.bad-value",
                    column=comparison.column,
                    hint="values: " + ", ".join(field.enum),
                )

    def read(self, ref: Ref) -> None:
        scope = self.scopes.get(ref.scope)
        if scope is not None and ref.names:
            self.resolve_at(scope, ref.names, ref.path, ref.column)

    # --- writes ------------------------------------------------------------------------------

    def writes(self) -> None:
        updates = self.model.behavior != "new_only"
        dest = self.scopes[DEST]
        if dest is not None:
            for field in self.model.fields:
                self.write(dest, field, updates)
            for match in self.model.identity.match:
                self.resolve_at(dest, tuple(match.to.split(".")), (*match.path, "to"), None)
        line_dest = self.scopes.get(DEST_LINE)
        if line_dest is not None and self.model.lines is not None:
            for field in self.model.lines.fields:
                self.write(line_dest, field, updates)
        source = self.scopes[SOURCE]
        if source is not None:
            self.tracking(source)

    def write(self, scope: Scope, field: Field, updates: bool) -> None:
        to, path = field.to, field.path
        found = self.resolve_at(scope, tuple(to.split(".")), (*path, "to"), None)
        if found is None:
            return
        top = found.top
        whens = _write_options(field.write)
        if not top.creatable and not top.updatable:
            self.add(
                (*path, "to"),
                f"{scope.title}.{top.name} is read-only",
                "catalog.read-only",
                hint="remove the field: the endpoint computes it",
            )
            return
        if not top.updatable and updates and ("always" in whens or "update" in whens):
            self.add(
                (*path, "to"),
                f"{scope.title}.{top.name} cannot be changed after the record is created",
                "catalog.not-updatable",
                hint="write it on create only: `write: create`",
            )
        if not top.creatable and ("always" in whens or "create" in whens):
            self.add(
                (*path, "to"),
                f"{scope.title}.{top.name} cannot be set when the record is created",
                "catalog.not-creatable",
                hint="write it on updates only: `write: update`",
            )
        if found.field is not None:
            for variant in field.variants:
                self.value_fits(scope, found.field, to, variant)

    def value_fits(self, scope: Scope, target: CatalogField, to: str, variant: Variant) -> None:
        """Literal values of the wrong type or outside the enum; values that may be too long
        (judged by the transforms written on the variant's own level)."""
        where, path = f"{scope.title}.{to}", variant.path
        kind, written = variant.source.kind, variant.source.value
        if kind == "value":
            value = thaw(written)
            problem = _literal_problem(target, value)
            if problem:
                self.add(
                    (*path, "value"),
                    f"{where} {problem}",
                    "catalog.bad-value",
                    hint=("allowed: " + ", ".join(target.enum)) if target.enum else None,
                )
            return
        names = _plain_path(written if kind == "from" else None)
        transforms = [s.name for s in variant.own_steps()]
        if not names or self.scopes.get(SOURCE) is None:
            return
        source_scope = self.scopes[SOURCE_LINE if path[0] == "lines" else SOURCE]
        if source_scope is None:
            return
        found = resolve(source_scope, names)
        if not isinstance(found, Found) or found.field is None:
            return
        origin = found.field
        if not transforms and target.type == "reference" and origin.type in ("string", "integer"):
            self.add(
                (*path, "from"),
                f'{where} is a reference ({{"id": ...}}); {source_scope.title}.{".".join(names)} '
                f"is a {origin.type}",
                "catalog.type",
                hint=f"write the id: `to: {to}.id`, or use a lookup with `as: ref`",
            )
        elif (
            target.max_length is not None
            and origin.max_length is not None
            and origin.max_length > target.max_length
            and all(t in NO_SHORTENING for t in transforms)
        ):
            self.add(
                (*path, "from"),
                f"{source_scope.title}.{'.'.join(names)} holds up to {origin.max_length} "
                f"characters; {where} takes {target.max_length}",
                "catalog.too-long",
                hint=f"shorten it: `- truncate: {{length: {target.max_length}}}`",
            )

    def tracking(self, source: Scope) -> None:
        """Tracking fields are written back to the source record: they must exist there and be
        updatable."""
        for phase, table in self.model.tracking.items():
            for name in table:
                path: JsonPath = ("tracking", phase, name)
                found = resolve(source, (name,))
                if isinstance(found, Missing):
                    self.missing(source.catalog, found, (name,), path, None)
                    self.problems[-1] = _as_key(
                        self.problems[-1], self.source.locate(path, key=True)
                    )
                elif not found.top.updatable:
                    self.add(
                        path,
                        f"{source.title}.{name} cannot be updated, so it cannot hold "
                        "tracking values",
                        "catalog.not-updatable",
                        key=True,
                    )

    def run(self) -> list[Problem]:
        self.scopes[SOURCE] = self.object_scope("source")
        self.scopes[DEST] = self.object_scope("destination")
        self.line_scopes()
        self.reads()
        self.compared_values()
        self.writes()
        return self.problems


def _as_key(problem: Problem, where: Location) -> Problem:
    return msgspec.structs.replace(problem, location=where)


def _plain_path(text: Any) -> tuple[str, ...]:
    """``billTo.firstName`` as names; anything else (``@``, functions, projections) as ()."""
    if not isinstance(text, str):
        return ()
    parts = text.split(".")
    return tuple(parts) if all(p.isidentifier() for p in parts) else ()


def _write_options(write: str | Switch) -> set[str]:
    if isinstance(write, Switch):
        return {str(v) for v in (write.cases or {}).values()} or {"always"}
    return {str(write)}


def _literal_problem(target: CatalogField, value: Any) -> str | None:
    if value is None:
        return None
    expected = {
        "boolean": (bool,),
        "string": (str,),
        "integer": (int,),
        "number": (int, float),
    }.get(target.type)
    if expected is not None and (
        not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))
    ):
        return f"takes a {target.type}, not {value!r}"
    if target.enum and str(value) not in target.enum:
        return f"has no value {value!r}{did_you_mean(str(value), target.enum)}"
    if target.max_length is not None and isinstance(value, str) and len(value) > target.max_length:
        return f"takes at most {target.max_length} characters; this value has {len(value)}"
    return None


def check_mapping(
    model: Mapping, source: SourceMap, spec_path: Path, catalogs: Catalogs | None = None
) -> list[Problem]:
    """Every catalog problem of a Mapping (errors and warnings)."""
    return _Check(model, source, catalogs or Catalogs.for_spec(spec_path)).run()
