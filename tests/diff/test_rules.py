"""The rules behind the data-driven cases: normal forms, comments, and the nets that keep the
diff honest as the spec language grows (every schema key has a rule, every setting a judged
impact, and a key without a rule is still reported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.check.specfile import Document
from engine.diff import normal
from engine.diff.comments import comments
from engine.diff.model import Category, Severity
from engine.diff.residual import KNOWN, unknown_keys
from engine.diff.settings_changes import SETTING_IMPACT, SETTINGS_KEYS
from engine.load.schema import schema_for
from engine.load.source import load_text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a==b", "a == b"),
        ("a == b", "b == a"),
        ("record.x == 'Yes'", 'record.x == `"Yes"`'),
        ("a && b", "b && a"),
        ("a && (b && c)", "(c && a) && b"),
        ("a || b", "b || a"),
        ("!(a || b)", "!(b || a)"),
    ],
)
def test_guards_equal_in_meaning(a: str, b: str) -> None:
    assert normal.guard_terms(a) == normal.guard_terms(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("a == b", "a != b"), ("a", "a.b"), ("a < b", "b < a"), ("`1`", "`1.0`")],
)
def test_guards_different_in_meaning(a: str, b: str) -> None:
    assert normal.guard_terms(a) != normal.guard_terms(b)


def test_value_context_or_keeps_its_order() -> None:
    # In a `from:` path `a || b` is the first truthy value, so the order is meaning.
    assert normal.expression("a || b") != normal.expression("b || a")


@pytest.mark.parametrize(
    ("old", "new", "relation"),
    [
        ("a", "a && b", "tightened"),
        ("a && b", "a", "loosened"),
        ("a", "a || b", "loosened"),
        ("a || b", "a", "tightened"),
        ("a", "b", "changed"),
    ],
)
def test_guard_relation(old: str, new: str, relation: str) -> None:
    assert normal.guard_relation(normal.guard_terms(old), normal.guard_terms(new)) == relation


def test_flow_quotes_what_would_read_as_another_type() -> None:
    # YAML 1.1 (and many editors) read `on` and `n` as booleans, `2024-01-01` as a date.
    assert normal.flow({"id": "4", "on": "2024-01-01", "name": "Acme", "n": 4, "k": 4}) == (
        '{id: "4", "on": "2024-01-01", name: Acme, "n": 4, k: 4}'
    )


def test_comments_are_found_outside_scalars_only() -> None:
    text = (
        "# header\n"
        "# second line\n"
        "a: 'x # not a comment'\n"
        "b: url#anchor  # trailing\n"
        "c: >-\n"
        "  folded # not a comment\n"
    )

    found = [(c.text, c.line) for c in comments(text)]

    assert found == [("header\nsecond line", 1), ("trailing", 4)]


def _doc(text: str) -> Document:
    loaded = load_text(text, "mem.yaml")
    return Document(Path("mem.yaml"), "ferry/v1", "Mapping", loaded.data, loaded.source)


def test_keys_without_a_rule_are_reported() -> None:
    data: dict[str, Any] = {
        "kind": "Mapping",
        "priority": 3,
        "identity": {"external_id": {"from": "id"}, "salt": "x"},
        "fields": [{"to": "a", "from": "a", "redact": True}],
        "lines": {
            "to": "l",
            "from": "l",
            "fields": [{"to": "x", "by": "s", "cases": {"o": {"from": "x", "round": 2}}}],
        },
    }

    found = unknown_keys(data)

    assert sorted(found) == [
        "fields[a].redact",
        "identity.salt",
        "lines.fields[x].cases.o.round",
        "priority",
    ]
    assert found["fields[a].redact"] == (True, ("fields", 0, "redact"))


def test_a_changed_key_without_a_rule_is_a_risky_change() -> None:
    from engine.diff import residual

    base = "kind: Mapping\nfields:\n  - {to: a, from: a, redact: true}\n"
    changes = residual.compare(_doc(base), _doc(base.replace("true", "false")))

    assert [(c.severity, c.category, c.subject, c.before, c.after) for c in changes] == [
        (Severity.RISKY, Category.UNRECOGNISED, "fields[a].redact", True, False)
    ]
    assert str(changes[0].new) == "mem.yaml:3:30"


def _properties(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    if "$ref" in node and node["$ref"].startswith("#/$defs/"):
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for branch in node.get("oneOf", []):
        if branch.get("type") == "object":
            node = branch
    return set(node.get("properties", {}))


def test_every_key_of_the_mapping_schema_has_a_rule() -> None:
    schema = schema_for("ferry/v1", "Mapping")
    defs = schema["$defs"]
    expected = {
        "mapping": set(schema["properties"]),
        "metadata": _properties(schema, defs["metadata"]),
        "source": _properties(schema, defs["source"]),
        "cutover": _properties(schema, defs["source"]["properties"]["cutover"]),
        "destination": _properties(schema, defs["destination"]),
        "identity": _properties(schema, defs["identity"]),
        "match": _properties(schema, defs["identity"]["properties"]["match"]["items"]),
        "behavior": _properties(schema, defs["behavior"]),
        "guard": _properties(schema, defs["guard"]),
        "requirement": _properties(schema, defs["requirement"]),
        "field": _properties(schema, defs["field"]),
        "variant": _properties(schema, defs["variant"]),
        "lines": _properties(schema, defs["lines"]),
        "tracking": _properties(schema, defs["tracking"]),
    }

    for kind, keys in expected.items():
        assert keys <= KNOWN[kind], f"{kind}: no diff rule for {sorted(keys - KNOWN[kind])}"


def test_every_key_of_the_settings_schema_has_a_rule() -> None:
    assert set(schema_for("ferry/v1", "Settings")["properties"]) <= SETTINGS_KEYS


def test_every_setting_has_a_judged_impact() -> None:
    settings = schema_for("ferry/v1", "Settings")["$defs"]["settings"]["properties"]

    assert set(settings) == set(SETTING_IMPACT)
    assert {severity for severity, _ in SETTING_IMPACT.values()} <= set(Severity)
