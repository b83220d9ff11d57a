"""The disk cache's rules (``engine.diskcache``): keys, stamps, what is kept, the bound."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine import diskcache
from tests.conftest import cache_rows, change_cache_rows


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
    assert diskcache.load("other-kind", "one") is None
    assert list(cache_rows(cache, "demo")) == ["one"]
    assert {p.name for p in cache.iterdir()} <= {diskcache.FILE, *_beside(diskcache.FILE)}
    assert cache.stat().st_mode & 0o777 == 0o700  # the owner's alone


def _beside(name: str) -> tuple[str, str]:
    """SQLite's write-ahead log and its index, beside the file while a connection is open."""
    return f"{name}-wal", f"{name}-shm"


@pytest.mark.parametrize("value", [date(2024, 1, 1), Decimal("1.10"), {"when": date.today()}])
def test_a_value_marshal_cannot_write_is_not_kept(cache: Path, value: object) -> None:
    diskcache.store("demo", "one", value)
    assert diskcache.load("demo", "one") is None
    assert not cache.exists()  # nothing made for it


def test_an_entry_of_another_format_or_interpreter_is_a_miss(cache: Path) -> None:
    import importlib.util

    diskcache.store("demo", "one", "kept")
    [(good, _)] = cache_rows(cache, "demo").values()
    magic = importlib.util.MAGIC_NUMBER
    for damaged in (
        good.replace(b"ferry-cache-", b"ferry-cache-0"),  # another format
        good.replace(magic, bytes([(magic[0] + 1) % 256]) + magic[1:], 1),  # another Python
        good.replace(b"kept", b"kepT"),  # the value changed, its hash not
        good[: len(good) - 2],  # truncated
    ):
        change_cache_rows(cache, "demo", lambda _old, damaged=damaged: damaged)
        assert diskcache.load("demo", "one") is None
    change_cache_rows(cache, "demo", lambda _old: good)
    assert diskcache.load("demo", "one") == "kept"


def test_a_value_found_under_another_key_is_a_miss(cache: Path) -> None:
    diskcache.store("demo", "one", "kept")
    diskcache.store("demo", "two", "other")
    [(one, _)] = [row for key, row in cache_rows(cache, "demo").items() if key == "one"]
    with contextlib.closing(sqlite3.connect(cache / diskcache.FILE)) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE entry = 'two'", (one,))  # as damage might
    assert diskcache.load("demo", "two") is None
    assert diskcache.load("demo", "one") == "kept"


def test_a_file_that_is_not_a_database_is_made_again(cache: Path) -> None:
    cache.mkdir()
    (cache / diskcache.FILE).write_bytes(b"not a database, " * 256)
    diskcache.store("demo", "one", 1)
    assert diskcache.load("demo", "one") == 1
    assert list(cache_rows(cache, "demo")) == ["one"]  # a database again, holding the entry


def test_a_cache_that_cannot_be_made_is_off_without_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder\n")  # no folder can be made under it, even by root
    monkeypatch.setenv(diskcache.ENV, str(blocked / "cache"))
    diskcache.store("demo", "one", 1)
    assert diskcache.load("demo", "one") is None
    assert blocked.read_text() == "not a folder\n"


def test_entries_kept_as_files_before_are_removed_by_the_first_write(cache: Path) -> None:
    key = "0123456789abcdef0123456789abcdef01234567"
    old_code, old_parse = cache / "code", cache / "parse"
    old_code.mkdir(parents=True)
    old_parse.mkdir()
    (old_code / f"{key}.code").write_bytes(b"old")
    (old_code / f".{key}.code.12.34.tmp").write_bytes(b"half")
    (old_parse / f"{key}.parse").write_bytes(b"old")
    (old_parse / "notes.txt").write_text("someone else's\n")  # not named as an entry was

    diskcache.store("demo", "one", 1)

    assert not old_code.exists()  # its entries removed, then the folder left empty
    assert [p.name for p in old_parse.iterdir()] == ["notes.txt"]  # only the entry went
    assert diskcache.load("demo", "one") == 1


def test_a_kind_keeps_its_most_recently_used_entries_only(cache: Path) -> None:
    diskcache.store("demo", "first", 0)  # the process's first write of the kind: file made
    extra = 5
    with contextlib.closing(sqlite3.connect(cache / diskcache.FILE)) as db, db:
        db.executemany(  # older entries, used long ago, one second apart
            "INSERT INTO entries VALUES ('demo', ?, x'00', ?)",
            [
                (f"old-{number:05d}", float(number))
                for number in range(diskcache.MAX_ENTRIES + extra)
            ],
        )
        db.execute("INSERT INTO entries VALUES ('other', 'kept', x'00', 0.0)")
    writes = 70  # a process's first write looks at the size, then every 64th
    for number in range(writes):
        diskcache.store("demo", f"new-{number}", number)
    names = set(cache_rows(cache, "demo"))
    assert len(names) < diskcache.MAX_ENTRIES  # pruned at least once, below the bound
    assert all(f"new-{n}" in names for n in range(writes))
    assert not any(f"old-{n:05d}" in names for n in range(extra))  # the oldest first
    assert f"old-{diskcache.MAX_ENTRIES + extra - 1:05d}" in names
    assert list(cache_rows(cache, "other")) == ["kept"]  # another kind's entries untouched
