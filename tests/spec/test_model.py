"""The model stage: what every later stage reads, built once from a valid document.

Defaults come from the schemas (so editors show the value Ferry uses), a field's variants carry
what their enclosing levels add, transform steps carry their parameters with defaults, every
node keeps its place in the file, and nothing in the model can be changed by a stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.check.specfile import load_document
from engine.load.schema import schema_for
from engine.model.frozen import UNSET
from engine.model.nodes import Mapping

HEADER = """apiVersion: ferry/v1
kind: Mapping
metadata: {name: t/customer, version: 1}
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity:
  external_id: {from: id}
"""


def _model(tmp_path: Path, body: str) -> Mapping:
    spec = tmp_path / "spec.yaml"
    spec.write_text(HEADER + body)
    return load_document(spec, kind="Mapping").mapping


def _default(pointer: str) -> Any:
    node: Any = schema_for("ferry/v1", "Mapping")
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node["default"]


def test_what_a_spec_leaves_out_is_the_schema_default(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        "requires:\n  - {mapping: t/parent, from: parentId}\n"
        "when: [record.active]\nfields:\n  - {to: name, from: name}\n",
    )
    field = model.fields[0]

    assert model.order == _default("/properties/order")
    assert model.enabled is _default("/properties/enabled")
    assert model.behavior == _default("/$defs/behavior/properties/sync")
    assert field.write == _default("/$defs/field/properties/write")
    assert field.variants[0].missing == _default("/$defs/field/properties/missing")
    assert field.variants[0].default is UNSET
    assert model.guards[0].on_fail == _default("/$defs/guard/oneOf/1/properties/on_fail")
    assert model.requires[0].optional is _default("/$defs/requirement/properties/optional")
    assert model.requires[0].alias == "parent"


def test_a_transform_written_with_its_default_parameters_is_the_same_step(
    tmp_path: Path,
) -> None:
    model = _model(
        tmp_path,
        "fields:\n"
        "  - {to: a, from: name, transforms: [trim]}\n"
        "  - {to: b, from: name, transforms: [{trim: {collapse: false}}]}\n"
        "  - {to: c, from: name, transforms: [{trim: {collapse: true}}]}\n",
    )
    a, b, c = (f.variants[0].steps for f in model.fields)

    assert a == b
    assert a != c
    assert (a[0].written, b[0].path) == ("trim", ("fields", 1, "transforms", 0))


def test_each_variant_carries_what_its_enclosing_levels_add(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        "fields:\n"
        "  - to: terms\n"
        "    by: customer_sync_behavior\n"
        "    when: record.active\n"
        "    transforms: [upper]\n"
        "    missing: fail\n"
        "    cases:\n"
        "      new_and_modified: {from: paymentTerm, transforms: [trim], when: record.terms}\n"
        "      new_only: {value: NET30, missing: omit}\n",
    )
    edited, once = model.fields[0].variants

    assert edited.label == "customer_sync_behavior=new_and_modified"
    assert [s.name for s in edited.steps] == ["trim", "upper"]  # the innermost level first
    assert [g.text for g in edited.guards] == ["record.active", "record.terms"]
    assert (edited.missing, once.missing) == ("fail", "omit")
    assert once.source.path == ("fields", 0, "cases", "new_only")
    assert model.fields[0].levels() == (
        ("fields", 0),
        ("fields", 0, "cases", "new_and_modified"),
        ("fields", 0, "cases", "new_only"),
    )


def test_every_node_keeps_its_place_in_the_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    text = HEADER + "fields:\n  - {to: a, from: name}\n  - {to: b, value: 1}\n"
    spec.write_text(text)
    doc = load_document(spec)

    field = doc.mapping.fields[1]

    line = text.splitlines().index("  - {to: b, value: 1}") + 1
    assert str(doc.source.locate(field.path)) == f"{spec}:{line}:5"
    assert doc.mapping.field_name((*field.variants[0].path, "value")) == "b"


def test_no_stage_can_change_the_model(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        "tables:\n  terms: {N30: Net 30}\nfields:\n"
        "  - {to: a, from: name, transforms: [{map: {values: {x: z}}}]}\n",
    )

    with pytest.raises(AttributeError):  # frozen
        model.order = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        model.tables["terms"]["N30"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        model.fields[0].variants[0].steps[0].params["values"]["x"] = "z"  # type: ignore[index]


def test_nodes_are_equal_by_meaning_not_by_where_they_are_written(tmp_path: Path) -> None:
    """Where a node is written (``path``) and how (``written``) take no part in equality or
    hash; every other field does."""
    body = "fields:\n  - {to: a, from: name, transforms: [trim]}\n  - {to: b, from: id}\n"
    moved = "fields:\n  - {to: b, from: id}\n  - to: a\n    from: name\n    transforms: [trim]\n"
    first = _model(tmp_path, body).fields[0]
    second = _model(tmp_path, moved).fields[1]
    other = _model(tmp_path, body.replace("[trim]", "[upper]")).fields[0]

    assert first.path != second.path
    assert first == second
    assert first.variants[0].source.path != second.variants[0].source.path
    assert hash(first.variants[0].source) == hash(second.variants[0].source)
    assert first != other
    assert first.variants[0].steps[0] != other.variants[0].steps[0]


def test_a_node_is_written_as_json_as_a_dataclass_was(tmp_path: Path) -> None:
    """orjson writes a dataclass as its fields; a Struct node the same way (``engine.jsonio``)."""
    from engine import jsonio

    source = _model(tmp_path, "fields:\n  - {to: a, from: name}\n").fields[0].variants[0].source

    assert jsonio.loads(jsonio.dumps(source)) == {
        "kind": "from",
        "value": "name",
        "path": list(source.path),
    }
