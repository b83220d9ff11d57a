"""Which driver classes exist, by name: the built-in ones and those installed as plugins.

Why explicit: a connections file names a driver (``driver: zuora``); the name must resolve to a
class that says what options it takes, so a typo or a missing plugin is reported when the file is
loaded, with a "did you mean", never as an ImportError in the middle of a run. Modules are
imported only when a driver is asked for, so a broken optional driver does not break the rest.

Usage::

    from engine.run.drivers.registry import DriverRegistry

    registry = DriverRegistry.default()        # built-ins + the ``ferry.drivers`` entry points
    registry.names()                           # ['files', 'netsuite', 'zuora', ...]
    cls = registry.get("zuora")                # a typo: ConfigError "... (did you mean 'zuora'?)"
    cls.options_schema, cls.secret_options

The driver class convention (``engine.run.connections`` relies on it; every driver follows it):

* ``options_schema``: a class attribute, the JSON Schema (2020-12) of the ``options`` mapping;
  it should be closed (``additionalProperties: false``) so option typos are errors.
* ``secret_options``: a class attribute, the option names that hold credentials. Their values
  must be ``${env:NAME}`` / ``${file:PATH}`` references and reach the driver as
  ``engine.run.secrets.Secret`` (call ``.reveal()`` where the value goes on the wire).
* ``path_options`` (optional): option names holding file system paths; a relative path reaches
  the driver as an absolute string, resolved against the connections file's folder.
* the constructor is ``DriverClass(*, name: str, options: dict[str, Any], client:
  httpx.Client | None)``: ``name`` is the endpoint's name in the connections file, ``options``
  are validated and resolved (schema defaults are *not* filled in: use ``options.get``), and
  ``client`` is an injected HTTP client (tests, proxies) or None to make one.

A plugin registers ``[project.entry-points."ferry.drivers"] mydriver = "pkg.module:MyDriver"``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias, cast

from engine.entrypoints import entry_points
from engine.errors import ConfigError
from engine.run.drivers.base import Driver
from engine.suggest import did_you_mean

if TYPE_CHECKING:  # the HTTP stack loads with a driver, not with the registry
    from importlib.metadata import EntryPoint

    import httpx

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ferry.drivers"
BUILTIN_DRIVERS: dict[str, str] = {
    "files": "engine.run.drivers.files:FilesDriver",
    "netsuite": "engine.run.drivers.netsuite:NetSuiteDriver",
    "zuora": "engine.run.drivers.zuora:ZuoraDriver",
}

Target: TypeAlias = "str | EntryPoint | type"
"""A driver as ``"module:Class"``, an installed entry point, or the class itself."""


class DriverClass(Protocol):
    """What the registry hands out: a driver class with its option declarations."""

    options_schema: ClassVar[Mapping[str, Any]]
    secret_options: ClassVar[Collection[str]]

    def __call__(
        self, *, name: str, options: dict[str, Any], client: httpx.Client | None
    ) -> Driver: ...


class DriverRegistry:
    """Driver names mapped to classes, loaded on first use; one instance per configuration."""

    def __init__(self, targets: Mapping[str, Target] | None = None) -> None:
        self._targets: dict[str, Target] = dict(targets or {})
        self._loaded: dict[str, DriverClass] = {}

    @classmethod
    def default(cls) -> DriverRegistry:
        """The built-in drivers plus every installed ``ferry.drivers`` entry point."""
        registry = cls(BUILTIN_DRIVERS)
        for entry in entry_points(ENTRY_POINT_GROUP):
            if entry.name in registry._targets:
                log.warning(
                    "ignoring plugin driver %r from %s: the name is taken", entry.name, entry.value
                )
                continue
            registry.register(entry.name, entry)
        return registry

    def register(self, name: str, target: Target, *, replace: bool = False) -> None:
        """Add a driver as ``"module:Class"``, an entry point, or the class itself."""
        if name in self._targets and not replace:
            raise ConfigError(f"driver '{name}' is already registered")
        self._targets[name] = target
        self._loaded.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def origin(self, name: str) -> str:
        """Where a driver comes from, for messages and ``ferry drivers`` listings."""
        target = self._target(name)
        if isinstance(target, type):
            return f"{target.__module__}:{target.__qualname__}"
        if isinstance(target, str):
            return target
        return f"{target.value} (entry point {ENTRY_POINT_GROUP})"

    def get(self, name: str) -> DriverClass:
        """The class for ``name``; ConfigError when unknown, unloadable or incomplete."""
        if name not in self._loaded:
            driver = _check_class(name, self._load(name), self.origin(name))
            self._loaded[name] = driver
        return self._loaded[name]

    def _target(self, name: str) -> Target:
        try:
            return self._targets[name]
        except KeyError:
            raise ConfigError(f"unknown driver '{name}'{self._suggest(name)}") from None

    def _suggest(self, name: str) -> str:
        close = did_you_mean(name, self.names())
        if close:
            return close
        return f"; known drivers: {', '.join(self.names()) or 'none'}"

    def _load(self, name: str) -> object:
        target = self._target(name)
        if isinstance(target, type):
            return target
        try:
            return _import(target) if isinstance(target, str) else target.load()
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(
                f"driver '{name}' cannot be loaded from {self.origin(name)}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc


def _import(dotted: str) -> object:
    module_name, _, attribute = dotted.partition(":")
    if not attribute:
        raise ConfigError(f"driver target {dotted!r} must look like 'package.module:Class'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise ConfigError(f"driver module '{module_name}' is not installed") from exc
        raise
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"module '{module_name}' has no driver class '{attribute}'") from None


def _check_class(name: str, candidate: object, origin: str) -> DriverClass:
    """Refuse a class that lacks the declarations connections need, naming what is missing."""
    if not isinstance(candidate, type):
        raise ConfigError(f"driver '{name}' ({origin}) is not a class")
    schema = getattr(candidate, "options_schema", None)
    if not isinstance(schema, Mapping):
        raise ConfigError(f"driver '{name}' ({origin}) does not declare options_schema")
    secrets = getattr(candidate, "secret_options", None)
    if isinstance(secrets, str) or not isinstance(secrets, Collection):
        raise ConfigError(f"driver '{name}' ({origin}) does not declare secret_options")
    return cast(DriverClass, candidate)


__all__ = ["BUILTIN_DRIVERS", "ENTRY_POINT_GROUP", "DriverClass", "DriverRegistry"]
