"""The quick validity check (``engine.fastschema``, jsonschema-rs) never says yes where jsonschema
says no, so skipping jsonschema for a valid document loses no error.

Compared over every document of the repository (shipped specs, fixtures, the bad-spec cases)
and over generated changes of the shipped customer mapping; plus the guards: formats judged by
jsonschema's own checkers, and no quick check for a regular expression the engines may read
differently.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import fastschema
from engine.load import schema, source

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"

needs_rs = pytest.mark.skipif(not fastschema.available(), reason="jsonschema-rs is not installed")


def _documents() -> list[tuple[str, Any]]:
    """(name, data) of every YAML document of the repository with a known version and kind."""
    texts: list[tuple[str, str]] = []
    for path in sorted(ROOT.rglob("*.yaml")):
        if {".venv", "node_modules", ".git"} & set(path.relative_to(ROOT).parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "cases" in path.parts:
            case = source.load_text(text, str(path)).data
            if isinstance(case, dict) and isinstance(case.get("spec"), str):
                text = case["spec"]
        texts.append((str(path.relative_to(ROOT)), text))
    found = []
    for name, text in texts:
        data = source.load_text(text, name).data
        if not isinstance(data, dict):
            continue
        kind = data.get("kind")
        if data.get("apiVersion") == "ferry/v1" and kind in schema.API_VERSIONS["ferry/v1"]:
            found.append((name, data))
    return found


DOCUMENTS = _documents()


def _judged_alike(data: Any, kind: str) -> None:
    precheck = schema.precheck_for("ferry/v1", kind)
    assert precheck is not None
    errors = list(schema.validator_for("ferry/v1", kind).iter_errors(data))
    assert precheck(data) == (not errors), [e.message for e in errors]


def test_documents_of_every_kind_are_compared() -> None:
    kinds = {data["kind"] for _, data in DOCUMENTS}
    assert kinds == set(schema.API_VERSIONS["ferry/v1"])
    assert len(DOCUMENTS) > 50


@needs_rs
@pytest.mark.parametrize(("name", "data"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_every_document_of_the_repository_is_judged_alike(name: str, data: Any) -> None:
    _judged_alike(data, data["kind"])


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "USD", "2024-02-30", "2024-02-29", "trim", "a.b", "Active"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _nodes(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _nodes(value, (*path, index))
    return out


CUSTOMER_DATA = source.load_path(CUSTOMER).data


@needs_rs
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_changed_customer_mappings_are_judged_alike(data: st.DataObject) -> None:
    spec = copy.deepcopy(CUSTOMER_DATA)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_nodes(spec)[1:]))
        parent = spec
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(JSON_VALUES)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["to", "from", "fromm", "when", "x"]))] = data.draw(
                JSON_VALUES
            )
    _judged_alike(spec, "Mapping")


@needs_rs
def test_formats_are_judged_by_jsonschemas_own_checkers() -> None:
    check = fastschema.precheck({"type": "string", "format": "date"}, {})
    assert check is not None
    assert check("2024-02-29")
    assert not check("2024-02-30")
    unknown = fastschema.precheck({"type": "string", "format": "csv"}, {})
    assert unknown is not None and unknown("anything")


@pytest.mark.parametrize("pattern", [r"^\s+$", r"^\D$", r"(?i)^a$", r"^\w+$"])
def test_no_quick_check_for_a_regex_the_engines_may_read_differently(pattern: str) -> None:
    assert fastschema.precheck({"pattern": pattern}, {}) is None
    assert fastschema.precheck({"patternProperties": {pattern: {}}}, {}) is None


@needs_rs
def test_a_reference_outside_the_given_schemas_is_never_fetched() -> None:
    assert fastschema.precheck({"$ref": "https://example.invalid/s.json"}, {}) is None


@given(
    st.one_of(
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
        st.text(alphabet="0123456789-T: \n٣", max_size=12),
        st.integers(),
        st.none(),
    )
)
def test_the_date_format_is_checked_as_jsonschema_checks_it(value: Any) -> None:
    from jsonschema import FormatChecker

    check = fastschema.precheck({"format": "date"}, {})
    expected = FormatChecker().conforms(value, "date")
    if check is not None:
        assert check(value) == expected


# --- the survey read from JSON text (engine.fastschema._survey_text) against the walk ----------

_KEYS = ["pattern", "format", "patternProperties", "type", "properties", "description", "x"]
_TRICKY_KEYS = ['a"pattern', 'pattern"', "pat\\tern", "format\\", "é"]
_STRINGS = [
    "^[a-z]+$",
    r"^\s+$",
    r"(?i)^a$",
    r"^[a-z]*(\.[a-z]+)*$",
    "date",
    "email",
    'a"b',
    '"pattern": "\\s"',
    '\\"format\\": \\"email\\"',
    "\\",
    'x\\"',
]
SCHEMA_LIKE = st.recursive(
    st.none() | st.integers(-2, 2) | st.sampled_from(_STRINGS) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(_KEYS + _TRICKY_KEYS + _STRINGS) | st.text(max_size=4),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(SCHEMA_LIKE)
def test_the_survey_from_text_never_is_surer_than_the_walk(schema: Any) -> None:
    by_text = fastschema._survey_text(schema)
    sure, formats = fastschema._survey(schema)
    if by_text is None:
        return  # the walk decides
    if by_text[0]:
        assert sure  # "sure" only where the walk is sure
        assert by_text[1] >= formats  # every format the walk finds is checked by jsonschema's
    if sure and not any(quote in repr(schema) for quote in ('"', "\\")):
        assert by_text == (sure, formats)  # without quotes or backslashes in text: the same


def _ferry_schemas() -> list[tuple[str, Any]]:
    """Every schema Ferry builds a quick check from: the files, the transform item schema, each
    transform's parameters and each driver's options."""
    from engine.run.drivers.registry import DriverRegistry
    from engine.transforms import installed_registry

    found: list[tuple[str, Any]] = list(schema._default_resources().items())
    found += [(f"transform {t.name}", t.params_schema) for t in installed_registry()]
    drivers = DriverRegistry.default()
    found += [(f"driver {n}", drivers.get(n).options_schema) for n in drivers.names()]
    return found


FERRY_SCHEMAS = _ferry_schemas()


@pytest.mark.parametrize(("name", "value"), FERRY_SCHEMAS, ids=[n for n, _ in FERRY_SCHEMAS])
def test_the_survey_from_text_finds_what_the_walk_finds_on_ferrys_schemas(
    name: str, value: Any
) -> None:
    assert fastschema._survey_text(value) == fastschema._survey(value), name


@needs_rs
def test_a_changed_resource_is_used_not_the_registry_built_before() -> None:
    uri = "https://example.invalid/word.json"
    resources: dict[str, Any] = {uri: {"$id": uri, "type": "string"}}
    root = {"$ref": uri}
    first = fastschema.precheck(root, resources)
    assert first is not None and first("text") and not first(1)
    resources[uri] = {"$id": uri, "type": "integer"}  # the same dict, another schema
    second = fastschema.precheck(root, resources)
    assert second is not None and second(1) and not second("text")
