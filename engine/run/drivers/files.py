"""A folder of data files as an endpoint: one file per object, in JSON, JSON Lines or CSV.

Why: exports, fixtures and one-off loads are files, and a spec should map them exactly as it
maps an API. It is also the simplest complete driver, useful as a reference for plugin authors.

Usage (normally built from a connections file, ``driver: files``)::

    from engine.run.drivers.files import FilesDriver

    files = FilesDriver(name="export", options={"path": "/data/out", "format": "csv"}, client=None)
    files.create("customer", {"id": "C1", "name": "Acme"})     # writes /data/out/customer.csv
    for page in files.read_changed("customer", since=None): ...

Each file holds records with an id (``id_field``) and a last-modified time (``updated_field``,
ISO-8601; naive times are UTC). Writes stamp ``updated_field`` with the current time, as a real
endpoint would, and replace the file atomically (temp file, fsync, ``os.replace``), so a reader
never sees half a file. A bad file is a ``PermanentError`` naming ``file:line``. CSV holds only
text: numbers come back as strings, and an empty cell as the empty string.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Final

import httpx

from engine import jsonio
from engine.atomic import replace_atomically
from engine.errors import ConfigError, ConflictError, NotFoundError, PermanentError, RejectedError
from engine.run.drivers.base import Capabilities, Page, Record, SourceRecord, WriteResult

EXTENSIONS: Final = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv"}
DEFAULT_PAGE_SIZE: Final = 500
_OBJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass
class _Table:
    """One file's records in file order, with the line each starts on (for error messages)."""

    rows: list[Record]
    lines: list[int]
    signature: tuple[int, int] | None = None

    def index_of(self, id_field: str, record_id: str) -> int | None:
        for position, row in enumerate(self.rows):
            if _text(row.get(id_field)) == record_id:
                return position
        return None


class FilesDriver:
    """The ``files`` driver; options: ``path``, ``format``, ``id_field``, ``updated_field``."""

    options_schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "description": "A folder holding one data file per object (customer.csv, invoice.csv...).",
        "required": ["path"],
        "additionalProperties": False,
        "properties": {
            "path": {
                "type": "string",
                "minLength": 1,
                "description": "The folder, relative to the connections file.",
                "examples": ["data/export"],
            },
            "format": {
                "enum": list(EXTENSIONS),
                "default": "jsonl",
                "description": "File format: a JSON array, JSON Lines, or CSV with a header row.",
            },
            "id_field": {
                "type": "string",
                "minLength": 1,
                "default": "id",
                "description": "The field holding each record's id.",
            },
            "updated_field": {
                "type": "string",
                "minLength": 1,
                "default": "updated_at",
                "description": "The field holding each record's last-modified time (ISO-8601).",
            },
        },
    }
    secret_options: ClassVar[frozenset[str]] = frozenset()
    path_options: ClassVar[frozenset[str]] = frozenset({"path"})

    def __init__(
        self, *, name: str, options: Mapping[str, Any], client: httpx.Client | None = None
    ) -> None:
        self.name = name
        self.folder = Path(str(options["path"]))
        self.format = str(options.get("format", "jsonl"))
        self.id_field = str(options.get("id_field", "id"))
        self.updated_field = str(options.get("updated_field", "updated_at"))
        if self.format not in EXTENSIONS:
            raise ConfigError(f"endpoint '{name}': unknown format {self.format!r}")
        if not self.folder.is_dir():
            raise ConfigError(f"endpoint '{name}': folder {self.folder} does not exist")
        self.capabilities = Capabilities(upsert_external_id=True, objects=self._objects())
        self._lock = threading.RLock()
        self._tables: dict[str, _Table] = {}

    def __repr__(self) -> str:
        return f"FilesDriver({self.name!r}, {str(self.folder)!r}, format={self.format!r})"

    # -- reading -------------------------------------------------------------------------------

    def read_changed(
        self, obj: str, since: datetime | None, *, page_size: int | None = None
    ) -> Iterator[Page]:
        """Records modified at or after ``since``, oldest first (ties by id), in pages."""
        size = page_size or DEFAULT_PAGE_SIZE
        table = self._load(obj)
        stamped = [
            SourceRecord(_text(row[self.id_field]), self._updated(obj, row, line), dict(row))
            for row, line in zip(table.rows, table.lines, strict=True)
        ]
        changed = sorted(
            (r for r in stamped if since is None or r.updated_at >= _aware(since)),
            key=lambda r: (r.updated_at, r.id),
        )
        for start in range(0, len(changed), size):
            more = start + size < len(changed)
            yield Page(changed[start : start + size], str(start + size) if more else None)

    def get(self, obj: str, record_id: str) -> Record | None:
        table = self._load(obj)
        position = table.index_of(self.id_field, record_id)
        return None if position is None else dict(table.rows[position])

    def find(self, obj: str, key: Mapping[str, Any]) -> list[Record]:
        """Records whose fields equal every value in ``key`` (as text, since CSV holds text)."""
        rows = self._load(obj).rows
        return [dict(r) for r in rows if all(_same(r.get(k), v) for k, v in key.items())]

    def find_many(self, obj: str, field: str, values: Sequence[Any]) -> list[Record]:
        """Records whose ``field`` is any of ``values``."""
        rows = self._load(obj).rows
        return [dict(r) for r in rows if any(_same(r.get(field), v) for v in values)]

    # -- writing -------------------------------------------------------------------------------

    def create(
        self, obj: str, payload: Record, *, idempotency_key: str | None = None
    ) -> WriteResult:
        """Append a record; its id comes from the payload or is generated."""
        with self._lock:
            table = self._load(obj)
            record_id = _text(payload.get(self.id_field)) or uuid.uuid4().hex
            if table.index_of(self.id_field, record_id) is not None:
                raise ConflictError(
                    f"a record with {self.id_field} {record_id!r} exists",
                    endpoint=self.name,
                    operation=f"create {obj}",
                )
            row = {**payload, self.id_field: record_id, self.updated_field: _now()}
            table.rows.append(row)
            table.lines.append(0)
            self._save(obj, table)
        return WriteResult(record_id, created=True, record=dict(row))

    def update(
        self, obj: str, record_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """Change the fields in ``payload``; the id cannot change. The merged row costs no
        request, so it is returned whatever ``read_back`` says."""
        with self._lock:
            table = self._load(obj)
            position = table.index_of(self.id_field, record_id)
            if position is None:
                raise NotFoundError(
                    f"no record with {self.id_field} {record_id!r}",
                    endpoint=self.name,
                    operation=f"update {obj}",
                )
            row = self._merged(obj, table.rows[position], record_id, payload)
            table.rows[position] = row
            self._save(obj, table)
        return WriteResult(record_id, created=False, record=dict(row))

    def upsert(
        self, obj: str, external_id: str, payload: Record, *, read_back: bool = True
    ) -> WriteResult:
        """Update the record whose id is ``external_id``, or create it with that id (the record
        comes back at no cost, so ``read_back`` changes nothing)."""
        with self._lock:
            if self._load(obj).index_of(self.id_field, external_id) is not None:
                return self.update(obj, external_id, payload)
            return self.create(obj, {**payload, self.id_field: external_id})

    def read_fields(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """``fields`` of the rows whose id is in ``ids``."""
        wanted = set(ids)
        rows = self._load(obj).rows
        return {
            _text(r[self.id_field]): {f: r.get(f) for f in fields}
            for r in rows
            if self.id_field in r and _text(r[self.id_field]) in wanted
        }

    def close(self) -> None:
        """Nothing is held open between calls."""

    def _merged(self, obj: str, row: Record, record_id: str, payload: Record) -> Record:
        new_id = payload.get(self.id_field)
        if new_id is not None and _text(new_id) != record_id:
            raise RejectedError(
                f"{self.id_field} cannot change ({record_id!r} -> {_text(new_id)!r})",
                endpoint=self.name,
                operation=f"update {obj}",
            )
        return {**row, **payload, self.id_field: row[self.id_field], self.updated_field: _now()}

    # -- files ---------------------------------------------------------------------------------

    def _objects(self) -> tuple[str, ...]:
        suffix = EXTENSIONS[self.format]
        return tuple(sorted(p.stem for p in self.folder.glob(f"*{suffix}") if p.is_file()))

    def _path(self, obj: str) -> Path:
        if not _OBJECT_NAME.match(obj) or ".." in obj:
            raise PermanentError(f"invalid object name {obj!r}", endpoint=self.name)
        return self.folder / f"{obj}{EXTENSIONS[self.format]}"

    def _load(self, obj: str) -> _Table:
        """The table for ``obj``, re-read only when the file changed on disk."""
        path = self._path(obj)
        with self._lock:
            signature = _signature(path)
            cached = self._tables.get(obj)
            if cached is not None and cached.signature == signature:
                return cached
            table = self._parse(path, obj) if signature else _Table([], [])
            table.signature = signature
            self._tables[obj] = table
            return table

    def _parse(self, path: Path, obj: str) -> _Table:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise self._bad(path, line, "the file is not UTF-8", obj) from exc
        except OSError as exc:
            raise self._bad(path, 0, f"cannot be read ({exc.strerror})", obj) from exc
        parse = {"json": _parse_json, "jsonl": _parse_jsonl, "csv": _parse_csv}[self.format]
        try:
            table = parse(text)
        except _BadRow as exc:
            raise self._bad(path, exc.line, exc.reason, obj) from exc.__cause__
        self._check_ids(path, obj, table)
        return table

    def _check_ids(self, path: Path, obj: str, table: _Table) -> None:
        seen: dict[str, int] = {}
        for row, line in zip(table.rows, table.lines, strict=True):
            record_id = _text(row.get(self.id_field))
            if not record_id:
                raise self._bad(path, line, f"record has no '{self.id_field}'", obj)
            if record_id in seen:
                where = f"first at line {seen[record_id]}"
                raise self._bad(
                    path, line, f"duplicate {self.id_field} {record_id!r} ({where})", obj
                )
            seen[record_id] = line

    def _updated(self, obj: str, row: Record, line: int) -> datetime:
        value = row.get(self.updated_field)
        try:
            if isinstance(value, datetime):
                return _aware(value)
            return _aware(datetime.fromisoformat(str(value)))
        except ValueError:
            reason = f"'{self.updated_field}' is not an ISO-8601 time: {value!r}"
            raise self._bad(self._path(obj), line, reason, obj) from None

    def _save(self, obj: str, table: _Table) -> None:
        path = self._path(obj)
        data = _ENCODERS[self.format](table.rows)
        try:
            replace_atomically(path, data)
        except OSError as exc:
            raise PermanentError(
                f"cannot write {path}: {exc.strerror}", endpoint=self.name, operation=f"write {obj}"
            ) from exc
        table.signature = _signature(path)
        self._tables[obj] = table

    def _bad(self, path: Path, line: int, reason: str, obj: str) -> PermanentError:
        where = f"{path}:{line}" if line else str(path)
        return PermanentError(f"{where}: {reason}", endpoint=self.name, operation=f"read {obj}")


# -- parsing: each returns rows with their line numbers, or raises _BadRow ----------------------


class _BadRow(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


def _parse_json(text: str) -> _Table:
    """A JSON array of objects, decoded element by element so each keeps its line number."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    position = _skip(text, 0)
    if not text.startswith("[", position):
        raise _BadRow(_line_at(text, position), "expected a JSON array of records")
    rows, lines = [], []
    position = _skip(text, position + 1)
    while not text.startswith("]", position):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise _BadRow(exc.lineno, f"invalid JSON: {exc.msg}") from exc
        rows.append(_object(value, _line_at(text, position)))
        lines.append(_line_at(text, position))
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif not text.startswith("]", position):
            raise _BadRow(_line_at(text, position), "expected ',' or ']' between records")
    return _Table(rows, lines)


def _parse_jsonl(text: str) -> _Table:
    rows, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = jsonio.loads_exact(line)
        except ValueError as exc:
            raise _BadRow(number, f"invalid JSON: {getattr(exc, 'msg', exc)}") from exc
        rows.append(_object(value, number))
        lines.append(number)
    return _Table(rows, lines)


def _parse_csv(text: str) -> _Table:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    rows, lines = [], []
    try:
        header = reader.fieldnames or []
        if len(set(header)) != len(header):
            raise _BadRow(1, "the header row repeats a column name")
        for row in reader:
            if None in row or None in row.values():
                raise _BadRow(reader.line_num, f"expected {len(header)} values, as in the header")
            rows.append(dict(row))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise _BadRow(reader.line_num, f"invalid CSV: {exc}") from exc
    return _Table(rows, lines)


def _object(value: object, line: int) -> Record:
    if not isinstance(value, dict):
        raise _BadRow(line, f"a record must be a JSON object, not {type(value).__name__}")
    return value


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


# -- encoding ------------------------------------------------------------------------------------


def _encode_json(rows: list[Record]) -> bytes:
    return jsonio.dumps(rows, pretty=True) + b"\n"


def _encode_jsonl(rows: list[Record]) -> bytes:
    return b"".join(jsonio.dumps(row) + b"\n" for row in rows)


def _encode_csv(rows: list[Record]) -> bytes:
    header = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue().encode()


_ENCODERS: Final = {"json": _encode_json, "jsonl": _encode_jsonl, "csv": _encode_csv}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return jsonio.dumps_str(value)


# -- values --------------------------------------------------------------------------------------


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _same(actual: Any, expected: Any) -> bool:
    return bool(actual == expected) or (actual is not None and _text(actual) == _text(expected))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


__all__ = ["FilesDriver"]
