"""Third-party transforms arrive through the ``ferry.transforms`` entry point group.

The example package in tests/plugins/ferry_example_transforms is installed into a temporary
folder: by writing its ``.dist-info`` from its own pyproject.toml (fast, always runs), and with
``pip install --target`` (slower, offline, needs setuptools' wheel support).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.transforms import TransformRegistry, compose, default_registry, installed_registry
from tests.transforms.helpers import context, same

PLUGIN = Path(__file__).parents[1] / "plugins" / "ferry_example_transforms"
MODULE = "ferry_example_transforms"


@pytest.fixture(autouse=True)
def forget_plugin_modules() -> Iterator[None]:
    """Each test imports the plugin from its own folder, never from a previous test's."""
    yield
    for name in [m for m in sys.modules if m.startswith(("ferry_example", "fake_plugin"))]:
        del sys.modules[name]


def write_distribution(
    site: Path, name: str, entry_points: dict[str, dict[str, str]], version: str = "0.1.0"
) -> None:
    """What an installer leaves behind, minus the files: METADATA and entry_points.txt."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    sections = [
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
        for group, points in entry_points.items()
    ]
    (info / "entry_points.txt").write_text("\n".join(sections))


def install_by_hand(site: Path) -> None:
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    shutil.copytree(PLUGIN / MODULE, site / MODULE)
    write_distribution(site, project["name"], project["entry-points"], project["version"])


def assert_plugin_works(registry: TransformRegistry) -> None:
    assert "slugify" in registry
    assert "trim" in registry
    run = registry.build({"slugify": {"separator": "_"}}, context())
    assert run("Acme Corp, Inc.") == "acme_corp_inc"
    found = registry.get("slugify")
    for example in found.examples:
        step = registry.parse({"slugify": dict(example.params)}).bind(context())
        assert same(compose([step])(example.input), example.output)


def test_default_registry_finds_an_installed_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_by_hand(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert_plugin_works(default_registry())
    assert "slugify" not in default_registry(entry_points=False)


def test_the_kept_registry_sees_a_plugin_installed_after_it_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = installed_registry()
    assert "slugify" not in before
    assert installed_registry() is before  # kept while nothing is installed
    install_by_hand(tmp_path)  # into a folder already on sys.path
    assert_plugin_works(installed_registry())
    shutil.rmtree(next(tmp_path.glob("*.dist-info")))  # uninstalled again
    assert "slugify" not in installed_registry()


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
    reason="building the example plugin offline needs setuptools and wheel in this environment",
)
def test_plugin_installed_with_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, site = tmp_path / "src", tmp_path / "site"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    command += ["--no-build-isolation", "--target", str(site), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    monkeypatch.syspath_prepend(str(site))
    assert_plugin_works(default_registry())


def fake_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, target: str) -> None:
    (tmp_path / "fake_plugin.py").write_text(code)
    write_distribution(tmp_path, "fake-plugin", {"ferry.test-transforms": {"x": target}})
    monkeypatch.syspath_prepend(str(tmp_path))


def test_plugin_that_fails_to_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_plugin(tmp_path, monkeypatch, "raise RuntimeError('boom')\n", "fake_plugin:thing")
    with pytest.raises(ConfigError, match=r"transform plugin 'x' \(fake_plugin:thing\).*boom"):
        default_registry(entry_points=False).load_entry_points("ferry.test-transforms")


def test_plugin_that_is_not_a_transform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_plugin(tmp_path, monkeypatch, "thing = 42\n", "fake_plugin:thing")
    with pytest.raises(ConfigError, match="expected a Transform or a list of them, got 42"):
        default_registry(entry_points=False).load_entry_points("ferry.test-transforms")


def test_plugin_clashing_with_a_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = (
        "from engine.transforms.text import upper\n"
        "from msgspec.structs import replace\n"
        "both = [replace(upper, name='shout'), replace(upper, name='trim')]\n"
    )
    fake_plugin(tmp_path, monkeypatch, code, "fake_plugin:both")
    registry = default_registry(entry_points=False)
    with pytest.raises(ConfigError, match="'trim' is already registered"):
        registry.load_entry_points("ferry.test-transforms")


def test_a_list_of_transforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = (
        "from engine.transforms.text import upper\n"
        "from msgspec.structs import replace\n"
        "both = [replace(upper, name='shout'), replace(upper, name='yell')]\n"
    )
    fake_plugin(tmp_path, monkeypatch, code, "fake_plugin:both")
    registry = default_registry(entry_points=False)
    assert registry.load_entry_points("ferry.test-transforms") == ["shout", "yell"]
    assert registry.build("yell", context())("a") == "A"


def test_plugin_with_an_invalid_params_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The decorator no longer checks schemas at import (start-up cost); loading the plugin does.
    code = (
        "from engine.transforms.core import transform\n"
        "@transform('bad', params={'type': 'object', 'properties': {'n': {'type': 'nope'}}})\n"
        "def bad(params, ctx):\n"
        "    '''Bad.\n\n    Bad schema.'''\n"
        "    return lambda value: value\n"
    )
    fake_plugin(tmp_path, monkeypatch, code, "fake_plugin:bad")
    registry = default_registry(entry_points=False)
    with pytest.raises(ConfigError, match=r"'x'.*bad: invalid params schema: 'nope'"):
        registry.load_entry_points("ferry.test-transforms")
    assert "bad" not in registry
