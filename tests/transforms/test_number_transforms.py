"""decimal, abs, negate: exact money, no floats, half-even rounding."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import TransformError
from engine.transforms import TransformParamsError
from tests.transforms.helpers import build, build_item, same


def half_even(number: Decimal, places: int) -> Decimal:
    """Reference rounding in exact rational arithmetic, no decimal context involved."""
    scaled = Fraction(number) * 10**places
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Decimal(floor).scaleb(-places)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15),
    st.integers(min_value=0, max_value=6),
)
def test_decimal_rounds_half_even_exactly(number: Decimal, places: int) -> None:
    out = build("decimal", places=places)(str(number))
    assert isinstance(out, Decimal)
    assert out == half_even(number, places)
    assert out.as_tuple().exponent == -places


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_decimal_reads_floats_through_their_shortest_text(number: float) -> None:
    out = build("decimal")(number)
    assert out == half_even(Decimal(repr(number)), 2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.675"), Decimal("2.68")),
        (2.675, Decimal("2.68")),  # the float is 2.67499999...; its repr is "2.675"
        ("0.005", Decimal("0.00")),
        ("0.015", Decimal("0.02")),
        ("-0.125", Decimal("-0.12")),
        (" 12 ", Decimal("12.00")),
        ("1e3", Decimal("1000.00")),
        (7, Decimal("7.00")),
    ],
)
def test_decimal_cases(value: Any, expected: Decimal) -> None:
    assert same(build("decimal")(value), expected)


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("USD", "10.50"), ("JPY", "10"), ("KWD", "10.500"), ("CLF", "10.5000"), ("XYZ", "10.50")],
)
def test_decimal_currency_minor_units(currency: str, expected: str) -> None:
    assert build_item({"decimal": {"currency": currency, "as": "string"}})("10.5") == expected


@pytest.mark.parametrize(
    "value",
    ["1,000.00", "1_000", "12 USD", "NaN", "Infinity", "", "١٢", True, b"12", [1]],
)
def test_decimal_refuses_non_numbers(value: Any) -> None:
    with pytest.raises(TransformError, match="expected a"):
        build("decimal")(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Inf")])
def test_decimal_refuses_non_finite(value: Any) -> None:
    with pytest.raises(TransformError, match="expected a finite number"):
        build("decimal")(value)


def test_decimal_can_reject_floats() -> None:
    with pytest.raises(TransformError, match=r"got 10\.5 \(float\)"):
        build("decimal", floats="reject")(10.5)
    assert build("decimal", floats="reject")(Decimal("10.5")) == Decimal("10.50")


def test_decimal_too_large_for_the_places() -> None:
    with pytest.raises(TransformError, match="fits 2 decimal places"):
        build("decimal")("1e80")


def test_decimal_parameter_checks() -> None:
    with pytest.raises(TransformParamsError, match="`places` or `currency`"):
        build("decimal", places=2, currency="USD")
    with pytest.raises(TransformParamsError, match="parameter 'currency'"):
        build("decimal", currency="usd")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("-10.50"), Decimal("10.50")),
        ("-3.0", Decimal("3.0")),
        (-4, 4),
        (Decimal("-0"), Decimal("0")),
        (-2.5, Decimal("2.5")),
    ],
)
def test_abs(value: Any, expected: Any) -> None:
    assert same(build("abs")(value), expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10.50"), Decimal("-10.50")),
        ("-3", Decimal("3")),
        (0, 0),
        ("0.00", Decimal("0.00")),
    ],
)
def test_negate(value: Any, expected: Any) -> None:
    out = build("negate")(value)
    assert same(out, expected)
    assert not str(out).startswith("-0")


@pytest.mark.parametrize("name", ["abs", "negate"])
@pytest.mark.parametrize("value", ["ten", True, {"amount": 1}])
def test_sign_transforms_refuse_non_numbers(name: str, value: Any) -> None:
    with pytest.raises(TransformError, match="expected a number"):
        build(name)(value)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_abs_and_negate_are_exact(number: Decimal) -> None:
    magnitude = build("abs")(number)
    assert magnitude >= 0 and magnitude.as_tuple().digits == number.as_tuple().digits
    assert build("negate")(build("negate")(number)) == number
