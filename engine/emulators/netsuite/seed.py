"""Load a seed folder into a fresh store.

Why files: a demo or an end-to-end test starts from a known account (customers that already
exist in NetSuite, items, open invoices) without replaying API calls. The folder holds

* ``<recordType>.json`` - a list of records in the REST *write* shape (references as
  ``{"id": "1"}``, sublists as ``{"items": [...]}``), each optionally with ``id``,
  ``dateCreated`` and ``lastModifiedDate`` (ISO-8601); file names match record types in any case;
* ``autonumber.json`` - per-type auto-numbering settings (see ``store.AutoNumber``);
* ``lists.json`` - optional ``{"subsidiary": {"1": "Parent Company"}, "currency": {...}, ...}``;
* ``custom_fields.json`` - optional ``{"customer": ["custentity_extra"], ...}``: extra free-form
  text custom fields.

Seeds are checked as strictly as API writes (unknown field names are errors), and any other
``.json`` file is an error, so a misspelt file name does not silently load nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import jsonio
from engine.emulators.netsuite import writes
from engine.emulators.netsuite.nserror import NsError
from engine.emulators.netsuite.schema import RECORD_TYPES, canonical_type
from engine.emulators.netsuite.store import Store
from engine.emulators.netsuite.validate import normalise

SETTINGS_FILES = ("autonumber.json", "lists.json", "custom_fields.json")
_SERVER_FIELDS = ("id", "dateCreated", "lastModifiedDate")


@dataclass
class SeedSettings:
    """What must be known before the store is built."""

    autonumber: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_fields: dict[str, list[str]] = field(default_factory=dict)


def read_settings(data_dir: Path | None) -> SeedSettings:
    if data_dir is None:
        return SeedSettings()
    if not data_dir.is_dir():
        raise ValueError(f"NetSuite seed folder {data_dir} does not exist")
    values = [_read(data_dir / name, {}) for name in SETTINGS_FILES]
    custom = {canonical_type(k) or k: list(v) for k, v in values[2].items()}
    unknown = [k for k in custom if k not in RECORD_TYPES]
    if unknown:
        raise ValueError(f"custom_fields.json: unknown record types {unknown}")
    return SeedSettings(values[0], values[1], custom)


def load_records(store: Store, data_dir: Path | None) -> int:
    """Load every record file into ``store`` in dependency order; return how many records."""
    if data_dir is None:
        return 0
    files = _record_files(data_dir)
    count = 0
    for type_name in RECORD_TYPES:
        path = files.get(type_name)
        if path is None:
            continue
        records = _read(path, [])
        if not isinstance(records, list):
            raise ValueError(f"{path}: expected a JSON list of records")
        for index, data in enumerate(records):
            _load_one(store, type_name, data, f"{path.name}[{index}]")
            count += 1
    return count


def _record_files(data_dir: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(data_dir.glob("*.json")):
        if path.name in SETTINGS_FILES:
            continue
        type_name = canonical_type(path.stem)
        if type_name is None:
            raise ValueError(f"{path}: not a record type the NetSuite emulator knows")
        files[type_name] = path
    return files


def _load_one(store: Store, type_name: str, data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a record object")
    rtype = store.types[type_name]
    body = {k: v for k, v in data.items() if k not in _SERVER_FIELDS}
    try:
        changes = normalise(store, rtype.fields, body, reject_unknown=True)
        with store.lock:
            record_id = str(data["id"]) if "id" in data else store.new_id(rtype)
            now = store.stamp()
            created = _moment(data.get("dateCreated"), now, where)
            modified = _moment(data.get("lastModifiedDate"), created, where)
            writes.create(store, rtype, changes, seeded=(record_id, created, modified))
    except NsError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _moment(value: Any, default: datetime, where: str) -> datetime:
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not an ISO-8601 datetime") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0)


def _read(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return jsonio.loads_exact(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
