"""Entry points are looked for cheaply first (``engine.entrypoints``): the answer must be the one
``importlib.metadata`` gives, whatever sits on ``sys.path``."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.entrypoints import entry_points, may_declare

GROUP = "ferry.test-group"


def dist_info(site: Path, name: str, entry_points_txt: str | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if entry_points_txt is not None:
        (info / "entry_points.txt").write_text(entry_points_txt)


def same_as_importlib() -> list[tuple[str, str]]:
    ours = sorted((e.name, e.value) for e in entry_points(GROUP))
    theirs = sorted((e.name, e.value) for e in importlib.metadata.entry_points(group=GROUP))
    assert ours == theirs
    return ours


def test_a_declared_group_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist_info(tmp_path, "other", "[console_scripts]\nx = y:z\n")
    dist_info(tmp_path, "plain", None)
    dist_info(tmp_path, "plugin", f"[{GROUP}]\nshout = plugin.mod:SHOUT\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert may_declare(GROUP)
    assert same_as_importlib() == [("shout", "plugin.mod:SHOUT")]


def test_no_declaration_means_no_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist_info(tmp_path, "other", "[console_scripts]\nx = y:z\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert not may_declare(GROUP)
    assert same_as_importlib() == []


def test_a_distribution_in_a_zip_on_sys_path_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
        bundle.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nz = zipped:Z\n")
    monkeypatch.syspath_prepend(str(archive))

    assert may_declare(GROUP)
    assert same_as_importlib() == [("z", "zipped:Z")]


def test_no_plugin_means_importlib_metadata_is_not_imported() -> None:
    probe = (
        "import sys, json; from engine.entrypoints import entry_points; "
        f"found = entry_points({GROUP!r}); "
        "print(json.dumps([len(found), 'importlib.metadata' in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    assert json.loads(done.stdout) == [0, False]
