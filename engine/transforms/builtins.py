"""The list of built-in transforms, in documentation order.

Why a list instead of import-time registration: registries are per instance, so importing a
family must not change any registry; ``default_registry()`` registers exactly these.
"""

from __future__ import annotations

from engine.transforms import (
    dates,
    identity,
    joining,
    numbers,
    structure,
    tables,
    text,
    values,
)
from engine.transforms.core import Transform

BUILTINS: tuple[Transform, ...] = (
    text.trim,
    text.upper,
    text.lower,
    text.truncate,
    text.replace,
    text.split_before_space,
    joining.prefix,
    joining.suffix,
    joining.concat,
    joining.format_,
    identity.name_as_id,
    identity.auto_number,
    values.default,
    values.coalesce,
    values.bool_,
    tables.map_,
    tables.lookup,
    numbers.decimal,
    numbers.abs_,
    numbers.negate,
    dates.date_,
    structure.wrap,
)
