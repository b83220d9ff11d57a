"""Dates and date-times: parse one textual form, write another, with explicit time zones.

Why specialised: date reformatting runs on every transaction line, and `strptime`/`strftime`
cost microseconds each. The factory looks at the formats once: ISO date to ISO date is a
validation only, ISO date to any `%Y`/`%m`/`%d` layout is string slicing; everything else goes
through `datetime`. Why explicit zones: a Zuora date-time late in the evening in Los Angeles is
already tomorrow in UTC, so "which day" depends on a zone the spec must name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from operator import itemgetter
from typing import Any

from engine.transforms import inline
from engine.transforms._support import refuse
from engine.transforms.core import (
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
    with_inline,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEYWORDS_IN = ("iso", "iso-datetime", "epoch", "epoch-ms")
_KEYWORDS_OUT = ("iso", "netsuite", "iso-datetime")
_TIME_DIRECTIVES = frozenset("HIMSfpzZcXsT")
_DAY_SLICES = {"Y": slice(0, 4), "m": slice(5, 7), "d": slice(8, 10), "y": slice(2, 4)}

Moment = date  # a date, or an aware datetime (a datetime is a date)


@transform(
    "date",
    params=param_schema(
        input=prop(
            "`iso` (YYYY-MM-DD), `iso-datetime`, `epoch` (seconds), `epoch-ms`, or a "
            "strftime format such as `%m/%d/%Y`.",
            ["iso-datetime", "%d.%m.%Y"],
            type="string",
            minLength=1,
            default="iso",
        ),
        output=prop(
            "`iso` or `netsuite` (YYYY-MM-DD), `iso-datetime`, or a strftime format.",
            ["netsuite", "%m/%d/%Y"],
            type="string",
            minLength=1,
            default="iso",
        ),
        timezone=prop(
            "Zone in which a date-time is read as a day or written (IANA name).",
            ["America/Los_Angeles"],
            type="string",
            minLength=1,
            default="UTC",
        ),
        assume_timezone=prop(
            "Zone of date-times that carry no offset (IANA name).",
            ["America/New_York"],
            type="string",
            minLength=1,
            default="UTC",
        ),
    ),
    examples=[
        {"params": {}, "input": "2025-01-31", "output": "2025-01-31"},
        {"params": {"output": "%m/%d/%Y"}, "input": "2025-01-31", "output": "01/31/2025"},
        {
            "params": {"input": "iso-datetime", "output": "netsuite"},
            "input": "2025-01-31T23:30:00-08:00",
            "output": "2025-02-01",
            "note": "the day in UTC",
        },
        {
            "params": {
                "input": "iso-datetime",
                "output": "netsuite",
                "timezone": "America/Los_Angeles",
            },
            "input": "2025-01-31T23:30:00-08:00",
            "output": "2025-01-31",
        },
        {
            "params": {"input": "epoch-ms", "output": "iso-datetime"},
            "input": 1738368000000,
            "output": "2025-02-01T00:00:00+00:00",
        },
        {"params": {"input": "%d.%m.%Y"}, "input": "31.01.2025", "output": "2025-01-31"},
        {"params": {}, "input": "2025-02-30", "error": "expected a date as YYYY-MM-DD"},
    ],
)
def date_(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Parse a date or date-time and write it in the destination's form.

    NetSuite's REST API takes dates as `YYYY-MM-DD` (`output: netsuite`). Date-times are turned
    into a day in `timezone` (default UTC): pick the zone the business closes its books in.
    Values without an offset are read in `assume_timezone`. Impossible dates (`2025-02-30`)
    are refused, also on the fast paths. `date`/`datetime` objects are accepted as they are.
    """
    source, target = params["input"], params["output"]
    _check_format(source, _KEYWORDS_IN, "input")
    _check_format(target, _KEYWORDS_OUT, "output")
    zone = _zone(params["timezone"], "timezone")
    assume = _zone(params["assume_timezone"], "assume_timezone")
    fast = _fast_path(source, target)
    if fast is not None:
        return fast
    parse = _parser(source, assume)
    render = _renderer(target, zone)

    def run(value: Any) -> str:
        return render(parse(value))

    if source != "iso-datetime":
        return run
    written = None if target in _KEYWORDS_OUT else target
    return with_inline(run, inline.iso_datetime(assume, zone, not _has_time(target), written))


def _check_format(fmt: str, keywords: tuple[str, ...], param: str) -> None:
    if fmt in keywords:
        return
    if "%" not in fmt:
        words = ", ".join(keywords)
        raise TransformParamsError.at(param, f"expected {words} or a strftime format, got {fmt!r}")
    try:
        datetime(2000, 1, 31, tzinfo=UTC).strftime(fmt)
    except ValueError as exc:
        raise TransformParamsError.at(param, f"bad format {fmt!r}: {exc}") from exc


def _zone(name: str, param: str) -> tzinfo:
    if name == "UTC":
        return UTC
    # zoneinfo reads the time zone database: imported by the first spec that names a zone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TransformParamsError.at(param, f"unknown time zone {name!r}") from exc


def _tokens(fmt: str) -> list[tuple[bool, str]]:
    """A strftime format as (is_directive, character) pairs; `%%` is the directive `%`."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            out.append((True, fmt[i + 1]))
            i += 2
        else:
            out.append((False, fmt[i]))
            i += 1
    return out


def _has_time(fmt: str) -> bool:
    return fmt == "iso-datetime" or any(d and c in _TIME_DIRECTIVES for d, c in _tokens(fmt))


def _iso_day(value: Any) -> str:
    """The value if it is a real YYYY-MM-DD date; the shape test keeps 3.11's extra ISO forms
    (`20250131`, `2025-W05-1`) out, `fromisoformat` catches impossible days."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise refuse(value, "a date as YYYY-MM-DD")


def _fast_path(source: str, target: str) -> Fn | None:
    """Slicing for ISO dates written in a pure %Y/%m/%d/%y layout; None when it does not apply."""
    if source != "iso":
        return None
    if target in ("iso", "netsuite"):
        return _iso_day
    layout: list[str | slice] = []  # literal characters and the slices of the ISO text
    for directive, char in _tokens(target):
        if not directive or char == "%":
            layout.append(char)
        elif char in _DAY_SLICES:
            layout.append(_DAY_SLICES[char])
        else:
            return None
    slices = [part for part in layout if isinstance(part, slice)]
    if not slices:
        return None
    template = "".join("%s" if isinstance(p, slice) else p.replace("%", "%%") for p in layout)
    if len(slices) == 1:
        return _slicer_one(template, slices[0])
    tables = _day_tables(tuple((p.start, p.stop) if isinstance(p, slice) else p for p in layout))
    if tables is None:
        return _slicer(template, slices)
    return _by_day_and_year(template, slices, *tables)


def _slicer_one(template: str, only: slice) -> Fn:
    def one(value: Any) -> str:
        day: str = _iso_day(value)
        return template % (day[only],)

    return one


def _slicer(template: str, slices: list[slice]) -> Fn:
    """Any other layout (the year in the middle, or twice)."""
    take = itemgetter(*slices)
    # Days repeat across records (a year of records has at most 366 of them): each day's text is
    # kept once checked, up to a bound, and the generated code looks it up first.
    memo: dict[str, str] = {}

    def many(value: Any) -> str:
        parts: tuple[str, ...] = take(_iso_day(value))
        text = template % parts
        if len(memo) < _MEMO_LIMIT:
            memo[value] = text  # text: _iso_day took nothing else
        return text

    return with_inline(many, inline.memo_lookup(memo))


_MEMO_LIMIT = 20_000
_YEAR_SLICES = (_DAY_SLICES["Y"], _DAY_SLICES["y"])
# the days of each month in a year that is not a leap year (29 February goes to the checked tier)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@functools.cache
def _day_tables(
    spans: tuple[str | tuple[int, int], ...],
) -> tuple[dict[str, str], slice, str] | None:
    """For a layout (literal characters and the spans of the ISO text it writes) that writes
    the year once, first or last, or not at all: every month and day of a common year
    (``-MM-DD``, as the ISO text ends) with its text written, the year's slice, and where the
    year goes (``first``, ``last``, ``none``); None for other layouts. Kept per layout: a
    spec with many such fields builds it once."""
    layout = [slice(*p) if isinstance(p, tuple) else p for p in spans]
    years = [i for i, part in enumerate(layout) if isinstance(part, slice) and part in _YEAR_SLICES]
    if len(years) > 1:
        return None
    if years and years[0] not in (0, len(layout) - 1):
        return None
    place = "none" if not years else "first" if years[0] == 0 else "last"
    year = layout[years[0]] if years else _DAY_SLICES["Y"]  # none: kept, never written
    assert isinstance(year, slice)
    rest = [part for i, part in enumerate(layout) if i not in years]
    days = {}
    for month in range(1, 13):
        for day in range(1, _MONTH_DAYS[month - 1] + 1):
            text = f"0001-{month:02d}-{day:02d}"
            days[text[4:]] = "".join(text[p] if isinstance(p, slice) else p for p in rest)
    return days, year, place


def _by_day_and_year(
    template: str, slices: list[slice], days: dict[str, str], year: slice, place: str
) -> Fn:
    """The fast tier writes the day from two small tables, without a check of its own: the
    text for its ``-MM-DD`` (every day of a common year) and its year's text, which this
    callable keeps for each year it saw in a real day (any such year has every day of a common
    year; 29 February and a year not seen yet miss, raise, and come here). The tables stay
    small and in the processor's cache where a table of whole days (as many entries as a
    stream has distinct days) did not."""
    take = itemgetter(*slices)
    years: dict[str, str] = {}  # at most 9,999 entries: the years fromisoformat reads

    def by_day(value: Any) -> str:
        day: str = _iso_day(value)
        years[day[:4]] = day[year]
        text: str = template % take(day)
        return text

    return with_inline(by_day, inline.day_and_year(days, years, place))


def _parser(source: str, assume: tzinfo) -> Callable[[Any], Moment]:
    if source == "iso":
        return lambda value: value if _is_day(value) else date.fromisoformat(_iso_day(value))
    if source == "iso-datetime":
        return lambda value: _aware(_parse_iso_datetime(value), assume)
    if source == "epoch":
        return lambda value: _since_epoch(value, 1000)
    if source == "epoch-ms":
        return lambda value: _since_epoch(value, 1)
    day_only = not _has_time(source)

    def strptime(value: Any) -> Moment:
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise refuse(value, f"a date as {source}")
        try:
            parsed = datetime.strptime(value, source)
        except ValueError:
            raise refuse(value, f"a date as {source}") from None
        return parsed.date() if day_only else _aware(parsed, assume)

    return strptime


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _parse_iso_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise refuse(value, "an ISO 8601 date-time")


def _aware(moment: datetime, assume: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=assume)


def _since_epoch(value: Any, ms_per_unit: int) -> datetime:
    """Exact integer arithmetic: no float ever holds the timestamp."""
    number: int | None = None
    if type(value) is int:
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isascii() and digits.isdigit():
            number = int(text)
    if number is not None:
        try:
            return _EPOCH + timedelta(milliseconds=number * ms_per_unit)
        except OverflowError:
            pass
    raise refuse(value, "a whole number of seconds or milliseconds since 1970")


def _renderer(target: str, zone: tzinfo) -> Callable[[Moment], str]:
    if not _has_time(target):
        write_day: Callable[[date], str] = (
            date.isoformat if target in ("iso", "netsuite") else lambda d: d.strftime(target)
        )
        return lambda moment: write_day(_day(moment, zone))
    write: Callable[[datetime], str] = (
        datetime.isoformat if target == "iso-datetime" else lambda m: m.strftime(target)
    )
    return lambda moment: write(_instant(moment, zone))


def _day(moment: Moment, zone: tzinfo) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(zone).date()
    return moment


def _instant(moment: Moment, zone: tzinfo) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(zone)
    return datetime.combine(moment, time(), zone)
