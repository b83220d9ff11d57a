"""docs/transforms.md is the generated reference; it must match the registry."""

from __future__ import annotations

from pathlib import Path

from engine.transforms import TransformRegistry
from engine.transforms.builtins import BUILTINS
from engine.transforms.docs import render_markdown

DOC = Path(__file__).parents[2] / "docs" / "transforms.md"


def test_reference_is_up_to_date() -> None:
    expected = render_markdown(TransformRegistry(BUILTINS))
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/transforms.md is stale: python -m engine.transforms.docs > docs/transforms.md"
    )


def test_reference_covers_every_transform_and_parameter() -> None:
    text = render_markdown(TransformRegistry(BUILTINS))
    for found in BUILTINS:
        assert f"\n## {found.name}\n" in text
        for name in found.params_schema.get("properties", {}):
            assert f"| `{name}` |" in text
