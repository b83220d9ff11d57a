"""Time and size budgets for user-supplied logic: templates, JMESPath expressions, ``format``.

Why: a spec is data written by a consultant and reviewed in a pull request, yet a line such as
``{{ 9 ** (9 ** 9) }}`` or a JMESPath that doubles a list 24 times would hang a run or take
gigabytes before anything failed. Every evaluation of one field on one record therefore gets a
budget: ``MAX_SECONDS`` of wall time and ``MAX_SIZE`` characters/items for any value it builds
(and for the text it outputs). Going over is a ``BudgetExceeded`` (a ``TransformError``), which
the renderer turns into a located error naming the spec line, field and record, like any other
refused value.

The budget is checked where values are built (operators, calls, loop steps, JMESPath
projections and functions), so the cost of a check is paid only by constructs that can grow;
the fast tier's translated paths never touch it. Operations that could allocate far beyond the
limit in one step (``'a' * n``, ``x ** n``, ``'x'.ljust(n)``) are refused *before* they run.
The deadline is per thread, so concurrent renders each keep their own.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from engine.errors import TransformError

MAX_SECONDS = 1.0
"""Wall time one field may take on one record (and one template or expression at load time)."""
MAX_SIZE = 1_000_000
"""Characters of text, or items of nested lists and objects, one value may hold."""
MAX_INT_BITS = 10_000
"""Bits an integer built by arithmetic may have (about 3,000 decimal digits)."""
MAX_NESTING = 64
"""Nesting depth of one expression or template (parentheses, brackets, sub-expressions)."""

_CHECK_EVERY = 1024  # loop steps between clock reads


class BudgetExceeded(TransformError):
    """An evaluation went over its time or size budget."""


_state = threading.local()


def begin() -> tuple[float | None, int]:
    """Start a budget for one evaluation; returns the enclosing one, for ``end``.

    A nested evaluation (a template rendered while an expression is evaluated) keeps the outer,
    earlier deadline, so nesting never extends the time one field may take."""
    outer: float | None = getattr(_state, "deadline", None)
    printed: int = getattr(_state, "printed", 0)
    fresh = time.monotonic() + MAX_SECONDS
    _state.deadline = fresh if outer is None else min(outer, fresh)
    _state.printed = 0
    return outer, printed


def end(outer: tuple[float | None, int]) -> None:
    """Restore the enclosing budget (``(None, 0)``: no budget)."""
    _state.deadline, _state.printed = outer


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """No budget for what runs inside: work done once per template text, which is bounded by
    the spec's size and runs outside any budget when it is done at load time (generating a
    template's code, which folds its constants), even when it is done on first render."""
    outer = (getattr(_state, "deadline", None), getattr(_state, "printed", 0))
    end((None, 0))
    try:
        yield
    finally:
        end(outer)


def printed(count: int) -> None:
    """Count text a template prints; refuse past ``MAX_SIZE`` (loops print many times)."""
    if getattr(_state, "deadline", None) is None:
        return  # constant output folded at load time: bounded by the spec's own size
    total: int = getattr(_state, "printed", 0) + count
    _state.printed = total
    if total > MAX_SIZE:
        raise too_big("its output", total)


def tick() -> None:
    """Refuse to go on once the current evaluation is past its deadline."""
    deadline: float | None = getattr(_state, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded(f"took longer than its budget of {MAX_SECONDS:g} s")


def too_big(what: str, size: int) -> BudgetExceeded:
    """The error for a value over ``MAX_SIZE``."""
    return BudgetExceeded(
        f"{what} would hold {size:,} characters or items; the limit is {MAX_SIZE:,}"
    )


def _children(item: Any) -> list[Any] | None:
    """The parts of a container (keys and values of a mapping), or None for a scalar."""
    kind = type(item)
    if kind is list or kind is tuple:
        return item  # type: ignore[no-any-return]
    if kind is dict or isinstance(item, Mapping):
        return [*item.keys(), *item.values()]
    if isinstance(item, (list, tuple)):
        return list(item)
    return None


_SCALARS = frozenset({str, int, float, bool, type(None), Decimal})


def _scalar_size(item: Any) -> int:
    return len(item) if isinstance(item, str) else 1


def _parts_size(parts: Iterable[Any], nested: Callable[[Any], int] | None) -> int | None:
    """A container's size from its parts: one for itself and one per part, plus each text's
    length; a nested part counts ``nested(part)`` (None without ``nested``: the caller walks)."""
    total = 1
    for part in parts:
        kind = type(part)
        if kind is str:
            total += 1 + len(part)
        elif kind in _SCALARS:
            total += 2
        elif nested is None:
            return None
        else:
            total += 1 + nested(part)
    return total


def size_of(value: Any, limit: int = MAX_SIZE) -> int:
    """Characters and items in ``value``, counting a shared part each time it appears (that is
    what printing or serialising it costs), and stopping once past ``limit``.

    Each distinct container is measured once (its size remembered by identity), so a structure
    that doubles itself by sharing (``[a, a]``) is measured in time proportional to its distinct
    parts, not to its printed size."""
    kind = type(value)
    if kind is list or kind is tuple:  # the common case: a flat list of scalars
        flat = _parts_size(value, None)
        if flat is not None:
            return flat
    elif _children(value) is None:
        return _scalar_size(value)
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, children_done = stack.pop()
        key = id(item)
        if key in sizes:
            continue
        parts = _children(item) or []
        if not children_done:
            sizes_pending = [
                p
                for p in parts
                if type(p) not in _SCALARS and id(p) not in sizes and _children(p) is not None
            ]
            if any(id(p) == key for p in sizes_pending):
                return limit + 1  # a container inside itself never prints in bounded size
            stack.append((item, True))
            stack.extend((p, False) for p in sizes_pending)
            continue
        total = _parts_size(parts, lambda part: sizes.get(id(part)) or _scalar_size(part))
        assert total is not None  # every nested part has a size
        sizes[key] = total
        if total > limit:
            return total
    return sizes[id(value)]


def sized(value: Any, what: str = "a value") -> Any:
    """``value`` itself, or ``BudgetExceeded`` when it is bigger than ``MAX_SIZE``."""
    if isinstance(value, (str, list, tuple, Mapping)):
        size = size_of(value)
        if size > MAX_SIZE:
            raise too_big(what, size)
    return value


def steps(iterable: Any) -> Any:
    """Iterate ``iterable`` (a template's ``for`` loop), checking the clock every few steps."""
    for count, item in enumerate(iterable):
        if count % _CHECK_EVERY == 0:
            tick()
        yield item
