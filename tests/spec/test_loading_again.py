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


def test_the_same_text_in_another_file_is_located_in_that_file(tmp_path: Path) -> None:
    """The parse is kept by text, not by file (the unchanged files of a diff of two folders):
    every location of the second file names the second file."""
    text = CUSTOMER.read_text().replace("  - to: email\n", "  - to: email\n    bogus: 1\n", 1)
    assert "bogus: 1" in text
    paths = []
    for side in ("old", "new"):
        (tmp_path / side).mkdir()
        paths.append(tmp_path / side / "customer.yaml")
        paths[-1].write_text(text)

    first, second = load_path(paths[0]), load_path(paths[1])
    problems = [engine.validate(path) for path in paths]

    assert first.source.file == str(paths[0]) and second.source.file == str(paths[1])
    assert first.source.locate(("fields", 3)) != second.source.locate(("fields", 3))
    assert first.source.values == second.source.values
    for path, found in zip(paths, problems, strict=True):
        assert found, "the unknown key must be reported in both files"
        assert {p.location.file for p in found} == {str(path)}


def test_warnings_of_a_text_read_from_two_files_name_each_file() -> None:
    """A parse with problems (an ambiguous ``yes``) is not shared across names: the problems
    carry their file's name."""
    text = "apiVersion: ferry/v1\nflag: yes\n"

    first, second = load_text(text, "a.yaml"), load_text(text, "b.yaml")

    assert [p.location.file for p in first.problems] == ["a.yaml"]
    assert [p.location.file for p in second.problems] == ["b.yaml"]
    assert first.problems[0].message == second.problems[0].message


def test_data_loaded_from_two_files_with_one_text_are_separate_copies() -> None:
    text = "a:\n  b: [1, 2]\n"
    first, second = load_text(text, "a.yaml"), load_text(text, "b.yaml")

    first.data["a"]["b"].append(3)

    assert second.data == {"a": {"b": [1, 2]}}
    assert load_text(text, "c.yaml").data == {"a": {"b": [1, 2]}}
