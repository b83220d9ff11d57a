"""Turn a request body into stored field values, collecting every problem like the real service.

Why separate from the write rules: this step only checks *shape* (known field names, value
types, references that resolve) and produces normalised values - references as ``{"id"}``,
money as ``Decimal``, sublists as lists of lines. Whether a record is complete, how it is
numbered and what it applies to are decided afterwards, on the merged record, in ``writes.py``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from engine.emulators.netsuite.nserror import Detail, NsError
from engine.emulators.netsuite.schema import LINES, LISTS, SUBRECORDS, Field, Fields, Kind
from engine.emulators.netsuite.store import Record, Store

IGNORED = frozenset({"links", "refName"})
"""Keys a client may echo back from a GET; they carry no value and are dropped."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_only_detail(name: str) -> Detail:
    """NetSuite's wording for a field that cannot be set (read-only or locked by a setting)."""
    return Detail(
        f"You do not have permissions to set a value for element {name.lower()} due to one of "
        "the following reasons: 1) The field is read-only; 2) An associated feature is disabled; "
        "3) The field is available either when a record is created or updated, but not in both "
        "cases.",
        "INSUFFICIENT_PERMISSION",
        name,
    )


class Normaliser:
    """Checks one body against a field table; ``problems`` collects what is wrong, in order."""

    def __init__(self, store: Store, *, reject_unknown: bool) -> None:
        self.store = store
        self.reject_unknown = reject_unknown
        self.problems: list[Detail] = []

    def body(self, fields: Fields, body: Any, prefix: str = "") -> Record:
        """Normalise an object of ``fields``; unknown names are errors or dropped."""
        if not isinstance(body, dict):
            self._bad(prefix.rstrip(".") or None, "The request body must be a JSON object.")
            return {}
        out: Record = {}
        for name, value in body.items():
            path = f"{prefix}{name}"
            spec = fields.get(name)
            if name in IGNORED:
                continue
            if spec is None:
                if self.reject_unknown:
                    self._bad(path, f"Invalid field name: '{name}'. The record has no such field.")
                continue
            if spec.read_only:
                self.problems.append(read_only_detail(name))
                continue
            normalised = self.value(spec, value, path)
            if normalised is not _BAD:
                out[name] = normalised
        return out

    def value(self, spec: Field, value: Any, path: str) -> Any:
        if value is None:
            return None  # an explicit null clears the field
        handler = _HANDLERS[spec.kind]
        return handler(self, spec, value, path)

    def _bad(self, path: str | None, detail: str) -> object:
        self.problems.append(Detail(detail, "INVALID_CONTENT", path))
        return _BAD

    def _type(self, path: str, expected: str) -> object:
        return self._bad(path, f"Invalid value for the field '{path}': expected {expected}.")

    # -- kinds -------------------------------------------------------------------------------
    def _str(self, spec: Field, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            return self._type(path, "a string")
        if spec.max_length is not None and len(value) > spec.max_length:
            return self._bad(
                path,
                f"Invalid value for the field '{path}': at most {spec.max_length} characters.",
            )
        if spec.enum and value not in spec.enum:
            return self._bad(path, f"Invalid value for the field '{path}': '{value}'.")
        return value

    def _bool(self, spec: Field, value: Any, path: str) -> Any:
        return value if isinstance(value, bool) else self._type(path, "true or false")

    def _number(self, spec: Field, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            return self._type(path, "a number")
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        return number if number.is_finite() else self._type(path, "a finite number")

    def _date(self, spec: Field, value: Any, path: str) -> Any:
        if isinstance(value, str) and _DATE.match(value):
            try:
                date.fromisoformat(value)
                return value
            except ValueError:
                pass
        return self._type(path, "a date as YYYY-MM-DD")

    def _ref(self, spec: Field, value: Any, path: str) -> Any:
        if not isinstance(value, dict) or not ({"id", "externalId"} & set(value)):
            return self._type(path, 'a reference {"id": ...} or {"externalId": ...}')
        found = self._resolve(spec.target, value)
        if found is None:
            shown = value.get("id", value.get("externalId"))
            return self._bad(
                path,
                "Error while accessing resource: You have entered an Invalid "
                f"Field Value {shown} for the following field: "
                f"{path.rsplit('.', 1)[-1]}",
            )
        return {"id": found}

    def _resolve(self, targets: tuple[str, ...], value: dict[str, Any]) -> str | None:
        if "id" in value:
            ident = value["id"]
            if isinstance(ident, bool) or not isinstance(ident, str | int):
                return None
            ident = str(ident)
            if targets[0] in LISTS:
                return ident if ident in self.store.lists[targets[0]] else None
            return ident if self.store.find_any(targets, ident) else None
        external = value["externalId"]
        if targets[0] in LISTS or not isinstance(external, str):
            return None
        return self.store.id_for_external(targets, external)

    def _multi(self, spec: Field, value: Any, path: str) -> Any:
        items = self._items(value, path)
        if items is None:
            return _BAD
        refs = [self._ref(spec, item, f"{path}.items[{i}]") for i, item in enumerate(items)]
        return _BAD if _BAD in refs else refs

    def _sublist(self, spec: Field, value: Any, path: str) -> Any:
        items = self._items(value, path)
        if items is None:
            return _BAD
        fields = LINES[spec.target[0]]
        return [self.body(fields, item, f"{path}.items[{i}].") for i, item in enumerate(items)]

    def _server_set(self, spec: Field, value: Any, path: str) -> Any:
        self.problems.append(read_only_detail(spec.name))
        return _BAD

    def _subrecord(self, spec: Field, value: Any, path: str) -> Any:
        return self.body(SUBRECORDS[spec.name], value, f"{path}.")

    def _items(self, value: Any, path: str) -> list[Any] | None:
        if isinstance(value, dict) and isinstance(value.get("items"), list):
            return list(value["items"])
        self._type(path, 'a collection {"items": [...]}')
        return None


_BAD = object()

_HANDLERS = {
    Kind.STR: Normaliser._str,
    Kind.BOOL: Normaliser._bool,
    Kind.MONEY: Normaliser._number,
    Kind.NUMBER: Normaliser._number,
    Kind.DATE: Normaliser._date,
    Kind.REF: Normaliser._ref,
    Kind.MULTI: Normaliser._multi,
    Kind.SUBLIST: Normaliser._sublist,
    Kind.SUBRECORD: Normaliser._subrecord,
    Kind.DATETIME: Normaliser._server_set,
}


def normalise(store: Store, fields: Fields, body: Any, *, reject_unknown: bool) -> Record:
    """Normalise ``body`` or raise a 400 listing every problem found."""
    checker = Normaliser(store, reject_unknown=reject_unknown)
    out = checker.body(fields, body)
    if checker.problems:
        raise NsError(400, checker.problems)
    return out
