"""``ferry render``: records from JSON, JSON Lines or YAML through a mapping, one JSON object per
record, with ``--explain``, ``--mode`` and exit codes (0 ok, 1 a record failed, 2 bad input)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.compiler.specs import SpecWriter, line_of

SPEC = """\
when:
  - {name: active, expr: "record.status == 'Active'", reason: only Active accounts}
fields:
  - {to: name, from: name, transforms: [trim, upper]}
  - {to: origin, value: ZUORA, write: create}
  - {to: number, from: number, missing: fail}
  - {to: vip, value: true, when: "record.tier == 'gold'"}
"""

RECORDS: list[dict[str, Any]] = [
    {"id": "1", "status": "Active", "name": " ada ", "number": 7, "tier": "gold"},
    {"id": "2", "status": "Closed", "name": "bob", "number": 8},
    {"id": "3", "status": "Active", "name": "cy", "number": 1.5},
]

EXPECTED = [
    {
        "key": "1",
        "action": "render",
        "payload": {"name": "ADA", "origin": "ZUORA", "number": 7, "vip": True},
    },
    {"key": "2", "action": "skip", "reason": "only Active accounts", "guard": "active"},
    {"key": "3", "action": "render", "payload": {"name": "CY", "origin": "ZUORA", "number": 1.5}},
]

Ferry = Callable[..., Any]


def lines_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def input_file(
    tmp_path: Path, content: str | list[dict[str, Any]], name: str = "records.jsonl"
) -> Path:
    """The ``--input`` file: text as given, or records as JSON Lines."""
    source = tmp_path / name
    if not isinstance(content, str):
        content = "".join(json.dumps(r) + "\n" for r in content)
    source.write_text(content)
    return source


@pytest.fixture
def spec(specs: SpecWriter) -> Path:
    return specs.yaml(SPEC)


def _yaml(records: list[dict[str, Any]]) -> str:
    return "".join(f"- {json.dumps(r)}\n" for r in records)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("records.json", json.dumps(RECORDS)),
        ("records.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDS)),
        ("records.ndjson", "\n".join(json.dumps(r) for r in RECORDS) + "\n\n"),
        ("records.yaml", _yaml(RECORDS)),
        ("records.yml", _yaml(RECORDS)),
    ],
)
def test_every_input_format_renders_the_same(
    ferry: Ferry, spec: Path, tmp_path: Path, name: str, text: str
) -> None:
    source = input_file(tmp_path, text, name)

    result = ferry("render", str(spec), "--input", str(source))

    assert (result.code, result.err) == (0, "")
    assert lines_of(result.out) == EXPECTED


def test_a_json_object_is_one_record(ferry: Ferry, spec: Path, tmp_path: Path) -> None:
    source = input_file(tmp_path, json.dumps(RECORDS[0]), "one.json")

    result = ferry("render", str(spec), "-i", str(source), "--pretty")

    assert result.code == 0
    assert json.loads(result.out) == EXPECTED[0]


def test_update_mode_drops_create_only_fields(ferry: Ferry, spec: Path, tmp_path: Path) -> None:
    source = input_file(tmp_path, json.dumps(RECORDS[0]))

    result = ferry("render", str(spec), "-i", str(source), "--mode", "update")

    assert result.code == 0
    assert lines_of(result.out)[0]["payload"] == {"name": "ADA", "number": 7, "vip": True}


def test_explain_shows_sources_steps_and_guard_decisions(
    ferry: Ferry, spec: Path, tmp_path: Path
) -> None:
    source = input_file(tmp_path, json.dumps(RECORDS[:2]), "records.json")

    result = ferry("render", str(spec), "-i", str(source), "--explain")

    rendered, skipped = lines_of(result.out)
    assert result.code == 0
    story = rendered["explain"]
    assert [(g["name"], g["passed"]) for g in story["guards"]] == [("active", True)]
    assert story["guards"][0]["location"]["line"] == line_of(spec, "name: active")
    fields = {f["to"]: f for f in story["fields"]}
    assert fields["name"]["source"] == "from: name"
    assert fields["name"]["value"] == " ada "
    assert [(s["name"], s["before"], s["after"]) for s in fields["name"]["steps"]] == [
        ("trim", " ada ", "ada"),
        ("upper", "ada", "ADA"),
    ]
    assert fields["name"]["location"]["line"] == line_of(spec, "to: name")
    assert fields["vip"]["guard"]["passed"] is True
    assert fields["vip"]["guard"]["expression"] == "record.tier == 'gold'"
    assert [(g["name"], g["passed"]) for g in skipped["explain"]["guards"]] == [("active", False)]


def test_explain_says_why_a_field_was_left_out(ferry: Ferry, spec: Path, tmp_path: Path) -> None:
    source = input_file(tmp_path, json.dumps(RECORDS[2]), "records.json")

    result = ferry("render", str(spec), "-i", str(source), "--explain", "--mode", "update")

    fields = {f["to"]: f for f in lines_of(result.out)[0]["explain"]["fields"]}
    assert fields["vip"]["guard"]["passed"] is False
    assert fields["vip"]["written"] is False
    assert "not written on update" in fields["origin"]["note"]


def test_a_failing_record_is_reported_and_the_others_still_render(
    ferry: Ferry, spec: Path, tmp_path: Path
) -> None:
    broken = {"id": "9", "status": "Active", "name": "x"}
    source = input_file(tmp_path, [RECORDS[0], broken, RECORDS[2]])

    result = ferry("render", str(spec), "-i", str(source))

    first, error, last = lines_of(result.out)
    assert result.code == 1
    assert (first, last) == (EXPECTED[0], EXPECTED[2])
    assert (error["key"], error["action"]) == ("9", "error")
    assert f"{spec}:{line_of(spec, 'to: number')}:" in error["error"]
    assert "'9'" in error["error"] and "'number'" in error["error"]
    assert "1 record(s) failed" in result.err


def test_sequence_numbers_are_previewed_from_the_start_and_a_failure_takes_none(
    ferry: Ferry, specs: SpecWriter, tmp_path: Path
) -> None:
    spec = specs.yaml(
        """\
        fields:
          - to: entityId
            from: id
            write: create
            transforms: [{auto_number: {mode: sequence, prefix: "CUST-", padding: 4, start: 7}}]
          - {to: number, from: number, missing: fail}
        """
    )
    records = [{"id": "a", "number": 1}, {"id": "b"}, {"id": "c", "number": 3}]
    source = input_file(tmp_path, records)

    twice = [lines_of(ferry("render", str(spec), "-i", str(source)).out) for _ in range(2)]

    assert twice[0] == twice[1]  # nothing is kept between runs: a preview takes no numbers
    first, failed, last = twice[0]
    assert first["payload"] == {"entityId": "CUST-0007", "number": 1}
    assert failed["action"] == "error"
    assert last["payload"] == {"entityId": "CUST-0008", "number": 3}  # none lost to "b"


def test_a_malformed_line_is_reported_by_file_and_line(
    ferry: Ferry, spec: Path, tmp_path: Path
) -> None:
    source = input_file(
        tmp_path, json.dumps(RECORDS[0]) + '\n{"id": "2",\n' + json.dumps(RECORDS[2]) + "\n"
    )

    result = ferry("render", str(spec), "-i", str(source))

    assert result.code == 2
    assert f"{source}:2:" in result.err
    assert "Traceback" not in result.err + result.out
    assert lines_of(result.out) == EXPECTED[:1]  # streamed: the first record was already out


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("records.json", '[{"id": "1"}, 5]', "[1]"),
        ("records.jsonl", '{"id": "1"}\n[1, 2]\n', ":2"),
        ("records.yaml", "- {id: '1'}\n- {id: '2', status: yes}\n", ":2:"),
        ("records.json", '[{"id": "1"', ""),
        ("records.csv", "id\n1\n", ""),
    ],
)
def test_bad_input_is_a_usage_error_without_traceback(
    ferry: Ferry, spec: Path, tmp_path: Path, name: str, text: str, where: str
) -> None:
    source = input_file(tmp_path, text, name)

    result = ferry("render", str(spec), "-i", str(source))

    assert result.code == 2
    assert f"{source}{where}" in result.err
    assert "Traceback" not in result.err


def test_settings_given_on_the_command_line_are_used(
    ferry: Ferry, specs: SpecWriter, tmp_path: Path
) -> None:
    spec = specs.yaml('fields:\n  - {to: currency, template: "{{ settings.default_currency }}"}\n')
    source = input_file(tmp_path, '{"id": "1"}', "records.json")
    euro = specs.settings({"default_currency": "EUR"})

    default = ferry("render", str(spec), "-i", str(source))
    chosen = ferry("render", str(spec), "-i", str(source), "--settings", str(euro))

    assert lines_of(default.out)[0]["payload"] == {"currency": "USD"}
    assert lines_of(chosen.out)[0]["payload"] == {"currency": "EUR"}


def test_the_console_script_reports_bad_input_without_traceback(spec: Path, tmp_path: Path) -> None:
    source = input_file(tmp_path, "not json\n")
    ferry = Path(sys.executable).with_name("ferry")

    done = subprocess.run(
        [str(ferry), "render", str(spec), "-i", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert f"{source}:1:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_record_failing_inside_a_template_is_an_error_line(
    ferry: Ferry, specs: SpecWriter, tmp_path: Path
) -> None:
    spec = specs.yaml('fields:\n  - {to: next, template: "{{ record.number + 1 }}"}\n')
    source = input_file(tmp_path, '{"id": "1", "number": "one"}\n{"id": "2", "number": 2}\n')

    result = ferry("render", str(spec), "-i", str(source))

    assert result.code == 1, result.err
    error, ok = lines_of(result.out)
    assert error["action"] == "error"
    assert ok["payload"] == {"next": "3"}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "amounts.jsonl",
            '{"id": "1", "status": "Active", "name": "a", "number": 99999999999999.99}\n'
            '{"id": "2", "status": "Active", "name": "b", "number": 10.10}\n'
            '{"id": "3", "status": "Active", "name": "c", "number": 12345678901234567890123}\n'
            '{"id": "4", "status": "Active", "name": "d.5", "number": 7}\n',
        ),
        (
            "amounts.json",
            '[{"id": "1", "status": "Active", "name": "a", "number": 99999999999999.99},'
            ' {"id": "2", "status": "Active", "name": "b", "number": 10.10},'
            ' {"id": "3", "status": "Active", "name": "c", "number": 12345678901234567890123},'
            ' {"id": "4", "status": "Active", "name": "d.5", "number": 7}]',
        ),
        (  # a fixture written in YAML: 10.10 is the decimal it spells, not a refused "1.1"
            "amounts.yaml",
            "- {id: '1', status: Active, name: a, number: 99999999999999.99}\n"
            "- {id: '2', status: Active, name: b, number: 10.10}\n"
            "- {id: '3', status: Active, name: c, number: 12345678901234567890123}\n"
            "- {id: '4', status: Active, name: d.5, number: 7}\n",
        ),
    ],
)
def test_amounts_are_read_exactly_as_sync_reads_them(
    ferry: Ferry, spec: Path, tmp_path: Path, name: str, text: str
) -> None:
    # A float would give 99999999999999.98, 10.1 and 1.2345678901234568e+22.
    source = input_file(tmp_path, text, name)

    result = ferry("render", str(spec), "-i", str(source))

    assert (result.code, result.err) == (0, "")
    numbers = [
        line.split('"number":', 1)[1].split(",")[0].rstrip("}") for line in result.out.splitlines()
    ]
    assert numbers == ["99999999999999.99", "10.10", "12345678901234567890123", "7"]
