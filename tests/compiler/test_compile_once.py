"""A run's specs are validated (a trial compile among the checks) and then compiled: each
mapping is compiled once, where the settings it was checked with are the run's, with the
problems reported as ``ferry validate`` reports them.

Counted through an installed transform plugin whose factory records each call: a compile
calls each transform's factory once per field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.errors import SpecError
from engine.run.sync.project import load_project
from tests.conftest import ZUORA_CUSTOMER_HEADER

PLUGIN = '''
from engine.transforms import param_schema, transform

CALLS = []


@transform("counted", params=param_schema())
def counted(params, ctx):
    """Pass the value through; record that the factory was called, with the field's name."""
    CALLS.append((ctx.field, ctx.settings["default_subsidiary"]))
    return lambda value: value
'''

SETTINGS = """\
apiVersion: ferry/v1
kind: Settings
metadata: {{name: t, version: 1}}
settings: {{default_subsidiary: "{subsidiary}"}}
"""


CHILD = """
import json, sys
from pathlib import Path
import ferry_counted
from engine.run.sync.project import load_project
settings = Path(sys.argv[2]) if len(sys.argv) > 2 else None
loaded = load_project([Path(sys.argv[1])], settings=settings)
record = {"id": "A1", "name": "Acme"}
print(json.dumps({
    "calls": ferry_counted.CALLS,
    "plans": [p.name for p in loaded.plans],
    "subsidiary": [p.settings["default_subsidiary"] for p in loaded.plans],
    "payloads": [p.render(record) for p in loaded.plans],
}))
"""


def load_in_child(tmp_path: Path, *argv: Path) -> dict[str, Any]:
    """``load_project`` in a process of its own with the plugin installed (a module and its
    dist-info on its ``sys.path``): what its factory was called with, and the plans."""
    site = tmp_path / "site"
    info = site / "ferry_counted-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ferry-counted\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ferry.transforms]\ncounted = ferry_counted:counted\n")
    (site / "ferry_counted.py").write_text(PLUGIN)
    path = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, argv)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def project(folder: Path, *fields: str, subsidiary: str = "1") -> Path:
    """Two mappings (``a`` and ``b``) sharing one settings file, with these fields each."""
    folder.mkdir()
    (folder / "settings.yaml").write_text(SETTINGS.format(subsidiary=subsidiary))
    for name in ("a", "b"):
        text = ZUORA_CUSTOMER_HEADER.replace("t/customer", f"t/{name}").replace(
            "fields:\n", "settings: settings.yaml\nfields:\n"
        )
        (folder / f"{name}.yaml").write_text(text + "".join(f"  - {f}\n" for f in fields))
    return folder


def test_each_mapping_is_compiled_once(tmp_path: Path) -> None:
    folder = project(tmp_path / "specs", "{to: companyName, from: name, transforms: [counted]}")

    loaded = load_in_child(tmp_path, folder)

    assert loaded["calls"] == [["companyName", "1"], ["companyName", "1"]]  # a's, b's: once
    assert loaded["plans"] == ["t/a", "t/b"]
    assert loaded["payloads"] == [{"companyName": "Acme"}] * 2


def test_other_settings_for_the_run_compile_again_with_them(tmp_path: Path) -> None:
    folder = project(tmp_path / "specs", "{to: companyName, from: name, transforms: [counted]}")
    other = project(tmp_path / "other", subsidiary="7") / "settings.yaml"

    loaded = load_in_child(tmp_path, folder, other)

    # checked with the file each mapping names, then compiled with the run's
    assert sorted(loaded["calls"]) == [["companyName", "1"]] * 2 + [["companyName", "7"]] * 2
    assert loaded["subsidiary"] == ["7", "7"]


def located(problems: list[Any]) -> list[tuple[str, str, str]]:
    return [(str(p.location), p.message, p.code) for p in problems]


def test_the_problems_are_validates_all_files_together(tmp_path: Path) -> None:
    failing = "'{{ settings.default_subsidiary | int + settings.default_currency }}'"
    folder = project(tmp_path / "specs", f"{{to: companyName, template: {failing}}}")
    b = folder / "b.yaml"  # a meaning problem in b, a compile problem (these settings) in a
    b.write_text(b.read_text().replace(f"template: {failing}", "from: 'record..x'"))

    with pytest.raises(SpecError) as raised:
        load_project([folder])

    expected = [p for p in engine.validate(folder) if not p.is_warning]
    assert [(Path(p.location.file).name, p.code) for p in expected] == [
        ("b.yaml", "meaning.expression"),
        ("a.yaml", "compile.template"),
    ]
    assert located(raised.value.problems) == located(expected)
