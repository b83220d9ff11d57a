"""name_as_id and auto_number: the connector's account-number choices."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TransformError
from engine.transforms import (
    OMIT,
    InMemorySequenceStore,
    SequenceStore,
    TransformContext,
    TransformParamsError,
)
from tests.transforms.helpers import build, context


def account(name: Any = "Acme Corp", first: Any = "Ada", last: Any = "Lovelace") -> Any:
    return {"name": name, "billTo": {"firstName": first, "lastName": last}}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (account(), "Acme Corp"),
        (account(name=None), "Ada Lovelace"),
        (account(name="   "), "Ada Lovelace"),
        (account(name=None, last=None), "Ada"),
        ({"name": '  "Big"   Co,  Ltd  '}, "Big Co Ltd"),
        ({"name": 12345}, "12345"),
    ],
)
def test_name_as_id_picks_company_or_person(record: Any, expected: str) -> None:
    assert build("name_as_id")(record) == expected


def test_name_as_id_without_any_name_is_refused() -> None:
    with pytest.raises(TransformError, match="no first or last name"):
        build("name_as_id")(account(name="", first=None, last=" "))


def test_name_as_id_refuses_non_records() -> None:
    with pytest.raises(TransformError, match=r"expected a record \(map\), got 'Acme' \(str\)"):
        build("name_as_id")("Acme")


def test_name_as_id_refused_character_policies() -> None:
    record = {"name": 'Smith, "Jones" & Co'}
    assert build("name_as_id")(record) == "Smith Jones & Co"
    replaced = build("name_as_id", on_refused="replace", replacement="-")(record)
    assert replaced == "Smith- -Jones- & Co"
    extra = build("name_as_id", refused_characters='",&')(record)
    assert extra == "Smith Jones Co"
    with pytest.raises(TransformError, match="refused character ','"):
        build("name_as_id", on_refused="fail")(record)


def test_name_as_id_replacement_may_not_be_refused() -> None:
    with pytest.raises(TransformParamsError, match="parameter 'replacement'"):
        build("name_as_id", on_refused="replace", replacement=",")


def test_name_as_id_length_limit_from_context_then_default() -> None:
    long_name = {"name": "A" * 100}
    assert len(build("name_as_id")(long_name)) == 83
    limited = build("name_as_id", ctx=context(limits={"max_length": 10}))
    assert limited(long_name) == "A" * 10
    assert build("name_as_id", max_length=5)({"name": "Acme Corporation"}) == "Acme"


def test_name_as_id_person_rules() -> None:
    by_type = build("name_as_id", is_person={"path": "kind", "equals": ["individual"]})
    assert by_type({**account(), "kind": "Individual"}) == "Ada Lovelace"
    assert by_type({**account(), "kind": "Company"}) == "Acme Corp"
    by_flag = build("name_as_id", is_person={"path": "flags.person"})
    assert by_flag({**account(), "flags": {"person": "T"}}) == "Ada Lovelace"
    assert by_flag(account()) == "Acme Corp"
    with pytest.raises(TransformError, match="expected a yes/no value"):
        by_flag({**account(), "flags": {"person": "perhaps"}})


def test_name_as_id_custom_paths() -> None:
    run = build("name_as_id", company="basicInfo.name", first_name="c.f", last_name="c.l")
    assert run({"basicInfo": {"name": "X Ltd"}}) == "X Ltd"
    assert run({"basicInfo": {}, "c": {"f": "Jo", "l": "Ng"}}) == "Jo Ng"


def test_name_as_id_bad_path_is_a_parameter_error() -> None:
    with pytest.raises(TransformParamsError) as caught:
        build("name_as_id", company="accounts[0].name")
    assert caught.value.problems[0].path == ("name_as_id", "company")


@given(st.text(max_size=120))
def test_name_as_id_output_is_always_clean(name: str) -> None:
    try:
        out = build("name_as_id")({"name": name})
    except TransformError:
        assert not name.replace('"', "").replace(",", "").strip()
        return
    assert out and len(out) <= 83
    assert out == out.strip() and "  " not in out
    assert '"' not in out and "," not in out


# -- auto_number -----------------------------------------------------------------------------


def test_auto_number_destination_mode_omits_any_value() -> None:
    run = build("auto_number")
    assert run("CUST-1") is OMIT
    assert run(None) is OMIT


def test_auto_number_sequence_mode_counts_per_sequence() -> None:
    ctx = context(sequences=InMemorySequenceStore(), field="tranId")
    run = build("auto_number", ctx=ctx, mode="sequence", prefix="INV", padding=4, start=7)
    other = build("auto_number", ctx=ctx, mode="sequence", sequence="other")
    assert [run(None), run("ignored"), other(None), run(None)] == [
        "INV0007",
        "INV0008",
        "1",
        "INV0009",
    ]


def test_auto_number_shares_a_named_sequence() -> None:
    ctx = context()
    first = build("auto_number", ctx=ctx, mode="sequence", sequence="customers")
    second = build("auto_number", ctx=ctx, mode="sequence", sequence="customers")
    assert (first(None), second(None)) == ("1", "2")


def test_auto_number_sequence_mode_needs_a_store() -> None:
    with pytest.raises(TransformParamsError, match="needs a sequence store"):
        build("auto_number", ctx=TransformContext(field="x"), mode="sequence")


def test_auto_number_sequence_needs_a_name() -> None:
    ctx = TransformContext(sequences=InMemorySequenceStore())
    with pytest.raises(TransformParamsError, match="parameter 'sequence'"):
        build("auto_number", ctx=ctx, mode="sequence")


def test_in_memory_store_is_a_sequence_store() -> None:
    store = InMemorySequenceStore()
    assert isinstance(store, SequenceStore)
    assert [store.next("a", 5), store.next("a", 100), store.next("b")] == [5, 6, 1]


def test_in_memory_store_gives_back_the_last_number_only() -> None:
    store = InMemorySequenceStore()
    assert [store.next("a", 5), store.next("a")] == [5, 6]
    store.give_back("a", 5, 5)  # a later number was taken: nothing changes
    store.give_back("a", 6, 5)
    assert store.next("a") == 6
    store.give_back("a", 6, 5)
    store.give_back("a", 5, 5)
    assert store.next("a", 5) == 5  # back to a sequence that never started


def test_in_memory_store_can_continue_a_persisted_sequence() -> None:
    persisted = {"customers": 41}
    store = InMemorySequenceStore(continue_from=persisted.get)
    assert [store.next("customers"), store.next("customers"), store.next("other", 7)] == [
        42,
        43,
        7,
    ]
    assert persisted == {"customers": 41}  # read, never written
