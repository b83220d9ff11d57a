"""default, coalesce, bool, map and lookup: presence, truth and value tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.errors import TransformError
from engine.transforms import MISSING, TransformParamsError
from tests.transforms.helpers import build, build_item, context

TERMS = {"Net30": "Net 30", "DueOnReceipt": "Due on receipt", "30": "Net 30 (numeric)"}
CURRENCIES = {"USD": {"id": "1", "name": "US Dollar"}, "EUR": {"id": "2"}}


def test_default_fills_missing_and_none_only() -> None:
    run = build("default", value="USD")
    assert run(None) == "USD"
    assert run(MISSING) == "USD"
    assert run("") == ""
    assert run("EUR") == "EUR"


def test_default_blank() -> None:
    assert build("default", value=0, blank=True)(" \t") == 0


def test_coalesce_takes_the_first_present_member() -> None:
    run = build("coalesce", paths=["a", "b.c", "@"], skip_blank=False)
    assert run({"a": None, "b": {"c": ""}}) == ""
    assert run({"b": {}}) == {"b": {}}
    assert build("coalesce", paths=["a"], default="x")(None) == "x"
    assert build("coalesce", paths=["a"])(None) is MISSING


def test_coalesce_over_a_non_map_finds_nothing() -> None:
    assert build("coalesce", paths=["a"], default="d")("text") == "d"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("T", True), ("f", False), (" YES ", True), ("n", False), (1, True), (0, False)],
)
def test_bool_default_words(value: Any, expected: bool) -> None:
    assert build("bool")(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, 1.0, Decimal(1), [], ""])
def test_bool_refuses_unknown_values(value: Any) -> None:
    with pytest.raises(TransformError, match="expected one of 0, 1, f, false"):
        build("bool")(value)


def test_bool_custom_words_replace_the_defaults() -> None:
    run = build("bool", true_values=["Active"], false_values=["Inactive"], case_sensitive=True)
    assert run("Active") is True
    with pytest.raises(TransformError):
        run("active")
    with pytest.raises(TransformError):
        run("yes")


def test_bool_overlapping_words_are_a_parameter_error() -> None:
    with pytest.raises(TransformParamsError, match="overlaps true_values"):
        build("bool", true_values=["Y"], false_values=["y"])


@pytest.mark.parametrize(
    ("output", "yes", "no"),
    [("T/F", "T", "F"), ("Yes/No", "Yes", "No"), ("true/false", "true", "false")],
)
def test_bool_outputs(output: str, yes: str, no: str) -> None:
    run = build_item({"bool": {"as": output}})
    assert (run("yes"), run(False)) == (yes, no)


# -- map ------------------------------------------------------------------------------------


def test_map_inline_and_numbers_by_digits() -> None:
    run = build("map", values=TERMS)
    assert run("Net30") == "Net 30"
    assert run(30) == "Net 30 (numeric)"


def test_map_unmapped_fails_with_suggestions() -> None:
    with pytest.raises(TransformError) as caught:
        build("map", values=TERMS)("Net 30")
    assert str(caught.value) == "no mapping for 'Net 30' (did you mean 'Net30'?)"


def test_map_unmapped_policies() -> None:
    assert build("map", values=TERMS, unmapped="pass")("Net 60") == "Net 60"
    assert build("map", values=TERMS, unmapped="default", default="X")("Net 60") == "X"


def test_map_case_insensitive_and_collisions() -> None:
    assert build("map", values=TERMS, case_sensitive=False)("NET30") == "Net 30"
    with pytest.raises(TransformParamsError, match="keys collide when case is ignored"):
        build("map", values={"a": 1, "A": 2}, case_sensitive=False)


def test_map_from_a_spec_table() -> None:
    ctx = context(tables={"payment_terms": TERMS})
    assert build("map", ctx=ctx, table="payment_terms")("DueOnReceipt") == "Due on receipt"


def test_map_table_problems() -> None:
    ctx = context(tables={"payment_terms": TERMS})
    with pytest.raises(TransformParamsError) as caught:
        build("map", ctx=ctx, table="payment_term")
    assert caught.value.problems[0].path == ("map", "table")
    assert "did you mean 'payment_terms'" in str(caught.value)
    with pytest.raises(TransformParamsError, match="either `values` or `table`"):
        build("map", ctx=ctx, table="payment_terms", values=TERMS)
    with pytest.raises(TransformParamsError, match="goes with `unmapped: default`"):
        build("map", values=TERMS, default="x")
    with pytest.raises(TransformParamsError, match="goes with `unmapped: default`"):
        build("map", values=TERMS, unmapped="default")


def test_map_refuses_values_that_cannot_be_keys() -> None:
    with pytest.raises(TransformError, match="expected text or a number"):
        build("map", values=TERMS)(True)
    with pytest.raises(TransformError, match="expected text, an integer or a Decimal"):
        build("map", values=TERMS)({"a": 1})


# -- lookup ---------------------------------------------------------------------------------


def test_lookup_rows_and_refs() -> None:
    ctx = context(tables={"currencies": CURRENCIES})
    assert build("lookup", ctx=ctx, table="currencies")("USD") == "1"
    ref = build("lookup", ctx=ctx, table="currencies", **{"as": "ref"})
    first, second = ref("EUR"), ref("EUR")
    assert first == {"id": "2"}
    assert first is not second  # a fresh dict per record: nobody can mutate a shared one


def test_lookup_is_exact_by_default_and_suggests() -> None:
    ctx = context(tables={"terms": {"Net 30": "4", "Net 45": "5"}})
    run = build("lookup", ctx=ctx, table="terms")
    with pytest.raises(TransformError) as caught:
        run("net 30")
    assert str(caught.value) == "no 'terms' entry named 'net 30' (did you mean 'Net 30'?)"
    relaxed = build("lookup", ctx=ctx, table="terms", case_sensitive=False)
    assert relaxed("NET 45") == "5"


def test_lookup_full_classification_paths() -> None:
    ctx = context(tables={"departments": {"Sales : EMEA : UK": "17"}})
    assert build("lookup", ctx=ctx, table="departments")("Sales : EMEA : UK") == "17"


def test_lookup_row_without_id_is_a_parameter_error() -> None:
    ctx = context(tables={"currencies": CURRENCIES})
    with pytest.raises(TransformParamsError, match="row 'USD' has no 'internalId' member"):
        build("lookup", ctx=ctx, table="currencies", id_field="internalId")


def test_lookup_unknown_table() -> None:
    with pytest.raises(TransformParamsError, match="no table named 'currency'"):
        build("lookup", ctx=context(tables={"currencies": {}}), table="currency")
