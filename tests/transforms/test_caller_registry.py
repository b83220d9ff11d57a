"""``load_mapping(path, registry=R)`` validates with ``R``: a transform registered only on the
caller's registry is accepted by the schema check and used by the compiled plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.transforms import TransformContext, transform

SPEC = """\
apiVersion: ferry/v1
kind: Mapping
metadata: {name: shouting, version: 1}
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity:
  match: [{from: id, to: externalId}]
fields:
  - to: externalId
    from: id
  - to: companyName
    from: name
    transforms: [shout]
"""


@transform("shout", examples=[{"params": {}, "input": "acme", "output": "ACME!"}])
def shout(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[Any], Any]:
    """Upper-case text and add an exclamation mark (a caller's own transform)."""
    return lambda value: f"{str(value).upper()}!"


def _spec(tmp_path: Path) -> Path:
    path = tmp_path / "shouting.yaml"
    path.write_text(SPEC)
    return path


def test_a_transform_on_the_callers_registry_validates_and_runs(tmp_path: Path) -> None:
    registry = engine.default_registry().copy()
    registry.register(shout)

    plan = engine.load_mapping(_spec(tmp_path), registry=registry)

    assert plan.render({"id": "A-1", "name": "acme"}) == {
        "externalId": "A-1",
        "companyName": "ACME!",
    }


def test_without_it_the_transform_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(engine.SpecError, match="unknown transform 'shout'"):
        engine.load_mapping(_spec(tmp_path))


def test_compiling_with_another_transform_of_the_same_name_checks_its_parameters(
    tmp_path: Path,
) -> None:
    """The model carries parameters checked against the validating registry's transform; a
    compile with a different transform under that name checks them against its own schema."""
    from engine.check.specfile import load_document
    from engine.transforms import param_schema, prop

    times = prop("How many.", [2], type="integer")

    @transform("shout", params=param_schema(["times"], times=times))
    def strict(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[Any], Any]:
        """Shout ``times`` times (needs a parameter the validated spec does not give)."""
        return lambda value: str(value).upper() + "!" * params["times"]

    loose, stricter = engine.default_registry().copy(), engine.default_registry().copy()
    loose.register(shout)
    stricter.register(strict)
    spec = _spec(tmp_path)
    doc = load_document(spec, transforms=loose)

    with pytest.raises(engine.SpecError) as caught:
        engine.compile_mapping(doc, engine.settings_for(doc, None), registry=stricter)

    [problem] = caught.value.problems
    assert problem.code == "compile.transform"
    assert "times" in problem.message
    assert problem.location.line == SPEC.splitlines().index("    transforms: [shout]") + 1
    plan = engine.compile_mapping(doc, engine.settings_for(doc, None), registry=loose)
    assert plan.render({"id": "A-1", "name": "acme"})["companyName"] == "ACME!"
