"""The endpoints' metadata formats: what the emulators serve reads back, and a hostile or broken
answer is a clear error, never parsed blindly."""

from __future__ import annotations

import pytest

from engine.check.catalog import shipped
from engine.check.catalog.wire import netsuite_fields, netsuite_schema, zuora_describe, zuora_fields
from engine.errors import ConfigError


def test_zuora_describe_reads_back_every_scalar_field() -> None:
    catalog = shipped().get("zuora", "account")
    assert catalog is not None

    fields = zuora_fields(zuora_describe(catalog), "zuora account")

    scalars = {n: f for n, f in catalog.fields.items() if f.type not in ("object", "array")}
    assert set(fields) == set(scalars)
    for name, field in scalars.items():
        back = fields[name]
        assert (back.required, back.creatable, back.updatable) == (
            field.required,
            field.creatable,
            field.updatable,
        )
        assert (back.max_length, back.enum, back.custom) == (
            field.max_length,
            field.enum,
            field.custom,
        )


def test_netsuite_schema_reads_back_references_and_flags() -> None:
    catalog = shipped().get("netsuite", "invoice")
    assert catalog is not None

    fields = netsuite_fields(netsuite_schema(catalog, "https://x/metadata-catalog"), "invoice")

    assert fields["entity"].type == "reference" and fields["entity"].required
    assert fields["total"].creatable is False
    assert fields["custbody_zuora_id"].custom is True


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><object>&a;</object>', "DTD"),
        ("<object><fields><field>", "not XML"),
        ("x" * 5_000_001, "too large"),
    ],
)
def test_a_hostile_or_broken_describe_is_refused(answer: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        zuora_fields(answer, "zuora account")


def test_a_metadata_answer_without_properties_is_refused() -> None:
    with pytest.raises(ConfigError, match="no 'properties'"):
        netsuite_fields({"type": "object"}, "netsuite customer")
