"""Loading a text again gives what the first load gave, whatever a caller did with the first
result: the parse is kept per text (loading is mostly parsing), the data handed out is a copy."""

from __future__ import annotations

from pathlib import Path

import engine
from engine.load.source import load_path, load_text
from tests.conftest import ROOT

CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"


def test_changing_a_loaded_document_does_not_change_the_next_load() -> None:
    first = load_path(CUSTOMER)
    expected = load_path(CUSTOMER).data
    first.data["fields"].clear()
    first.data["metadata"]["name"] = "changed"

    again = load_path(CUSTOMER)

    assert again.data == expected
    assert again.data["fields"]
    assert again.source.locate(("fields", 0)) == first.source.locate(("fields", 0))


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    spec = tmp_path / "customer.yaml"
    text = CUSTOMER.read_text()
    spec.write_text(text)
    (tmp_path / "settings.yaml").write_text((CUSTOMER.parent / "settings.yaml").read_text())
    before = engine.load_mapping(spec)

    spec.write_text(text.replace("value: ZUORA", "value: ZUORA-2"))
    after = engine.load_mapping(spec)

    record = {"id": "1", "status": "Active", "currency": "USD", "paymentTerm": "Net 30"}
    assert before.render(record)["custentity_zuora_origin"] == "ZUORA"
    assert after.render(record)["custentity_zuora_origin"] == "ZUORA-2"


def test_problems_are_the_same_on_every_load() -> None:
    text = "a: [1, 2\nb: 3\n"

    assert load_text(text, "x.yaml").problems == load_text(text, "x.yaml").problems
    assert load_text(text, "x.yaml").problems


def test_a_loaded_copy_keeps_what_aliases_share_and_nothing_else() -> None:
    text = (
        "base: &base {a: [1, 2.5, null, true], b: {c: text}}\n"
        "one: *base\n"
        "two: *base\n"
        "list: &items [x, y]\n"
        "more: [*items, *items]\n"
    )
    first = load_text(text, "aliases.yaml")
    again = load_text(text, "aliases.yaml")
    data = again.data

    assert data == first.data
    assert data["one"] is data["base"] and data["two"] is data["base"]  # as deepcopy keeps them
    assert data["more"][0] is data["list"] and data["more"][1] is data["list"]
    assert data["base"] is not first.data["base"]
    assert data["base"]["a"] is not first.data["base"]["a"]
    data["base"]["a"].append(4)
    assert data["one"]["a"][-1] == 4
    assert load_text(text, "aliases.yaml").data["base"]["a"] == [1, 2.5, None, True]
