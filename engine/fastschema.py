"""A quick "is this valid?" for a JSON Schema, in Rust (jsonschema-rs), before the full check.

Why: jsonschema (Python) was the largest cost of loading a valid spec (about 30 ms of a
200-field spec; each ``$ref`` is looked up again for every value it covers), and most specs
loaded are valid. jsonschema-rs answers the same question in well under a millisecond. It only
answers yes or no: when it says no, the caller runs jsonschema, whose errors Ferry translates
(``engine.load.schema``), so every message and location stays what it was. So it must never say yes
where jsonschema says no. For that:

- formats are checked by jsonschema's own checkers (``FormatChecker``, imported on first use),
  not by jsonschema-rs's, and formats jsonschema does not know pass, as they do there;
- a schema with a regular expression whose meaning differs between Python's ``re`` and
  ECMA-262 in the direction that matters (``\\s``, ``\\D``, ``\\W``, ``\\S``, ``\\b``, ``\\p``,
  inline flags...) gets no quick check: jsonschema alone judges it. The expressions in Ferry's
  own schemas use explicit character classes, for which ECMA accepts no more than Python;
- any error of jsonschema-rs (a schema it cannot build, a value it cannot convert) means no
  quick answer, never a yes.

Without jsonschema-rs installed every document is checked by jsonschema alone: slower, the same
result. ``tests/spec/test_fast_schema.py`` compares the two over the repository's specs and
generated changes of them.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

Precheck = Callable[[Any], bool]

# Regular-expression pieces whose meaning differs between Python and ECMA-262 (or whose
# support does): their schemas are left to jsonschema.
_UNSURE_REGEX = re.compile(r"\\[sSdDwWbBpPcuxkUNZAz0-9]|\(\?[^:]")


@functools.cache
def _binding() -> Any:
    """jsonschema-rs, imported on first use (a command that checks no document does not pay
    for it); None when it is not installed."""
    try:
        return importlib.import_module("jsonschema_rs")
    except ImportError:  # pragma: no cover - only on installs without jsonschema-rs
        return None


def available() -> bool:
    """Whether jsonschema-rs can be used here."""
    return _binding() is not None


@functools.cache
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    return FormatChecker()


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _is_date(value: Any) -> bool:
    """jsonschema's ``date`` check, written out: Ferry's own schemas use this format, and
    importing jsonschema for it would cost more than the whole quick check saves in a fresh
    process (``tests/spec/test_fast_schema.py`` compares the two)."""
    if not isinstance(value, str):
        return True
    if _DATE.fullmatch(value) is None:
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_OWN_FORMATS: dict[str, Callable[[Any], bool]] = {"date": _is_date}


def _conforms(name: str) -> Callable[[Any], bool]:
    """The check of format ``name``: jsonschema's own (imported on first use), or its copy."""
    if name in _OWN_FORMATS:
        return _OWN_FORMATS[name]

    def check(value: Any) -> bool:
        return bool(_format_checker().conforms(value, name))

    return check


def _refuse_remote(uri: str) -> Any:
    raise LookupError(f"Ferry never fetches schemas ({uri})")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a schema, at any depth."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _sure(schemas: Iterable[Any]) -> tuple[bool, set[str]]:
    """Whether every regular expression of the schemas reads the same in both engines, and
    the format names they use."""
    formats: set[str] = set()
    for schema in schemas:
        sure, used = _surveyed(schema)
        formats |= used
        if not sure:
            return False, formats
    return True, formats


# Surveys by schema object: the resources every schema of a kind may ``$ref`` are the same
# objects for every kind (``engine.load.schema`` builds them once per process), and walking them
# all again for each kind was most of a quick check's set-up. The schema is kept with its survey,
# so its id is not reused while the entry lives; schemas are constants, never changed in place.
_SURVEYS: dict[int, tuple[Any, tuple[bool, frozenset[str]]]] = {}


def _surveyed(schema: Any) -> tuple[bool, frozenset[str]]:
    """``_survey`` of one schema, once per schema object."""
    known = _SURVEYS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    found = _survey(schema)
    if len(_SURVEYS) >= 256:  # a process building schemas without end keeps no more
        _SURVEYS.clear()
    _SURVEYS[id(schema)] = (schema, found)
    return found


def _survey(schema: Any) -> tuple[bool, frozenset[str]]:
    formats: set[str] = set()
    for key, value in _walk(schema):
        if key == "format" and isinstance(value, str):
            formats.add(value)
        regexes = [value] if key == "pattern" else []
        if key == "patternProperties" and isinstance(value, Mapping):
            regexes = list(value)
        if any(isinstance(r, str) and _UNSURE_REGEX.search(r) for r in regexes):
            return False, frozenset(formats)
    return True, frozenset(formats)


def precheck(schema: Mapping[str, Any], resources: Mapping[str, Any]) -> Precheck | None:
    """A yes-or-no validity check of ``schema`` (``$ref`` resolved among ``resources``, by
    URI, never fetched), or None when jsonschema-rs is missing or cannot be trusted with it."""
    rs = _binding()
    if rs is None:
        return None
    sure, formats = _sure([schema, *resources.values()])
    if not sure:
        return None
    try:
        validator = rs.Draft202012Validator(
            schema,
            registry=rs.Registry(list(resources.items())) if resources else None,
            formats={name: _conforms(name) for name in formats},
            validate_formats=True,
            ignore_unknown_formats=True,
            retriever=_refuse_remote,
        )
    except Exception:  # a schema it cannot build: jsonschema judges alone
        return None

    def is_valid(instance: Any) -> bool:
        try:
            return bool(validator.is_valid(instance))
        except Exception:  # a value it cannot convert: no quick answer
            return False

    return is_valid
