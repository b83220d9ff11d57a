"""The transform registry: names to transforms, item parsing, parameter checks, the item schema.

Why per instance: a spec compiled in a test, a plugin under development and the CLI each get
their own registry, as Jinja copies its default filters per environment; nothing registers at
import time. Everything here runs at compile time; the hot path only sees the callables that
``compose`` fuses.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from engine.entrypoints import entry_points
from engine.errors import ConfigError, FerryError
from engine.suggest import did_you_mean, suggest
from engine.transforms._support import describe
from engine.transforms.core import (
    Fn,
    ParamProblem,
    Transform,
    TransformContext,
    TransformParamsError,
    UnknownTransformError,
)

if TYPE_CHECKING:  # jsonschema is imported when a plugin is loaded or parameters are wrong
    import jsonschema
from engine.transforms.pipeline import Step, compose

ENTRY_POINT_GROUP = "ferry.transforms"
_NAME = re.compile(r"[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*")


class TransformCall(msgspec.Struct, frozen=True):
    """A parsed transform item: the transform and its validated parameters (defaults filled)."""

    transform: Transform
    params: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.transform.name

    @property
    def destination_assigned(self) -> bool:
        """True when the destination assigns this field's value (it is never sent)."""
        return self.transform.destination_assigned(self.params)

    def bind(self, ctx: TransformContext) -> Step:
        """Call the factory once; its refusals become located ``TransformParamsError``s."""
        try:
            fn = self.transform.factory(self.params, ctx)
        except TransformParamsError as exc:
            raise TransformParamsError(
                [ParamProblem((self.name, *p.path), p.message) for p in exc.problems],
                transform=self.name,
            ) from exc
        except FerryError as exc:
            problem = ParamProblem((self.name,), str(exc))
            raise TransformParamsError([problem], transform=self.name) from exc
        except Exception as exc:  # a plugin's bug: keep it, but as our exception
            text = f"could not be built: {type(exc).__name__}: {exc}"
            problem = ParamProblem((self.name,), text)
            raise TransformParamsError([problem], transform=self.name) from exc
        return Step(fn, self.transform.accepts_missing, self.name)


class Pipeline(msgspec.Struct, frozen=True):
    """A field's compiled transforms: ``run`` is the fused callable (``compose``), for plugins
    and tests that run a list by itself; a Plan renders through its generated code instead."""

    run: Fn
    names: tuple[str, ...]
    destination_assigned: bool


class TransformRegistry:
    """Named transforms for one engine instance; listable, copyable, checked at compile time."""

    def __init__(self, transforms: Iterable[Transform] = ()) -> None:
        self._transforms: dict[str, Transform] = {}
        for item in transforms:
            self.register(item)

    def register(self, item: Transform, *, replace: bool = False) -> Transform:
        """Add a transform; a second one with the same name is an error unless ``replace``."""
        if not isinstance(item, Transform):
            raise TypeError(f"expected a Transform, got {describe(item)}")
        if not _NAME.fullmatch(item.name):
            raise ValueError(f"transform name {item.name!r} must match {_NAME.pattern}")
        if item.name in self._transforms and not replace:
            raise ValueError(f"a transform named {item.name!r} is already registered")
        schema = item.params_schema
        if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
            raise ValueError(f"{item.name}: params schema must be a closed object")
        self._transforms[item.name] = item
        return item

    def get(self, name: str) -> Transform:
        """The transform called ``name``; an ``UnknownTransformError`` (a KeyError) otherwise."""
        try:
            return self._transforms[name]
        except KeyError:
            raise UnknownTransformError(name, suggest(name, self._transforms, n=3)) from None

    def names(self) -> list[str]:
        return sorted(self._transforms)

    def __iter__(self) -> Iterator[Transform]:
        return iter(sorted(self._transforms.values(), key=lambda t: t.name))

    def __contains__(self, name: object) -> bool:
        return name in self._transforms

    def __len__(self) -> int:
        return len(self._transforms)

    def copy(self) -> TransformRegistry:
        """An independent registry with the same transforms (they are immutable, so shared)."""
        return TransformRegistry(self._transforms.values())

    def parse(self, item: Any) -> TransformCall:
        """Read one list item (``"trim"``, ``{"truncate": {"length": 83}}``) and check it.

        Raises ``TransformParamsError`` listing every problem, each with a path relative to the
        item (``("truncate", "length")``).
        """
        name, raw = _split_item(item)
        found = self.get(name)
        given: Mapping[str, Any] = {} if raw is None else raw
        problems = _param_problems(found, given)
        if problems:
            raise TransformParamsError(problems, transform=name)
        return TransformCall(found, {**copy.deepcopy(found.defaults()), **given})

    def build(self, item: Any, ctx: TransformContext) -> Fn:
        """Parse one item and call its factory: the ``value -> value`` callable for it."""
        return self.parse(item).bind(ctx).fn

    def pipeline(self, items: Sequence[Any], ctx: TransformContext) -> Pipeline:
        """Compile a field's whole transform list, reporting every bad item at once.

        Problem paths start with the item's index: ``(1, "truncate", "length")``.
        """
        steps: list[Step] = []
        calls: list[TransformCall] = []
        problems: list[ParamProblem] = []
        for index, item in enumerate(items):
            try:
                call = self.parse(item)
                steps.append(call.bind(ctx))
                calls.append(call)
            except TransformParamsError as exc:
                problems += [ParamProblem((index, *p.path), p.message) for p in exc.problems]
        if problems:
            raise TransformParamsError(problems)
        assigned = any(c.destination_assigned for c in calls)
        return Pipeline(compose(steps), tuple(c.name for c in calls), assigned)

    def schema(self) -> dict[str, Any]:
        """JSON Schema (2020-12) for ONE transform list item, discriminated by name.

        A bare name must be one that needs no parameters; a map must have exactly one key,
        a known name, whose value matches that transform's parameter schema. A typo'd name
        therefore yields exactly one error. Embed it as the ``items`` of a field's list.
        """
        bare = [t.name for t in self if not t.requires_params]
        return {
            "title": "Transform",
            "description": "A transform name, or a one-key map `{name: {parameters}}`.",
            "type": ["string", "object"],
            "if": {"type": "string"},
            "then": {"enum": bare},
            "else": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "propertyNames": {"enum": self.names()},
                "properties": {t.name: _item_params_schema(t) for t in self},
            },
        }

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register the transforms installed packages publish under ``group``.

        An entry point names a ``Transform`` or an iterable of them. A plugin that fails to load,
        or clashes with a registered name, is a ``ConfigError`` naming the entry point.
        """
        added: list[str] = []
        for entry in entry_points(group):
            where = f"transform plugin {entry.name!r} ({entry.value})"
            try:
                loaded = entry.load()
            except Exception as exc:
                raise ConfigError(f"{where} failed to load: {exc}") from exc
            for item in _as_transforms(loaded, where):
                from jsonschema import Draft202012Validator, SchemaError

                try:
                    Draft202012Validator.check_schema(item.params_schema)
                    added.append(self.register(item).name)
                except SchemaError as exc:
                    raise ConfigError(
                        f"{where}: {item.name}: invalid params schema: {exc.message}"
                    ) from exc
                except (TypeError, ValueError) as exc:
                    raise ConfigError(f"{where}: {exc}") from exc
        return added


def default_registry(*, entry_points: bool = True) -> TransformRegistry:
    """A fresh registry with every built-in transform and, unless disabled, the plugins."""
    from engine.transforms.builtins import BUILTINS

    registry = TransformRegistry(BUILTINS)
    if entry_points:
        registry.load_entry_points()
    return registry


_INSTALLED: dict[tuple[tuple[str, int, int], ...], TransformRegistry] = {}


def installed_registry() -> TransformRegistry:
    """The registry of the built-ins and the installed plugins, kept for the process: finding
    the plugins scans every distribution on ``sys.path`` (a few milliseconds), and compiling a
    mapping needs it every time. Scanned again when what is installed may have changed: a
    ``sys.path`` entry added or removed, or a folder on it modified (installing or removing a
    distribution adds or removes its ``.dist-info`` folder there: the folder's modification time
    and its link count, which counts its sub-folders, change). Shared: callers must not
    register into it (``default_registry()`` gives a fresh one to change)."""
    key = _installed_key()
    found = _INSTALLED.get(key)
    if found is None:
        found = default_registry()
        _INSTALLED.clear()
        _INSTALLED[key] = found
    return found


def installed_stamp() -> str:
    """What names the transforms ``installed_registry`` would give, without building it: each
    ``sys.path`` entry with its modification time and link count. Part of the key of a result
    kept on disk that the installed plugins could change (``engine.check.specfile``)."""
    return repr(_installed_key())


def _installed_key() -> tuple[tuple[str, int, int], ...]:
    return tuple((entry, *_modified(entry)) for entry in sys.path)


def _modified(entry: str) -> tuple[int, int]:
    try:  # os.stat: a Path per entry cost twice the stat, and this runs on every compile
        found = os.stat(entry or ".")  # noqa: PTH116
    except OSError:
        return (-1, -1)
    return (found.st_mtime_ns, found.st_nlink)


def _split_item(item: Any) -> tuple[str, Any]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, Mapping) and len(item) == 1:
        [(name, raw)] = item.items()
        if isinstance(name, str):
            return name, raw
    text = f"a transform is a name or a one-key map {{name: parameters}}, got {describe(item)}"
    raise TransformParamsError([ParamProblem((), text)])


def _param_problems(found: Transform, given: Any) -> list[ParamProblem]:
    name = found.name
    if not isinstance(given, Mapping):
        return [ParamProblem((name,), f"parameters must be a map, got {describe(given)}")]
    precheck = found.params_precheck
    if precheck is not None and precheck(given):
        return []  # valid: jsonschema would find nothing
    errors = sorted(found.validator.iter_errors(given), key=lambda e: list(e.absolute_path))
    problems: list[ParamProblem] = []
    for error in errors:
        problems += _problems_of(error, name)
    return problems


def _problems_of(error: jsonschema.ValidationError, name: str) -> list[ParamProblem]:
    where = tuple(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = list(schema.get("properties", {}))
        return [
            ParamProblem((name, *where, key), _unknown(key, where, known))
            for key in instance
            if key not in known
        ]
    if error.validator == "required" and isinstance(instance, Mapping):
        return [
            ParamProblem((name, *where), f"missing required parameter '{_dotted((*where, key))}'")
            for key in schema.get("required", ())
            if key not in instance
        ]
    if not where:
        return [ParamProblem((name,), f"parameters: {error.message}")]
    if error.validator == "pattern" and schema.get("description"):  # the rule, not the regex
        text = f"{instance!r} is not allowed: {schema['description']}"
        return [ParamProblem((name, *where), f"parameter '{_dotted(where)}': {text}")]
    return [ParamProblem((name, *where), f"parameter '{_dotted(where)}': {error.message}")]


def _unknown(key: str, where: tuple[Any, ...], known: list[str]) -> str:
    hint = did_you_mean(key, known, n=3)
    return f"unknown parameter '{_dotted((*where, key))}'{hint}; known: {', '.join(known)}"


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


def _item_params_schema(found: Transform) -> dict[str, Any]:
    """The parameter schema as it appears in the item schema; `{name: null}` (YAML `- trim:`)
    is accepted for transforms that need no parameters."""
    schema = dict(found.params_schema)
    if found.requires_params:
        return schema
    return {"if": {"type": "null"}, "else": schema}


def _as_transforms(loaded: Any, where: str) -> list[Transform]:
    if isinstance(loaded, Transform):
        return [loaded]
    if isinstance(loaded, Iterable) and not isinstance(loaded, (str, bytes, Mapping)):
        items = list(loaded)
        if all(isinstance(i, Transform) for i in items):
            return items
    raise ConfigError(f"{where}: expected a Transform or a list of them, got {describe(loaded)}")


__all__ = [
    "ENTRY_POINT_GROUP",
    "Pipeline",
    "TransformCall",
    "TransformRegistry",
    "default_registry",
]
