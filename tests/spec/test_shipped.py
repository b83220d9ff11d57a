"""The shipped mappings are valid, documented for editors, and the reference is current."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.load.schema import TRANSFORMS_SCHEMA
from tests.conftest import ROOT

MAPPINGS = ROOT / "mappings"
# Written by hand; transforms.v1.json beside them is generated from the transform registry.
HAND_WRITTEN = sorted(
    p for p in (ROOT / "schemas").glob("*.v1.json") if p.name != TRANSFORMS_SCHEMA
)


def test_shipped_mappings_are_valid(ferry: Callable[..., Any]) -> None:
    result = ferry("validate", "--format", "json", str(MAPPINGS))

    assert result.code == 0, result.out
    assert json.loads(result.out)["valid"] is True


def test_every_shipped_spec_names_its_schema_for_editors() -> None:
    specs = sorted(MAPPINGS.rglob("*.yaml"))
    assert specs
    for spec in specs:
        first = spec.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), spec
        target = (spec.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{spec}: {target} does not exist"


def test_spec_reference_is_generated_from_the_schemas(ferry: Callable[..., Any]) -> None:
    result = ferry("schema", "--markdown")

    committed = (ROOT / "docs" / "spec-reference.md").read_text()
    assert result.code == 0
    assert committed == result.out, "docs/spec-reference.md is stale: run `make docs`"


def test_schema_command_prints_valid_json_schema(ferry: Callable[..., Any]) -> None:
    for kind in ("mapping", "settings", "connections", "transforms"):
        result = ferry("schema", kind)
        schema = json.loads(result.out)
        assert result.code == 0
        assert schema["$id"].endswith(".v1.json"), kind


def test_every_schema_definition_has_description_and_examples() -> None:
    for path in HAND_WRITTEN:
        schema = json.loads(path.read_text())
        definitions = {"(root)": schema, **schema.get("$defs", {})}
        for name, definition in definitions.items():
            assert definition.get("description"), f"{path.name}: {name} has no description"
            assert definition.get("examples"), f"{path.name}: {name} has no examples"


def test_every_schema_object_is_closed() -> None:
    def objects(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield where, node
            for key, value in node.items():
                yield from objects(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from objects(value, f"{where}/{index}")

    for path in HAND_WRITTEN:
        for where, node in objects(json.loads(path.read_text()), path.name):
            assert node.get("additionalProperties") is False, where


def test_the_editors_transform_schema_is_committed_and_current(ferry: Callable[..., Any]) -> None:
    """mapping.v1.json refers to transforms.v1.json; an editor reads it from disk, never from the
    network, so it must be in the repository and match the registry's built-ins."""
    result = ferry("schema", "transforms", "--builtins")

    committed = (ROOT / "schemas" / TRANSFORMS_SCHEMA).read_text()
    assert result.code == 0
    assert committed == result.out, f"schemas/{TRANSFORMS_SCHEMA} is stale: run `make docs`"


def test_no_schema_refers_outside_the_repository() -> None:
    def refs(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = sorted((ROOT / "schemas").glob("*.json"))
    assert TRANSFORMS_SCHEMA in {p.name for p in schemas}
    for path in schemas:
        for ref in refs(json.loads(path.read_text())):
            target = ref.split("#", 1)[0]
            assert "://" not in target and not target.startswith("/"), (path.name, ref)
            assert not target or (path.parent / target).is_file(), (path.name, ref)
