"""Money and signs, exactly: Decimal rounding and the sign flips credit memos need.

Why no floats: `0.1 + 0.2` is not `0.3` in binary floating point, and a cent lost on an invoice
is a reconciliation ticket. Values arrive as Decimal (drivers read JSON numbers exactly), text
or integers; a float that slipped in is converted through its shortest repr (`0.1` -> `0.1`,
never `0.1000000000000000055...`) or refused with `floats: reject`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

from engine.errors import TransformError
from engine.transforms._support import refuse, to_decimal
from engine.transforms.core import (
    Fn,
    TransformContext,
    TransformParamsError,
    param_schema,
    prop,
    transform,
)

_ZERO_DIGITS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DIGITS = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNITS = {
    **dict.fromkeys(_ZERO_DIGITS.split(" "), 0),
    **dict.fromkeys(_THREE_DIGITS.split(" "), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
"""ISO 4217 currencies whose minor unit is not 2 digits; every other code uses 2."""

_WIDE = Context(prec=60, rounding=ROUND_HALF_EVEN)


@transform(
    "decimal",
    params=param_schema(
        places=prop(
            "Digits after the point (default 2).", [2, 0, 4], type="integer", minimum=0, maximum=18
        ),
        currency=prop(
            "ISO 4217 code whose minor unit sets the places (JPY 0, BHD 3, "
            "others 2); instead of `places`.",
            ["JPY"],
            type="string",
            pattern="^[A-Z]{3}$",
        ),
        floats=prop(
            "A float input: `convert` it through its shortest text, or `reject` it.",
            ["reject"],
            enum=["convert", "reject"],
            default="convert",
        ),
        **{
            "as": prop(
                "Return a `decimal` (written exactly as JSON) or its `string` text.",
                ["string"],
                enum=["decimal", "string"],
                default="decimal",
            )
        },
    ),
    examples=[
        {
            "params": {},
            "input": "10.125",
            "output": Decimal("10.12"),
            "note": "half-even: ties go to the even digit",
        },
        {"params": {}, "input": "10.135", "output": Decimal("10.14")},
        {"params": {"currency": "JPY"}, "input": Decimal("1500.5"), "output": Decimal("1500")},
        {"params": {"currency": "BHD", "as": "string"}, "input": 12, "output": "12.000"},
        {"params": {}, "input": 0.1, "output": Decimal("0.10"), "note": "float via its repr"},
        {"params": {"floats": "reject"}, "input": 0.1, "error": "expected a number as text"},
        {"params": {}, "input": "1,000.00", "error": "expected a number"},
    ],
)
def decimal(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """Read a money amount as an exact Decimal rounded half-even to the currency's places.

    Half-even ("banker's") rounding is the accounting default: ties alternate, so sums of many
    rounded amounts do not drift upwards. Text must be plain number text (`-1234.50`, `1e3`);
    thousands separators are refused because `1,000` and `1.000` mean different things in
    different locales. NaN and infinities are refused.
    """
    if "places" in params and "currency" in params:
        raise TransformParamsError.at("currency", "give `places` or `currency`, not both")
    places: int = (
        params["places"] if "places" in params else MINOR_UNITS.get(params.get("currency", ""), 2)
    )
    exponent = Decimal(1).scaleb(-places)
    floats = params["floats"] == "convert"
    as_text = params["as"] == "string"

    def run(value: Any) -> Any:
        number = to_decimal(value, floats=floats)
        try:
            rounded = number.quantize(exponent, ROUND_HALF_EVEN, _WIDE)
        except InvalidOperation as exc:
            raise refuse(value, f"a number that fits {places} decimal places") from exc
        return format(rounded, "f") if as_text else rounded

    return run


def _exact(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except TransformError:
        raise refuse(value, "a number (Decimal, integer or number text)") from None


@transform(
    "abs",
    examples=[
        {"params": {}, "input": Decimal("-125.50"), "output": Decimal("125.50")},
        {"params": {}, "input": -3, "output": 3},
        {"params": {}, "input": "-0.00", "output": Decimal("0.00")},
    ],
)
def abs_(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """The amount without its sign, exactly (the digits and places are kept).

    A Zuora invoice with a negative total becomes a NetSuite credit memo, whose amounts are
    positive. Text becomes a Decimal; an integer stays an integer.
    """

    def run(value: Any) -> Any:
        return abs(value) if type(value) is int else _exact(value).copy_abs()

    return run


@transform(
    "negate",
    examples=[
        {"params": {}, "input": Decimal("125.50"), "output": Decimal("-125.50")},
        {"params": {}, "input": -3, "output": 3},
        {"params": {}, "input": Decimal("0.00"), "output": Decimal("0.00")},
    ],
)
def negate(params: Mapping[str, Any], ctx: TransformContext) -> Fn:
    """The amount with its sign flipped, exactly; zero stays zero (never `-0`).

    For systems that record refunds or credits as negative amounts of the same document type.
    """

    def run(value: Any) -> Any:
        if type(value) is int:
            return -value
        number = _exact(value)
        return number.copy_negate() if number else number.copy_abs()

    return run
