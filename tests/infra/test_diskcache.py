"""The disk cache's rules (``engine.diskcache``): keys, stamps, what is kept, the bound."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine import diskcache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(diskcache.ENV, str(folder))
    return folder


def test_keys_tell_their_parts_apart() -> None:
    assert diskcache.key("ab", "c") != diskcache.key("a", "bc")
    assert diskcache.key("ab", "c") == diskcache.key(b"ab", b"c")
    assert diskcache.key("x") != diskcache.key("x", "")


def test_the_engine_stamp_names_every_module_and_schema() -> None:
    import engine

    stamp = diskcache.engine_files()
    package = Path(engine.__file__).parent
    modules = [p for p in package.rglob("*.py") if "__pycache__" not in p.parts]
    for module in modules:
        found = module.stat()
        assert f"{module}:{found.st_size}:{found.st_mtime_ns}" in stamp
    for name in ("mapping.v1.json", "settings.v1.json"):
        assert f"{package / '_schemas' / name}:" in stamp  # the schemas, linked in or not
    assert stamp.count("\n") + 1 >= len(modules) + 2
    assert diskcache.engine_stamp() == diskcache.key(stamp)  # what every key is made with


def test_values_come_back_as_they_were_kept(cache: Path) -> None:
    value = ({"a": [1, 2.5, None, True]}, {("fields", 0): (3, 7)}, {("x",)}, "text")
    diskcache.store("demo", "one", value)
    assert diskcache.load("demo", "one") == value
    assert diskcache.load("demo", "other") is None
    assert [p.name for p in (cache / "demo").iterdir()] == ["one.demo"]  # no temporary left
    assert (cache / "demo").stat().st_mode & 0o777 == 0o700  # the owner's alone


@pytest.mark.parametrize("value", [date(2024, 1, 1), Decimal("1.10"), {"when": date.today()}])
def test_a_value_marshal_cannot_write_is_not_kept(cache: Path, value: object) -> None:
    diskcache.store("demo", "one", value)
    assert diskcache.load("demo", "one") is None
    assert not (cache / "demo").exists()


def test_an_entry_of_another_format_or_interpreter_is_a_miss(cache: Path) -> None:
    import importlib.util

    diskcache.store("demo", "one", "kept")
    path = cache / "demo" / "one.demo"
    good = path.read_bytes()
    magic = importlib.util.MAGIC_NUMBER
    for damaged in (
        good.replace(b"ferry-cache-", b"ferry-cache-0"),  # another format
        good.replace(magic, bytes([(magic[0] + 1) % 256]) + magic[1:], 1),  # another Python
        good.replace(b"kept", b"kepT"),  # the value changed, its hash not
    ):
        path.write_bytes(damaged)
        assert diskcache.load("demo", "one") is None
    path.write_bytes(good)
    assert diskcache.load("demo", "one") == "kept"


def test_a_namespace_keeps_its_newest_entries_only(cache: Path) -> None:
    folder = cache / "demo"
    folder.mkdir(parents=True)
    extra = 5
    for number in range(diskcache.MAX_ENTRIES + extra):  # older entries, by modification time
        path = folder / f"old-{number:05d}.demo"
        path.write_bytes(b"")
        os.utime(path, ns=(number * 1_000_000_000, number * 1_000_000_000))
    writes = 70  # a process's first write looks at the size, then every 64th
    for number in range(writes):
        diskcache.store("demo", f"new-{number}", number)
    names = {p.name for p in folder.iterdir()}
    assert len(names) < diskcache.MAX_ENTRIES + writes  # pruned at least once
    assert all(f"new-{n}.demo" in names for n in range(writes))
    assert not any(f"old-{n:05d}.demo" in names for n in range(extra))  # the oldest first
    assert f"old-{diskcache.MAX_ENTRIES + extra - 1:05d}.demo" in names
