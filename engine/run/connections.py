"""``kind: Connections`` documents -> configured, ready drivers.

Why a module of its own: a connections file is checked in two steps that fail differently. What
the file *says* (known driver, options that fit the driver's schema, credentials written as
references) is checked without touching the environment, so ``ferry validate`` works on a laptop
without credentials and reports every problem at once (``check_endpoints`` -> ``Problem``s).
What the *environment* provides (the referenced variables and files) is resolved only when a run
starts (``build_endpoints`` -> ``ConfigError`` naming each missing variable).

Usage (the document is already loaded and schema-checked by ``engine.check.specfile``)::

    from engine.run.connections import build_endpoints
    from engine.run.drivers.registry import DriverRegistry

    registry = DriverRegistry.default()
    drivers = build_endpoints(document_data, base_dir=path.parent, registry=registry)
    drivers["zuora"].read_changed("account", since=None)

Drivers are built as ``DriverClass(name=..., options=resolved, client=None)``; see
``engine.run.drivers.registry`` for the convention.
"""

from __future__ import annotations

import logging
import marshal
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import diskcache, fastschema
from engine.check.specfile import Document
from engine.errors import ConfigError, FerryError, Location, Problem, SpecError
from engine.load.source import SourceMap
from engine.run.drivers.base import Driver
from engine.run.drivers.registry import BUILTIN_DRIVERS, DriverClass, DriverRegistry
from engine.run.secrets import is_reference, redact, resolve_secret, resolve_value

if TYPE_CHECKING:  # jsonschema is imported when a Connections file is checked
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

log = logging.getLogger(__name__)


def check_endpoints(
    data: Mapping[str, Any], registry: DriverRegistry, *, source: str = "<connections>"
) -> list[Problem]:
    """Every problem with the endpoints' drivers and options, without resolving any secret."""
    problems: list[Problem] = []
    for name, endpoint in _endpoints(data).items():
        problems.extend(_check_endpoint(name, endpoint, registry, Location(source)))
    return problems


def build_endpoints(
    data: Mapping[str, Any],
    base_dir: Path,
    registry: DriverRegistry | None = None,
    *,
    source: str = "<connections>",
) -> dict[str, Driver]:
    """Check, resolve references and instantiate every endpoint's driver, by endpoint name.

    Raises ``SpecError`` for problems in the file and ``ConfigError`` for what the environment
    lacks (all missing variables at once); drivers already built are closed on failure.
    """
    registry = registry if registry is not None else DriverRegistry.default()
    problems = check_endpoints(data, registry, source=source)
    if problems:
        raise SpecError(problems)
    built: dict[str, Driver] = {}
    failures: list[str] = []
    for name, endpoint in _endpoints(data).items():
        try:
            built[name] = _build(name, endpoint, base_dir, registry)
        except FerryError as exc:
            failures.append(str(exc))
    if failures:
        _close_all(built)
        lines = "\n".join(f"  - {line}" for f in failures for line in f.splitlines())
        raise ConfigError(f"{source}: the endpoints cannot be configured:\n{lines}")
    return built


def _endpoints(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    endpoints = data.get("endpoints")
    if not isinstance(endpoints, Mapping):
        return {}
    return {str(k): v for k, v in endpoints.items() if isinstance(v, Mapping)}


def _check_endpoint(
    name: str, endpoint: Mapping[str, Any], registry: DriverRegistry, where: Location
) -> Iterator[Problem]:
    base = f"$.endpoints.{name}"
    try:
        driver = registry.get(str(endpoint.get("driver")))
    except ConfigError as exc:
        yield Problem(where, str(exc), f"{base}.driver", code="connections.driver", rank=20)
        return
    options = endpoint.get("options") or {}
    if not isinstance(options, Mapping):
        yield Problem(where, "options must be a mapping", f"{base}.options", "connections.options")
        return
    yield from _schema_problems(name, driver, options, where)
    yield from _literal_secrets(name, driver, options, where)


_OPTIONS_VALIDATORS: dict[object, Draft202012Validator | str] = {}
_QUICK_CHECKS: dict[object, fastschema.Precheck | None] = {}


def _builtin(driver: DriverClass) -> str | None:
    """The import path of a built-in driver class (its ``options_schema`` is part of Ferry's
    code), or None for a plugin's."""
    where = f"{driver.__module__}:{getattr(driver, '__qualname__', '')}"
    return where if where in BUILTIN_DRIVERS.values() else None


def _verdict_entry(driver: DriverClass, options: Mapping[str, Any]) -> str | None:
    """Where the disk cache (``engine.diskcache``) keeps "these options pass the built-in
    driver's schema", or None (a plugin's driver, or options marshal cannot write). The
    verdict depends on the options and on the schema, a constant of Ferry's code: the key
    holds both. Only passing options are kept: a problem is found every time."""
    where = _builtin(driver)
    if where is None:
        return None
    try:
        written = marshal.dumps(dict(options))
    except ValueError:
        return None
    return diskcache.key(where, written, diskcache.engine_stamp())


def _quick_check(driver: DriverClass) -> fastschema.Precheck | None:
    """The quick yes-or-no check (``engine.fastschema``) of a built-in driver's options, built
    once per class and process; None for a plugin driver or when there is none.

    Why only built-in drivers: their ``options_schema`` is a constant that
    ``tests/infra/test_connections.py`` checks against the JSON Schema meta-schema, so a run need
    not import jsonschema to check it again. A plugin's schema is checked at run time, by
    jsonschema, before any option is judged by it. Options the quick check does not pass are
    judged by jsonschema, whose errors the problems are made of."""
    if driver not in _QUICK_CHECKS:
        builtin = _builtin(driver) is not None
        _QUICK_CHECKS[driver] = fastschema.precheck(driver.options_schema, {}) if builtin else None
    return _QUICK_CHECKS[driver]


def _options_validator(driver: DriverClass) -> Draft202012Validator | str:
    """The validator of a driver's options, or why its schema is invalid: checked once per
    driver class and process (the schema is a constant of the class)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    known = _OPTIONS_VALIDATORS.get(driver)
    if known is not None:
        return known
    try:
        Draft202012Validator.check_schema(driver.options_schema)
        found: Draft202012Validator | str = Draft202012Validator(driver.options_schema)
    except SchemaError as exc:
        found = exc.message
    _OPTIONS_VALIDATORS[driver] = found
    return found


def _schema_problems(
    name: str, driver: DriverClass, options: Mapping[str, Any], where: Location
) -> Iterator[Problem]:
    entry = _verdict_entry(driver, options)
    if entry is not None and diskcache.load("options-checked", entry) is not None:
        return  # passed before (the schema check and jsonschema-rs's import skipped)
    quick = _quick_check(driver)
    if quick is not None and quick(dict(options)):
        if entry is not None:
            diskcache.store("options-checked", entry, True)
        return
    validator = _options_validator(driver)
    if isinstance(validator, str):
        message = f"endpoint '{name}': the driver's options_schema is invalid: {validator}"
        yield Problem(where, message, f"$.endpoints.{name}.driver", "connections.driver-schema")
        return
    errors = sorted(validator.iter_errors(dict(options)), key=lambda e: list(e.absolute_path))
    for error in errors:
        yield _option_problem(name, error, driver.secret_options, where)


def _option_problem(
    name: str, error: ValidationError, secret_options: Collection[str], where: Location
) -> Problem:
    """A located problem; a message about a secret option's value never repeats the value."""
    path = [str(part) for part in error.absolute_path]
    json_path = f"$.endpoints.{name}.options" + "".join(f".{part}" for part in path)
    message = error.message
    if path and path[0] in secret_options:
        message = f"invalid value for credential option '{path[0]}' ({error.validator} check)"
    hint = _unexpected_hint(error)
    return Problem(
        where, f"endpoint '{name}': {message}", json_path, "connections.options", hint=hint
    )


def _unexpected_hint(error: ValidationError) -> str | None:
    if error.validator != "additionalProperties" or not isinstance(error.schema, Mapping):
        return None
    known = sorted(error.schema.get("properties", {}))
    return f"known options: {', '.join(known)}" if known else None


def _literal_secrets(
    name: str, driver: DriverClass, options: Mapping[str, Any], where: Location
) -> Iterator[Problem]:
    for option in sorted(driver.secret_options):
        if option in options and not is_reference(options[option]):
            yield Problem(
                where,
                f"endpoint '{name}': option '{option}' holds a credential and must be a "
                "reference, not a literal value",
                f"$.endpoints.{name}.options.{option}",
                code="connections.literal-secret",
                hint=f"write ${{env:{name.upper()}_{option.upper()}}} and set that variable",
                rank=10,
            )


def _build(
    name: str, endpoint: Mapping[str, Any], base_dir: Path, registry: DriverRegistry
) -> Driver:
    driver = registry.get(str(endpoint["driver"]))
    options = resolve_options(name, driver, endpoint.get("options") or {}, base_dir)
    try:
        return driver(name=name, options=options, client=None)
    except FerryError:
        raise
    except Exception as exc:
        reason = redact(f"{type(exc).__name__}: {exc}")
        raise ConfigError(f"endpoint '{name}': driver could not start: {reason}") from exc


def resolve_options(
    name: str, driver: DriverClass, options: Mapping[str, Any], base_dir: Path
) -> dict[str, Any]:
    """Secret options -> ``Secret``; other references -> text; path options -> absolute paths.

    Every option is resolved before failing, so one ``ConfigError`` names every variable or
    file the environment lacks (one line each), not one per attempt."""
    secret_options = set(driver.secret_options)
    path_options = set(getattr(driver, "path_options", ()))
    resolved: dict[str, Any] = {}
    missing: list[str] = []
    for option, value in options.items():
        label = f"{name}.{option}"
        try:
            if option in secret_options:
                resolved[option] = resolve_secret(value, option=label, base_dir=base_dir)
                continue
            value = resolve_value(value, option=label, base_dir=base_dir)
        except ConfigError as exc:
            missing.append(str(exc))
            continue
        if option in path_options and isinstance(value, str):
            value = str((base_dir / value).resolve())
        resolved[option] = value
    if missing:
        raise ConfigError("\n".join(missing))
    return resolved


def _close_all(drivers: Mapping[str, Driver]) -> None:
    for name, driver in drivers.items():
        try:
            driver.close()
        except Exception:  # closing is best effort; the original failure is what matters
            log.warning("endpoint %s did not close cleanly", name, exc_info=True)


__all__ = ["build_endpoints", "check_endpoints", "resolve_options"]


# --- problems located in the Connections file -------------------------------------------------


def _path_of(json_path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for part in (
        json_path.removeprefix("$").strip(".").replace("[", ".").replace("]", "").split(".")
    ):
        if part:
            parts.append(int(part) if part.isdigit() else part.strip("'"))
    return tuple(parts)


def locate(problems: list[Problem], source: SourceMap) -> list[Problem]:
    """Give driver-level problems (which know only a JSON path) their line and column."""
    out = []
    for problem in problems:
        where = source.locate(_path_of(problem.json_path))
        out.append(
            Problem(
                where,
                problem.message,
                problem.json_path,
                problem.code,
                problem.field,
                problem.hint,
                problem.rank,
            )
        )
    return out


def connection_problems(data: dict[str, object], source: SourceMap) -> list[Problem]:
    """What ``ferry validate`` reports for a Connections file (no secret is resolved).

    Here, in the check stage's reach, so validating a file never imports the run stage."""
    return locate(check_endpoints(data, DriverRegistry.default(), source=source.file), source)


def document_problems(doc: Document) -> list[Problem]:
    """A Connections document's driver problems, located (none for other kinds).

    Drivers known, options fitting each driver's schema, credentials written as references.
    Here and not among the meaning checks: only the run stage knows the drivers."""
    if doc.kind != "Connections" or not isinstance(doc.data, dict):
        return []
    return connection_problems(doc.data, doc.source)
