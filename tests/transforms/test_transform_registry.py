"""The registry: lookup with suggestions, item parsing, parameter problems, the item schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
import pytest

from engine.errors import TransformError
from engine.transforms import (
    OMIT,
    ParamProblem,
    TransformContext,
    TransformParamsError,
    TransformRegistry,
    UnknownTransformError,
    default_registry,
    param_schema,
    transform,
)
from engine.transforms.text import trim
from tests.transforms.helpers import context


def problems(registry: TransformRegistry, item: Any) -> list[ParamProblem]:
    with pytest.raises(TransformParamsError) as caught:
        registry.parse(item)
    return list(caught.value.problems)


def test_get_suggests_close_names(registry: TransformRegistry) -> None:
    with pytest.raises(UnknownTransformError) as caught:
        registry.get("trunacte")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, TransformError)
    assert str(caught.value) == "unknown transform 'trunacte' (did you mean 'truncate'?)"
    assert caught.value.suggestions == ("truncate",)


def test_get_suggests_case_insensitive_match_first(registry: TransformRegistry) -> None:
    with pytest.raises(UnknownTransformError, match="did you mean 'upper'"):
        registry.get("UPPER")


def test_unknown_name_without_close_match(registry: TransformRegistry) -> None:
    with pytest.raises(UnknownTransformError) as caught:
        registry.get("xyzzy")
    assert str(caught.value) == "unknown transform 'xyzzy'"


def test_names_iter_len_contains(registry: TransformRegistry) -> None:
    assert registry.names() == sorted(registry.names())
    assert [t.name for t in registry] == registry.names()
    assert len(registry) == len(registry.names())
    assert "split_before_space" in registry
    assert "nope" not in registry


def test_copy_is_independent(registry: TransformRegistry) -> None:
    extra = registry.copy()
    extra.register(_renamed("shout"))
    assert "shout" in extra
    assert "shout" not in registry


def test_register_refuses_duplicates_and_bad_names(registry: TransformRegistry) -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(trim)
    registry.register(trim, replace=True)
    with pytest.raises(ValueError, match="must match"):
        registry.register(_renamed("Bad Name"))
    with pytest.raises(TypeError):
        registry.register("trim")  # type: ignore[arg-type]


def test_default_registry_is_fresh_each_time() -> None:
    first, second = default_registry(entry_points=False), default_registry(entry_points=False)
    first.register(_renamed("shout"))
    assert "shout" not in second
    assert "trim" in second


@pytest.mark.parametrize("item", ["trim", {"trim": {}}, {"trim": None}])
def test_item_forms(registry: TransformRegistry, item: Any) -> None:
    assert registry.build(item, context())("  a ") == "a"


def test_defaults_are_filled_from_the_schema(registry: TransformRegistry) -> None:
    call = registry.parse("split_before_space")
    assert dict(call.params) == {"separator": " "}


@pytest.mark.parametrize(
    "item",
    [["trim"], {"trim": {}, "upper": {}}, {}, 42, None],
    ids=["list", "two-keys", "empty-map", "number", "null"],
)
def test_bad_item_shapes(registry: TransformRegistry, item: Any) -> None:
    [problem] = problems(registry, item)
    assert problem.path == ()
    assert "a transform is a name or a one-key map" in problem.message


def test_unknown_parameter_names_parameter_and_suggests(registry: TransformRegistry) -> None:
    [problem] = problems(registry, {"truncate": {"lenght": 3}})
    assert problem.path == ("truncate", "lenght")
    assert "unknown parameter 'lenght' (did you mean 'length'?)" in problem.message


def test_wrong_parameter_type(registry: TransformRegistry) -> None:
    [problem] = problems(registry, {"truncate": {"length": "83"}})
    assert problem.path == ("truncate", "length")
    assert problem.message.startswith("parameter 'length': '83' is not of type 'integer'")


def test_missing_required_parameter(registry: TransformRegistry) -> None:
    [problem] = problems(registry, "prefix")
    assert problem.path == ("prefix",)
    assert problem.message == "missing required parameter 'text'"


def test_nested_parameter_problem(registry: TransformRegistry) -> None:
    [problem] = problems(registry, {"name_as_id": {"is_person": {"equals": ["x"]}}})
    assert problem.path == ("name_as_id", "is_person")
    assert problem.message == "missing required parameter 'is_person.path'"


def test_every_problem_is_reported(registry: TransformRegistry) -> None:
    found = problems(registry, {"truncate": {"length": 0, "elipsis": "…", "x": 1}})
    assert [p.path for p in found] == [
        ("truncate", "elipsis"),
        ("truncate", "x"),
        ("truncate", "length"),
    ]


def test_parameters_must_be_a_map(registry: TransformRegistry) -> None:
    [problem] = problems(registry, {"truncate": 83})
    assert problem.message == "parameters must be a map, got 83 (int)"


def test_factory_refusal_is_located(registry: TransformRegistry) -> None:
    with pytest.raises(TransformParamsError) as caught:
        registry.build("truncate", TransformContext())
    [problem] = caught.value.problems
    assert problem.path == ("truncate", "length")
    assert "no known maximum length" in problem.message
    assert str(caught.value).startswith("transform 'truncate': parameter 'length'")


def test_a_plugin_factory_bug_becomes_a_transform_error(registry: TransformRegistry) -> None:
    @transform("broken", examples=[])
    def broken(params: Mapping[str, Any], ctx: TransformContext) -> Any:
        """Fails to build."""
        raise RuntimeError("boom")

    registry.register(broken)
    with pytest.raises(TransformParamsError, match="could not be built: RuntimeError: boom"):
        registry.build("broken", context())


def test_pipeline_reports_every_item_with_its_index(registry: TransformRegistry) -> None:
    items = ["trim", {"truncate": {"lenght": 3}}, "uper", {"prefix": {}}]
    with pytest.raises(TransformParamsError) as caught:
        registry.pipeline(items, context())
    assert [p.path for p in caught.value.problems] == [
        (1, "truncate", "lenght"),
        (2,),
        (3, "prefix"),
    ]
    assert "did you mean 'upper'" in caught.value.problems[1].message


def test_pipeline_result(registry: TransformRegistry) -> None:
    built = registry.pipeline(["trim", "upper", {"prefix": {"text": "X-"}}], context())
    assert built.names == ("trim", "upper", "prefix")
    assert built.destination_assigned is False
    assert built.run("  ab ") == "X-AB"


def test_destination_assigned(registry: TransformRegistry) -> None:
    assert registry.parse("auto_number").destination_assigned is True
    seq = {"auto_number": {"mode": "sequence"}}
    assert registry.parse(seq).destination_assigned is False
    built = registry.pipeline(["trim", "auto_number"], context())
    assert built.destination_assigned is True
    assert built.run("A-1") is OMIT


# -- the item schema ------------------------------------------------------------------------


@pytest.fixture
def item_validator(registry: TransformRegistry) -> jsonschema.Draft202012Validator:
    schema = registry.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "item",
    [
        "trim",
        "auto_number",
        {"trim": None},
        {"truncate": {"length": 83}},
        {"map": {"values": {"a": "b"}, "unmapped": "pass"}},
        {"name_as_id": {"is_person": {"path": "type", "equals": ["Individual"]}}},
        {"concat": {"parts": ["Zuora Charge ", {"path": "@"}]}},
    ],
)
def test_schema_accepts_good_items(
    item_validator: jsonschema.Draft202012Validator, item: Any
) -> None:
    assert not list(item_validator.iter_errors(item))


@pytest.mark.parametrize(
    "item",
    ["trimm", {"trimm": {}}, {"truncat": {"length": 3}}, "prefix", {"prefix": None}],
    ids=["bare-typo", "map-typo", "map-typo-params", "bare-needs-params", "null-needs-params"],
)
def test_schema_gives_one_error_for_a_bad_name(
    item_validator: jsonschema.Draft202012Validator, item: Any
) -> None:
    assert len(list(item_validator.iter_errors(item))) == 1


@pytest.mark.parametrize(
    "item",
    [
        {"truncate": {"length": 0}},
        {"truncate": {"lenght": 3}},
        {"trim": {}, "upper": {}},
        {},
        42,
        {"concat": {"parts": [{"paht": "x"}]}},
    ],
)
def test_schema_rejects_bad_items(
    item_validator: jsonschema.Draft202012Validator, item: Any
) -> None:
    assert list(item_validator.iter_errors(item))


def test_schema_and_parse_agree_on_examples(
    registry: TransformRegistry, item_validator: jsonschema.Draft202012Validator
) -> None:
    for found in registry:
        for example in found.examples:
            item = {found.name: dict(example.params)}
            assert not list(item_validator.iter_errors(item)), item
            registry.parse(item)


def _renamed(name: str) -> Any:
    @transform(name, params=param_schema(), examples=[])
    def factory(params: Mapping[str, Any], ctx: TransformContext) -> Any:
        """Shout."""
        return str.upper

    return factory
