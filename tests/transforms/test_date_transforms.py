"""date: formats, zones, fast paths that still validate, and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TransformError
from engine.transforms import TransformParamsError
from tests.transforms.helpers import build, build_item

DAYS = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))


@given(DAYS, st.sampled_from(["%m/%d/%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y", "%Y-%m-%d %%"]))
def test_iso_fast_path_matches_strftime(day: dt.date, fmt: str) -> None:
    assert build("date", output=fmt)(day.isoformat()) == day.strftime(fmt)


@given(DAYS)
def test_iso_to_netsuite_is_identity(day: dt.date) -> None:
    text = day.isoformat()
    assert build("date", output="netsuite")(text) == text


@pytest.mark.parametrize("output", ["iso", "%m/%d/%Y", "%d %B %Y"])
@pytest.mark.parametrize(
    "value",
    ["2025-02-30", "2025-13-01", "20250131", "2025-W05-1", "2025-1-31", "31/01/2025", "", 20250131],
)
def test_iso_input_is_validated_on_every_path(output: str, value: Any) -> None:
    with pytest.raises(TransformError, match="expected a date as YYYY-MM-DD"):
        build("date", output=output)(value)


def test_slow_path_formats() -> None:
    assert build("date", output="%d %B %Y")("2025-01-31") == "31 January 2025"
    assert build("date", output="iso-datetime")("2025-01-31") == "2025-01-31T00:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("2025-01-31T23:30:00-08:00", "UTC", "2025-02-01"),
        ("2025-01-31T23:30:00-08:00", "America/Los_Angeles", "2025-01-31"),
        ("2025-02-01T07:30:00Z", "America/Los_Angeles", "2025-01-31"),
        ("2025-01-31T10:20:30.000+00:00", "UTC", "2025-01-31"),
        (dt.datetime(2025, 1, 31, 23, tzinfo=dt.UTC), "Asia/Tokyo", "2025-02-01"),
    ],
)
def test_datetimes_become_days_in_the_chosen_zone(value: Any, zone: str, expected: str) -> None:
    run = build("date", input="iso-datetime", output="netsuite", timezone=zone)
    assert run(value) == expected


def test_naive_datetimes_use_assume_timezone() -> None:
    run = build(
        "date",
        input="iso-datetime",
        output="iso-datetime",
        assume_timezone="America/New_York",
    )
    assert run("2025-07-01T12:00:00") == "2025-07-01T16:00:00+00:00"


def test_epoch_inputs_are_exact() -> None:
    assert build("date", input="epoch")(0) == "1970-01-01"
    assert build("date", input="epoch-ms", output="%H:%M:%S.%f")("1001") == "00:00:01.001000"
    assert build("date", input="epoch-ms", output="iso-datetime")(-1) == (
        "1969-12-31T23:59:59.999000+00:00"
    )


@pytest.mark.parametrize("value", [1.5, "12a", True, "", 10**20])
def test_epoch_refuses_non_integers(value: Any) -> None:
    with pytest.raises(TransformError, match="whole number of seconds"):
        build("date", input="epoch")(value)


def test_strftime_input() -> None:
    assert build("date", input="%m/%d/%Y")("01/31/2025") == "2025-01-31"
    with pytest.raises(TransformError, match="expected a date as %m/%d/%Y"):
        build("date", input="%m/%d/%Y")("2025-01-31")
    run = build("date", input="%Y-%m-%d %H:%M", output="iso-datetime", assume_timezone="UTC")
    assert run("2025-01-31 10:00") == "2025-01-31T10:00:00+00:00"


def test_date_objects_are_accepted() -> None:
    assert build("date", output="%d.%m.%Y", input="%Y")(dt.date(2025, 1, 31)) == "31.01.2025"


def test_iso_datetime_refusals() -> None:
    with pytest.raises(TransformError, match="expected an ISO 8601 date-time"):
        build("date", input="iso-datetime")("yesterday")


@pytest.mark.parametrize(
    ("params", "where", "message"),
    [
        ({"input": "american"}, "input", "expected iso, iso-datetime, epoch, epoch-ms"),
        ({"output": "epoch"}, "output", "expected iso, netsuite, iso-datetime"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"assume_timezone": "../etc"}, "assume_timezone", "unknown time zone"),
    ],
)
def test_parameter_errors(params: dict[str, str], where: str, message: str) -> None:
    with pytest.raises(TransformParamsError, match=message) as caught:
        build_item({"date": params})
    assert caught.value.problems[0].path == ("date", where)
