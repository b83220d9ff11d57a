"""JSON Schemas by ``apiVersion`` and ``kind``, and schema errors a consultant can act on.

Why this module: jsonschema's raw messages name Python reprs and schema internals
(``Additional properties are not allowed ('fromm' was unexpected)``); a consultant needs the
line and column of the offending key, the destination field it belongs to, and a "did you mean".
So every jsonschema error is translated here, once, into a located ``Problem``.

The version field picks the schema: an unknown ``apiVersion`` or ``kind`` is an error, never a
fallback. Schemas are the files in ``schemas/``; the transform item schema is built from the
transform registry (so third-party transforms validate too), and no ``$ref`` is ever fetched
from the network.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from engine import fastschema, jsonio
from engine.errors import Problem
from engine.load.source import JsonPath, SourceMap, json_path
from engine.suggest import did_you_mean

if TYPE_CHECKING:  # jsonschema and referencing are imported when a document needs them
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry, Resource

    from engine.transforms import TransformRegistry

# ``engine/_schemas`` is a link to the project's ``schemas/`` folder: the files live where
# people look for them, and a wheel carries them as package data (so an installed Ferry works
# without the source tree).
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "_schemas"
BASE_URI = "https://ferry.dev/schemas/"
API_VERSIONS: dict[str, tuple[str, ...]] = {"ferry/v1": ("Mapping", "Settings", "Connections")}
TRANSFORMS_SCHEMA = "transforms.v1.json"


def schema_file(api_version: str, kind: str) -> str:
    """The schema file name for a version and kind (``mapping.v1.json``)."""
    return f"{kind.lower()}.{api_version.split('/')[-1]}.json"


def _refuse_remote(uri: str) -> Resource:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@functools.cache
def _file_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = jsonio.loads((SCHEMA_DIR / name).read_bytes())
    return schema


def transforms_schema(
    *, plugins: bool = True, registry: TransformRegistry | None = None
) -> dict[str, Any]:
    """The schema of one transform list item, built from a transform registry.

    Validation uses the default registry with the installed plugins, or the caller's own
    (``load_mapping(path, registry=R)``: a transform registered only on ``R`` must validate too);
    ``schemas/transforms.v1.json``, which editors read beside ``mapping.v1.json`` (offline, never
    fetched), holds the built-ins alone (``plugins=False``), so the committed file does not
    depend on what is installed.
    """
    from engine.transforms import default_registry, installed_registry

    if registry is not None:
        chosen = registry
    else:  # the plugins scanned once per process, for the compiler as well
        chosen = installed_registry() if plugins else default_registry(entry_points=False)
    schema = dict(chosen.schema())
    schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    schema["$id"] = BASE_URI + TRANSFORMS_SCHEMA
    return schema


def _resources(transforms: TransformRegistry | None = None) -> dict[str, dict[str, Any]]:
    """Every schema a ``$ref`` may name, by URI: the files, and the transform item schema of
    ``transforms`` (the default registry when None)."""
    resources = {
        BASE_URI + path.name: _file_schema(path.name)
        for path in sorted(SCHEMA_DIR.glob("*.v*.json"))
        if path.name != TRANSFORMS_SCHEMA
    }
    resources[BASE_URI + TRANSFORMS_SCHEMA] = transforms_schema(registry=transforms)
    return resources


def _registry(resources: Mapping[str, dict[str, Any]]) -> Registry:
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    pairs = [(uri, DRAFT202012.create_resource(schema)) for uri, schema in resources.items()]
    return Registry(retrieve=_refuse_remote).with_resources(pairs)  # type: ignore[call-arg]


def schema_for(api_version: str, kind: str) -> dict[str, Any]:
    """The JSON Schema for a document; the caller has checked version and kind are known."""
    return _file_schema(schema_file(api_version, kind))


@functools.cache
def _default_resources() -> dict[str, dict[str, Any]]:
    return _resources(None)


@functools.cache
def validator_for(api_version: str, kind: str) -> Draft202012Validator:
    """A validator, built once per version and kind, that resolves only Ferry's own schemas."""
    return _validator(api_version, kind, _default_resources())


@functools.cache
def precheck_for(api_version: str, kind: str) -> fastschema.Precheck | None:
    """The quick validity check (``engine.fastschema``) of a version and kind, built once."""
    return fastschema.precheck(schema_for(api_version, kind), _default_resources())


def _validator(
    api_version: str, kind: str, resources: Mapping[str, dict[str, Any]]
) -> Draft202012Validator:
    """A validator whose ``$ref``s resolve among ``resources`` only."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(
        schema_for(api_version, kind),
        registry=_registry(resources),
        format_checker=FormatChecker(),
    )


# --- error translation -------------------------------------------------------------------------


def field_name(data: Any, path: JsonPath) -> str | None:
    """The destination field (the nearest enclosing ``to:``) a path belongs to."""
    node, found = data, None
    for part in path:
        if isinstance(node, dict) and isinstance(node.get("to"), str):
            found = node["to"]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    if isinstance(node, dict) and isinstance(node.get("to"), str):
        found = node["to"]
    return found


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def _schema(error: ValidationError) -> Mapping[str, Any]:
    """The failing subschema (jsonschema types it loosely: a bool or unset is possible)."""
    return error.schema if isinstance(error.schema, Mapping) else {}


def _instance(error: ValidationError) -> Any:
    """The failing value of the document."""
    return cast(Any, error.instance)


def _value(error: ValidationError) -> Any:
    """The failing keyword's value in the schema."""
    return cast(Any, error.validator_value)


class _Translator:
    """Turns jsonschema errors into ``Problem``s located through a ``SourceMap``."""

    def __init__(self, data: Any, source: SourceMap) -> None:
        self.data = data
        self.source = source

    def problem(
        self,
        path: JsonPath,
        message: str,
        code: str,
        *,
        key: bool = False,
        hint: str | None = None,
        rank: int = 10,
    ) -> Problem:
        return Problem(
            self.source.locate(path, key=key),
            message,
            json_path(path),
            code=code,
            field=field_name(self.data, path),
            hint=hint,
            rank=rank,
        )

    def translate(self, error: ValidationError) -> Iterator[Problem]:
        path: JsonPath = tuple(error.absolute_path)
        handler = getattr(self, f"_on_{error.validator}", None)
        if handler is not None:
            yield from handler(error, path)
            return
        yield self.problem(path, error.message, f"schema.{error.validator}")

    def _on_additionalProperties(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        allowed = list(_schema(error).get("properties", {}))
        extras = [k for k in _instance(error) if k not in allowed]
        for key in extras:
            if key == "$ref":
                yield self.problem(
                    (*path, key),
                    "'$ref' is not allowed: Ferry never fetches or includes other documents",
                    "schema.remote-ref",
                    key=True,
                    hint="write the content here, or split it into another spec file",
                )
                continue
            hint = "allowed keys here: " + ", ".join(allowed) if allowed else None
            yield self.problem(
                (*path, key),
                f"unknown key '{key}'{did_you_mean(key, allowed)}",
                "schema.unknown-key",
                key=True,
                hint=hint,
            )

    def _on_required(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield self.problem(path, f"missing required key '{missing}'", "schema.required")

    def _on_type(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        expected = _value(error)
        types = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        hint = None
        got = _describe(error.instance)
        written = self.source.plain_text.get(path)
        if written is not None and written != got:  # `1.10` read as 1.1, `~` read as null
            got = f"'{written}' (YAML reads {got})"
        if "string" in types and path in self.source.plain_scalars:
            hint = f'quote it ("{written or got.strip(chr(39))}")'
        yield self.problem(path, f"expected {wanted}, got {got}", "schema.type", hint=hint)

    def _on_enum(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        options = [str(o) for o in _value(error)]
        value = error.instance
        in_names = "propertyNames" in error.schema_path
        target: JsonPath = (*path, str(value)) if in_names else path
        what = "transform" if self._is_transform(error) else "value"
        suggestion = did_you_mean(str(value), options)
        yield self.problem(
            target,
            f"unknown {what} {_describe(value)}{suggestion}",
            "schema.enum",
            key=in_names,
            hint="expected one of: " + ", ".join(options),
        )

    def _is_transform(self, error: ValidationError) -> bool:
        path = list(error.absolute_path)
        return len(path) >= 2 and path[-2] == "transforms"

    def _on_const(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        yield self.problem(
            path,
            f"expected {_describe(_value(error))}, got {_describe(error.instance)}",
            "schema.const",
        )

    def _on_pattern(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        about = _schema(error).get("description", "")
        yield self.problem(
            path,
            f"{_describe(error.instance)} is not a valid value here",
            "schema.pattern",
            hint=about or f"must match {_value(error)}",
        )

    def _on_maxProperties(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        keys = ", ".join(_instance(error))
        yield self.problem(
            path, f"give exactly one of these, not several: {keys}", "schema.one-source"
        )

    def _on_oneOf(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            branches.setdefault(int(sub.schema_path[0]), []).append(sub)
        fitting = [
            errs
            for errs in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in errs)
        ]
        if len(fitting) == 1:
            for sub in fitting[0]:
                yield from self.translate(sub)
            return
        shapes = [_branch_shape(s) for s in _value(error)]
        yield self.problem(
            path,
            f"expected {' or '.join(shapes)}, got {_describe(error.instance)}",
            "schema.oneOf",
        )

    _on_anyOf = _on_oneOf

    def _on_format(self, error: ValidationError, path: JsonPath) -> Iterator[Problem]:
        yield self.problem(
            path,
            f"{_describe(error.instance)} is not a valid {_value(error)}",
            "schema.format",
        )


def _branch_shape(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "a " + str(schema["$ref"]).rsplit("/", 1)[-1].replace("_", " ")
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type", "a value")
    return _TYPE_NAMES.get(kind, str(kind)) if isinstance(kind, str) else "a value"


def schema_problems(
    data: Any,
    source: SourceMap,
    api_version: str,
    kind: str,
    *,
    skip: set[str] | None = None,
    transforms: TransformRegistry | None = None,
) -> list[Problem]:
    """Validate ``data`` and return located problems, one per distinct place and cause.

    ``skip`` holds JSON paths already reported by the loader (ambiguous scalars), so the same
    value is not reported twice. ``transforms`` is the caller's transform registry, when it has
    its own (the default registry's validator is built once and reused).
    """
    if transforms is None:
        precheck = precheck_for(api_version, kind)
    else:
        resources = _resources(transforms)
        precheck = fastschema.precheck(schema_for(api_version, kind), resources)
    if precheck is not None and precheck(data):
        return []  # valid: jsonschema would find nothing (engine.fastschema says why)
    if transforms is None:
        validator = validator_for(api_version, kind)
    else:
        validator = _validator(api_version, kind, resources)
    translator = _Translator(data, source)
    seen: set[tuple[str, str]] = set()
    out: list[Problem] = []
    errors = list(validator.iter_errors(data))
    for error in errors:
        for problem in translator.translate(error):
            if skip and problem.json_path in skip:
                continue
            if (problem.json_path, problem.message) in seen:
                continue
            seen.add((problem.json_path, problem.message))
            out.append(problem)
    return out
