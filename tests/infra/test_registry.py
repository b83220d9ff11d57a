"""The driver registry: built-ins, plugins through entry points, and clear failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from engine.errors import ConfigError
from engine.run.drivers.files import FilesDriver
from engine.run.drivers.registry import BUILTIN_DRIVERS, DriverRegistry

PLUGIN_MODULE = "ferry_test_plugin_driver"


def test_builtins_are_listed_and_load_lazily() -> None:
    registry = DriverRegistry.default()
    assert set(BUILTIN_DRIVERS) <= set(registry.names())
    assert registry.get("files") is FilesDriver
    assert "files" in registry and "nope" not in registry


def test_typo_gets_a_suggestion_and_nonsense_gets_the_list() -> None:
    registry = DriverRegistry(BUILTIN_DRIVERS)
    with pytest.raises(ConfigError, match=r"unknown driver 'flies' \(did you mean 'files'\?\)"):
        registry.get("flies")
    with pytest.raises(ConfigError, match="known drivers: files, netsuite, zuora"):
        registry.get("salesforce")


def test_missing_module_and_missing_class_are_reported_clearly() -> None:
    registry = DriverRegistry(
        {
            "ghost": "engine.run.drivers.ghost:GhostDriver",
            "nameless": "engine.run.drivers.files:NoSuchDriver",
            "bare": "engine.run.drivers.files",
        }
    )
    with pytest.raises(ConfigError, match=r"module 'engine\.run\.drivers\.ghost' is not installed"):
        registry.get("ghost")
    with pytest.raises(ConfigError, match="has no driver class 'NoSuchDriver'"):
        registry.get("nameless")
    with pytest.raises(ConfigError, match=r"must look like 'package\.module:Class'"):
        registry.get("bare")


def test_a_class_without_declarations_is_refused() -> None:
    class Incomplete:
        options_schema: ClassVar[dict[str, str]] = {"type": "object"}

    registry = DriverRegistry({"incomplete": Incomplete, "function": "os.path:join"})
    with pytest.raises(ConfigError, match="does not declare secret_options"):
        registry.get("incomplete")
    with pytest.raises(ConfigError, match="is not a class"):
        registry.get("function")


def test_register_refuses_a_taken_name_unless_replacing() -> None:
    registry = DriverRegistry(BUILTIN_DRIVERS)
    with pytest.raises(ConfigError, match="already registered"):
        registry.register("files", FilesDriver)
    registry.register("files", FilesDriver, replace=True)
    assert registry.origin("files") == "engine.run.drivers.files:FilesDriver"


@pytest.fixture
def plugin_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A distribution installed the way pip would: a module plus a ``*.dist-info`` folder."""
    (tmp_path / f"{PLUGIN_MODULE}.py").write_text(
        "class DummyDriver:\n"
        "    options_schema = {'type': 'object', 'additionalProperties': False}\n"
        "    secret_options = frozenset()\n"
        "    def __init__(self, *, name, options, client):\n"
        "        self.name = name\n"
    )
    info = tmp_path / "ferry_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ferry-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[ferry.drivers]\n"
        f"dummy = {PLUGIN_MODULE}:DummyDriver\n"
        f"files = {PLUGIN_MODULE}:DummyDriver\n"
        f"broken = {PLUGIN_MODULE}_missing:Nothing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop(PLUGIN_MODULE, None)


def test_plugins_arrive_through_the_entry_point_group(plugin_on_path: Path) -> None:
    registry = DriverRegistry.default()
    assert {"dummy", "broken"} <= set(registry.names())
    dummy = registry.get("dummy")
    assert getattr(dummy, "__name__", None) == "DummyDriver"
    assert "entry point ferry.drivers" in registry.origin("dummy")
    assert registry.get("files") is FilesDriver  # a plugin cannot shadow a built-in
    with pytest.raises(ConfigError, match="driver 'broken' cannot be loaded"):
        registry.get("broken")
