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


# Per-object memos: the resources every schema of a kind may ``$ref`` are the same objects for
# every kind (``engine.load.schema`` builds them once per process), and surveying them, or
# building a registry of them, again for each kind was most of a quick check's set-up. Each
# entry keeps the objects its key names, so their ids are not reused while it lives; schemas
# are constants, never changed in place.
_SURVEYS: dict[int, tuple[Any, tuple[bool, frozenset[str]]]] = {}
_REGISTRIES: dict[tuple[tuple[str, int], ...], tuple[list[Any], Any]] = {}
_MEMO_SIZE = 256  # a process building schemas without end keeps no more


def _surveyed(schema: Any) -> tuple[bool, frozenset[str]]:
    """``_survey`` of one schema, once per schema object."""
    known = _SURVEYS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    found = _survey_text(schema)
    if found is None:
        found = _survey(schema)
    if len(_SURVEYS) >= _MEMO_SIZE:
        _SURVEYS.clear()
    _SURVEYS[id(schema)] = (schema, found)
    return found


def _survey(schema: Any) -> tuple[bool, frozenset[str]]:
    """The survey by a walk of the objects: the definition ``_survey_text`` must agree with."""
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


# A key that matters to the survey and, when it is text, its value (a JSON string's body); one
# expression per key, so that the search skips to the key's text. Compiled on first use: every
# command that imports the transforms imports this module, most never survey a schema.
_STRING = rb'\s*:\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)")?'


@functools.cache
def _keyed(key: bytes) -> re.Pattern[bytes]:
    return re.compile(b'"' + key + b'"' + _STRING)


def _survey_text(schema: Any) -> tuple[bool, frozenset[str]] | None:
    """``_survey`` read from the schema's JSON text, or None when only the walk can tell.

    Why: the walk, in Python, over the 8,000-odd nodes of Ferry's schemas was half of a quick
    check's set-up in a fresh process; orjson writes them and a regular expression finds the
    keys that matter in a tenth of the time. In JSON text a quote outside a string opens one,
    so every ``"pattern": "..."`` found is a real key and value, or (when its first quote is an
    escaped one, inside a string) a false find, which can only add a regex to judge (never make
    "sure" true) or a format to check by jsonschema's checker; and none is missed. What orjson
    writes but the walk does not enter (a tuple, a dataclass) only adds finds too.
    ``patternProperties`` (whose regexes are keys) is left to the walk, as is anything orjson
    cannot write (a key that is not text, a mapping that is not a dict).
    ``tests/spec/test_fast_schema.py`` compares the two.
    """
    # orjson itself, not engine.jsonio (a sibling of this module), imported here: the commands
    # that import the transforms (and so this module) but check no document do not pay for it
    import orjson

    try:
        text = orjson.dumps(schema)
    except orjson.JSONEncodeError:
        return None
    if b'"patternProperties"' in text:
        return None
    for match in _keyed(b"pattern").finditer(text):
        if match[1] is not None and _UNSURE_REGEX.search(_text(match[1])):
            return False, frozenset()
    return True, frozenset(
        _text(m[1]) for m in _keyed(b"format").finditer(text) if m[1] is not None
    )


def _text(body: bytes) -> str:
    """The text of a JSON string's body."""
    if b"\\" not in body:
        return body.decode()
    import orjson

    return str(orjson.loads(b'"' + body + b'"'))


def _registry(rs: Any, resources: Mapping[str, Any]) -> Any:
    """A jsonschema-rs registry of ``resources``, built once per set of schema objects (every
    kind's check shares the one of Ferry's schemas)."""
    key = tuple((uri, id(schema)) for uri, schema in resources.items())
    known = _REGISTRIES.get(key)
    if known is not None:
        return known[1]
    registry = rs.Registry(list(resources.items()))
    if len(_REGISTRIES) >= _MEMO_SIZE:
        _REGISTRIES.clear()
    _REGISTRIES[key] = (list(resources.values()), registry)
    return registry


_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _root(schema: Mapping[str, Any], resources: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema to build from: a ``$ref`` to it when it is one of ``resources`` under its own
    ``$id`` (the registry holds it already read, so it is not converted again: a quarter of the
    build), else itself. Only for draft 2020-12, the dialect of Ferry's schemas and of the
    validator: any other build stays as it was."""
    uri = schema.get("$id")
    if isinstance(uri, str) and resources.get(uri) is schema and schema.get("$schema") == _DRAFT:
        return {"$ref": uri}
    return schema


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
            _root(schema, resources),
            registry=_registry(rs, resources) if resources else None,
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
