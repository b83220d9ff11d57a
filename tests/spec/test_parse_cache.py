"""A spec's parse kept on disk between processes (``engine.diskcache``, ``source._parse``).

Each test loads specs in fresh processes, as two ``ferry`` commands would, with the cache in a
folder of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, cache_rows, change_cache_rows

CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"
LOAD = """
import json, sys
from pathlib import Path
from engine.load import source
loaded = source.load_path(Path(sys.argv[1]))
print(json.dumps({
    "data": loaded.data,
    "located": str(loaded.source.locate(("fields", 1, "from"))),
    "key": str(loaded.source.locate(("metadata", "name"), key=True)),
    "problems": [str(p) for p in loaded.problems],
    "yaml_imported": "yaml" in sys.modules or "ruamel.yaml" in sys.modules,
}))
"""


def _load(path: Path, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stderr == ""
    found: dict[str, object] = json.loads(done.stdout)
    return found


def _entries(cache: Path) -> list[bytes]:
    """The stored bytes of the cache's parses."""
    return [value for value, _ in cache_rows(cache, "parse").values()]


def test_the_next_process_reads_the_parse_back_without_the_yaml_library(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _load(CUSTOMER, FERRY_CACHE_DIR=str(cache))
    assert first["yaml_imported"] is True
    assert len(_entries(cache)) == 1
    second = _load(CUSTOMER, FERRY_CACHE_DIR=str(cache))
    assert second["yaml_imported"] is False
    assert second == {**first, "yaml_imported": False}  # the same data, positions and file
    assert str(CUSTOMER) in str(second["located"])


def test_the_same_text_under_another_name_is_located_in_that_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _load(CUSTOMER, FERRY_CACHE_DIR=str(cache))
    copy = tmp_path / "copy.yaml"
    copy.write_bytes(CUSTOMER.read_bytes())
    again = _load(copy, FERRY_CACHE_DIR=str(cache))
    assert again["yaml_imported"] is False
    assert str(again["located"]).startswith(str(copy))


def test_an_unreadable_entry_is_a_miss_and_is_written_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _load(CUSTOMER, FERRY_CACHE_DIR=str(cache))
    [good] = _entries(cache)
    for garbage in (b"", b"\x00not marshal", good[:40]):
        change_cache_rows(cache, "parse", lambda _old, garbage=garbage: garbage)
        assert _load(CUSTOMER, FERRY_CACHE_DIR=str(cache)) == expected
        [again] = _entries(cache)
        assert again != garbage  # written again, whole (read back below)
    assert _load(CUSTOMER, FERRY_CACHE_DIR=str(cache))["yaml_imported"] is False


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"FERRY_CACHE_DIR": "", "HOME": str(home), "XDG_CACHE_HOME": str(home / "xdg")}
    _load(CUSTOMER, **env)
    assert _load(CUSTOMER, **env)["yaml_imported"] is True
    assert not home.exists()


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    expected = _load(CUSTOMER, FERRY_CACHE_DIR=str(tmp_path / "cache"))
    assert _load(CUSTOMER, FERRY_CACHE_DIR=str(blocked)) == expected
    assert blocked.read_text() == "not a folder"


def test_a_text_with_problems_is_parsed_every_time(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    broken = tmp_path / "broken.yaml"
    broken.write_text("metadata: {name: a\nfields: [\n")
    first = _load(broken, FERRY_CACHE_DIR=str(cache))
    assert first["problems"] and _entries(cache) == []
    assert _load(broken, FERRY_CACHE_DIR=str(cache)) == first
