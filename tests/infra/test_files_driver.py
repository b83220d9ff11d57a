"""The files driver: round trips in every format, changed-since reads, located bad-file errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from engine.errors import ConfigError, ConflictError, NotFoundError, PermanentError, RejectedError
from engine.run.drivers.base import Driver
from engine.run.drivers.files import FilesDriver


def make(folder: Path, fmt: str) -> FilesDriver:
    return FilesDriver(name="files", options={"path": str(folder), "format": fmt}, client=None)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    files = make(tmp_path, fmt)
    assert isinstance(files, Driver)
    created = files.create("customer", {"id": "C1", "name": "Acme", "balance": Decimal("10.10")})
    assert created.created and created.id == "C1"
    generated = files.create("customer", {"name": "Globex"})
    assert generated.id
    files.update("customer", "C1", {"name": "Acme Ltd"})
    files.upsert("customer", "C9", {"name": "Initech"})
    files.upsert("customer", "C9", {"name": "Initech Inc"})

    reopened = make(tmp_path, fmt)  # everything went to disk
    record = reopened.get("customer", "C1")
    assert record is not None and record["name"] == "Acme Ltd"
    expected = "10.10" if fmt == "csv" else Decimal("10.10")
    assert record["balance"] == expected
    assert [r["id"] for r in reopened.find("customer", {"name": "Initech Inc"})] == ["C9"]
    assert reopened.get("customer", "nope") is None
    assert reopened.capabilities.objects == ("customer",)
    assert [p.name for p in tmp_path.iterdir()] == [f"customer.{fmt}"]  # no temp files left


def test_read_changed_filters_orders_and_pages(tmp_path: Path) -> None:
    (tmp_path / "account.jsonl").write_text(
        '{"id": "b", "updated_at": "2024-03-01T00:00:00Z"}\n'
        '{"id": "a", "updated_at": "2024-01-01T00:00:00+00:00"}\n'
        "\n"
        '{"id": "c", "updated_at": "2024-02-01T00:00:00"}\n'
        '{"id": "d", "updated_at": "2024-03-01T00:00:00Z"}\n'
    )
    files = make(tmp_path, "jsonl")
    pages = list(files.read_changed("account", None, page_size=3))
    assert [[r.id for r in p.records] for p in pages] == [["a", "c", "b"], ["d"]]
    assert (pages[0].cursor, pages[1].cursor) == ("3", None)
    since = datetime(2024, 2, 1, tzinfo=UTC)
    changed = [r.id for p in files.read_changed("account", since) for r in p.records]
    assert changed == ["c", "b", "d"]
    assert pages[0].records[1].updated_at.tzinfo is not None
    assert list(files.read_changed("missing_object", None)) == []


def test_writes_stamp_the_updated_field(tmp_path: Path) -> None:
    files = make(tmp_path, "json")
    before = datetime.now(UTC)
    files.create("invoice", {"id": "I1", "updated_at": "1999-01-01T00:00:00Z"})
    [page] = files.read_changed("invoice", before)
    assert [r.id for r in page.records] == ["I1"]


def test_write_errors_are_driver_errors(tmp_path: Path) -> None:
    files = make(tmp_path, "csv")
    files.create("customer", {"id": "C1"})
    with pytest.raises(ConflictError):
        files.create("customer", {"id": "C1"})
    with pytest.raises(NotFoundError):
        files.update("customer", "C2", {"name": "x"})
    with pytest.raises(RejectedError):
        files.update("customer", "C1", {"id": "C3"})
    with pytest.raises(PermanentError, match="invalid object name"):
        files.get("../etc/passwd", "1")


@pytest.mark.parametrize(
    ("name", "content", "where", "reason"),
    [
        ("a.json", '[\n  {"id": 1},\n  {"id": 2,}\n]', "a.json:3", "invalid JSON"),
        ("a.json", '{"id": 1}', "a.json:1", "expected a JSON array"),
        ("a.json", '[\n {"id": 1},\n 7\n]', "a.json:3", "must be a JSON object"),
        ("a.json", '[\n {"id": 1}\n {"id": 2}\n]', "a.json:3", "expected ',' or ']'"),
        ("a.json", '[\n {"id": 1},\n {"name": "x"}\n]', "a.json:3", "record has no 'id'"),
        ("a.jsonl", '{"id": 1}\n{"id": 2}\n{"id": \n', "a.jsonl:3", "invalid JSON"),
        ("a.jsonl", '{"id": 1}\n\n{"id": 1}\n', "a.jsonl:3", "duplicate id '1' (first at line 1)"),
        ("a.csv", "id,name\n1,x\n2,y,z\n", "a.csv:3", "expected 2 values"),
        ("a.csv", "id,name\n1,x\n2\n", "a.csv:3", "expected 2 values"),
        ("a.csv", "id,id\n1,2\n", "a.csv:1", "repeats a column name"),
        ("a.csv", 'id,name\n1,"x\n', "a.csv", "invalid CSV"),
        ("a.csv", "id,name\n,x\n", "a.csv:2", "record has no 'id'"),
    ],
)
def test_bad_files_are_located_errors(
    tmp_path: Path, name: str, content: str, where: str, reason: str
) -> None:
    (tmp_path / name).write_text(content)
    files = make(tmp_path, name.split(".")[1])
    with pytest.raises(PermanentError) as caught:
        files.get("a", "1")
    message = str(caught.value)
    assert f"{tmp_path / where}" in message
    assert reason in message


def test_bad_updated_value_and_non_utf8_are_located(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": 1, "updated_at": "2024-01-01Z"}\n{"id": 2}\n')
    with pytest.raises(PermanentError, match=r"a\.jsonl:1: 'updated_at' is not an ISO-8601"):
        list(make(tmp_path, "jsonl").read_changed("a", None))
    (tmp_path / "b.csv").write_bytes(b"id,name\n1,ok\n2,caf\xe9\n")
    with pytest.raises(PermanentError, match=r"b\.csv:3: the file is not UTF-8"):
        make(tmp_path, "csv").get("b", "1")


def test_options_are_checked_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        make(tmp_path / "absent", "csv")
    with pytest.raises(ConfigError, match="unknown format"):
        make(tmp_path, "xml")


def test_external_edits_are_seen(tmp_path: Path) -> None:
    files = make(tmp_path, "jsonl")
    files.create("a", {"id": "1"})
    (tmp_path / "a.jsonl").write_text('{"id": "1", "v": 1}\n{"id": "2", "v": 22}\n')
    record = files.get("a", "2")
    assert record is not None and record["v"] == 22
