"""Specs that pass the schema but cannot be compiled are refused when loaded, with located
problems; and a spec that compiles never fails later for a reason visible in the spec."""

from __future__ import annotations

from typing import Any

import pytest

import engine
from engine import RenderError, SpecError
from engine.transforms.core import InMemorySequenceStore
from tests.compiler.specs import SpecWriter, line_of


def load_problems(path: Any, **kw: Any) -> list[engine.Problem]:
    with pytest.raises(SpecError) as caught:
        engine.load_mapping(path, **kw)
    return caught.value.problems


def test_a_transform_refusing_its_parameters_is_a_located_spec_error(specs: SpecWriter) -> None:
    path = specs.yaml(
        """\
        fields:
          - to: terms
            from: paymentTerm
            transforms:
              - trim
              - map: {values: {Net30: Net 30}, unmapped: default}
        """
    )

    (problem,) = load_problems(path)

    assert problem.location.file == str(path)
    assert problem.location.line == line_of(path, "- map:")
    assert problem.json_path == "$.fields[0].transforms[1].map.default"
    assert problem.field == "terms"
    assert "unmapped: default" in problem.message
    assert f"{path}:{problem.location.line}:" in problem.render()


# A spec whose two problems only compiling finds: numbering without a sequence store, and a
# lookup table without the 'id' its output needs.
TWO_COMPILE_PROBLEMS = """\
tables:
  terms: {Net30: {name: Net 30}}
fields:
  - {to: ok, from: name}
  - to: number
    from: number
    write: create
    transforms: [{auto_number: {mode: sequence}}]
  - to: terms
    from: paymentTerm
    transforms: [{lookup: {table: terms}}]
"""


def test_every_compile_problem_is_reported_at_once(specs: SpecWriter) -> None:
    path = specs.yaml(TWO_COMPILE_PROBLEMS)

    problems = load_problems(path)

    assert [(p.field, p.location.line) for p in problems] == [
        ("number", line_of(path, "auto_number")),
        ("terms", line_of(path, "lookup:")),
    ]
    assert "sequence store" in problems[0].message
    assert "no 'id' member" in problems[1].message


def test_a_sequence_store_makes_engine_side_numbering_compile(specs: SpecWriter) -> None:
    path = specs.yaml(
        """\
        fields:
          - to: number
            from: number
            write: create
            transforms: [{auto_number: {mode: sequence, prefix: "N-", padding: 3, start: 7}}]
        """
    )

    plan = engine.load_mapping(path, sequences=InMemorySequenceStore())

    assert [plan.render({}) for _ in range(2)] == [{"number": "N-007"}, {"number": "N-008"}]
    assert plan.render({}, mode="update") == {}
    assert plan.destination_assigned == ()


def test_a_sequence_numbered_field_written_on_updates_is_refused(specs: SpecWriter) -> None:
    path = specs.yaml(
        """\
        fields:
          - to: number
            from: number
            transforms:
              - trim
              - auto_number: {mode: sequence}
        """
    )

    problems = load_problems(path, sequences=InMemorySequenceStore())

    assert [(p.field, p.location.line) for p in problems] == [
        ("number", line_of(path, "- auto_number")),
    ]
    assert "needs `write: create`" in problems[0].message


def test_a_record_that_fails_to_render_takes_no_sequence_number(specs: SpecWriter) -> None:
    path = specs.yaml(
        """\
        fields:
          - to: number
            from: number
            write: create
            transforms: [{auto_number: {mode: sequence, prefix: "N-"}}]
          - {to: required, from: required, missing: fail}
        """
    )
    plan = engine.load_mapping(path, sequences=InMemorySequenceStore())

    assert plan.render({"required": 1}) == {"number": "N-1", "required": 1}
    with pytest.raises(RenderError):
        plan.render({"id": "broken"})
    assert plan.render({"required": 1}) == {"number": "N-2", "required": 1}

    # the same through the stream, with the failure in the middle
    stream = plan.render_many([{"required": 2}, {"id": "broken"}, {"required": 3}])
    assert next(stream) == {"number": "N-3", "required": 2}
    with pytest.raises(RenderError):
        next(stream)
    assert plan.render({"required": 4}) == {"number": "N-4", "required": 4}


# --- a compiled plan never fails later for a reason visible in the spec ------------------------

NEVER_RENDERABLE = [
    pytest.param("fields:\n  - {to: f, value: .inf}\n", id="infinite-constant"),
    pytest.param("fields:\n  - {to: f, value: {x: -.inf}}\n", id="nested-infinite-constant"),
    pytest.param(
        "fields:\n  - {to: f, from: nope, missing: default, default: .nan}\n", id="nan-default"
    ),
    pytest.param('fields:\n  - {to: f, template: "{{ line.amount }}"}\n', id="line-outside-lines"),
]


@pytest.mark.parametrize("body", NEVER_RENDERABLE)
def test_a_spec_that_cannot_render_any_record_is_refused_at_load(
    specs: SpecWriter, body: str
) -> None:
    path = specs.yaml(body)
    try:
        plan = engine.load_mapping(path)
    except SpecError:
        return
    with pytest.raises(RenderError):
        plan.render({"id": "r1"})
    pytest.fail("loaded a spec that fails on every record")


FOLDED_TEMPLATES = [
    pytest.param("{{ settings.cutover_dates.invoice }}", id="undefined-in-settings"),
    pytest.param("{{ 1 // 0 }}", id="arithmetic-error"),
]


@pytest.mark.parametrize("template", FOLDED_TEMPLATES)
def test_a_template_failing_when_folded_is_a_located_spec_error(
    specs: SpecWriter, template: str
) -> None:
    path = specs.yaml(f'fields:\n  - {{to: f, template: "{template}"}}\n')

    (problem,) = load_problems(path)

    assert problem.location.line == line_of(path, "template:")
    assert problem.field == "f"


def test_a_field_and_the_lines_writing_the_same_path_are_refused(specs: SpecWriter) -> None:
    path = specs.yaml(
        """\
        fields:
          - {to: item, from: item}
        lines:
          to: item.items
          from: items
          fields:
            - {to: amount, from: amount}
        """
    )
    record = {"item": {"memo": "m"}, "items": [{"amount": 1}]}
    try:
        plan = engine.load_mapping(path)
    except SpecError:
        return
    payload = plan.render(record)
    # Today: the lines are written into the record's own `item` object ...
    assert payload == {"item": {"memo": "m", "items": [{"amount": 1}]}}
    assert record["item"] == {"memo": "m", "items": [{"amount": 1}]}
    # ... and a record whose `item` is text cannot render at all.
    with pytest.raises(TypeError):
        plan.render({"item": "text", "items": []})
    pytest.fail("both write `item`; the record itself was modified")


def test_validate_reports_the_problems_a_compile_raises(specs: SpecWriter) -> None:
    """``ferry validate`` compiles only as far as the problems go (no code is generated):
    it must find exactly what a full compile raises."""
    from engine.check.settings import settings_for
    from engine.check.specfile import load_document
    from engine.compile.compiler import compile_document
    from engine.run.validation import validate_paths

    path = specs.yaml(TWO_COMPILE_PROBLEMS)
    doc = load_document(path, kind="Mapping")
    with pytest.raises(SpecError) as compiled:
        compile_document(doc, settings_for(doc, None), sequences=InMemorySequenceStore())

    _docs, validated = validate_paths([path])

    found = [p for p in validated if not p.is_warning]
    assert compiled.value.problems
    assert [p.render() for p in found] == [
        p.render() for p in sorted(compiled.value.problems, key=lambda p: (p.rank, p.location))
    ]
