"""Entry points are looked for cheaply first (``engine.entrypoints``): the answer must be the one
``importlib.metadata`` gives, whatever sits on ``sys.path``."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
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


def _settle(folder: Path) -> None:
    """Date a folder's last change an hour back, so its listing is kept between looks."""
    past = folder.stat().st_mtime_ns - 3600 * 10**9
    os.utime(folder, ns=(past, past))


def _no_plugin_on_path(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution ``name`` that declares no plugin, in ``folder``, settled (its listing
    kept between looks) and first on ``sys.path``: nothing is found there yet."""
    dist_info(folder, name, "[console_scripts]\nx = y:z\n")
    _settle(folder)
    monkeypatch.syspath_prepend(str(folder))
    assert same_as_importlib() == []


def test_a_plugin_installed_or_removed_while_the_process_runs_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_plugin_on_path(tmp_path, "other", monkeypatch)
    assert same_as_importlib() == []  # the kept listing, looked at again

    dist_info(tmp_path, "plugin", f"[{GROUP}]\nshout = plugin.mod:SHOUT\n")
    assert same_as_importlib() == [("shout", "plugin.mod:SHOUT")]

    _settle(tmp_path)
    assert same_as_importlib() == [("shout", "plugin.mod:SHOUT")]
    shutil.rmtree(tmp_path / "plugin-1.0.dist-info")
    assert same_as_importlib() == []


def test_entry_points_changed_in_an_installed_distribution_are_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_plugin_on_path(tmp_path, "plugin", monkeypatch)

    text = tmp_path / "plugin-1.0.dist-info" / "entry_points.txt"
    text.write_text(f"[{GROUP}]\nshout = plugin.mod:SHOUT\n")  # in place: the folder's time stays
    assert same_as_importlib() == [("shout", "plugin.mod:SHOUT")]


def test_a_folder_changed_just_before_its_listing_is_listed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change in the same tick of the file system's clock leaves the folder's time as it was:
    the listing of a folder that changed moments before is not kept."""
    dist_info(tmp_path, "other", "[console_scripts]\nx = y:z\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    changed = tmp_path.stat().st_mtime_ns
    assert same_as_importlib() == []

    dist_info(tmp_path, "plugin", f"[{GROUP}]\nshout = plugin.mod:SHOUT\n")
    os.utime(tmp_path, ns=(changed, changed))  # as if in the same tick
    assert may_declare(GROUP)


def test_the_working_folder_on_sys_path_is_looked_at_where_it_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty, with_plugin = tmp_path / "empty", tmp_path / "with"
    empty.mkdir()
    dist_info(with_plugin, "plugin", f"[{GROUP}]\nshout = plugin.mod:SHOUT\n")
    past = empty.stat().st_mtime_ns - 3600 * 10**9
    for folder in (empty, with_plugin):  # settled, and changed at the same time
        os.utime(folder, ns=(past, past))
    monkeypatch.syspath_prepend("")
    monkeypatch.chdir(empty)
    assert not may_declare(GROUP)

    monkeypatch.chdir(with_plugin)
    assert may_declare(GROUP)
    assert same_as_importlib() == [("shout", "plugin.mod:SHOUT")]
