"""How a benchmark prints a figure: its median with its spread, and whether it meets its target.

Its own module so that every script prints figures the same way (``cli.py``, ``render.py``,
``sync_limit.py``) without one script importing another's measurements.
"""

from __future__ import annotations

import statistics


def spread(values: list[float]) -> str:
    """Median with the lowest and highest value."""
    return f"{statistics.median(values):.3g} (min {min(values):.3g}, max {max(values):.3g})"


def verdict(values: list[float], target: float | None, *, at_least: bool = False) -> str:
    """Whether the median meets the target (a most; with ``at_least``, a least), and whether
    the worst run does too."""
    if target is None:
        return "no target"
    sign = ">=" if at_least else "<="
    scale = -1 if at_least else 1  # a least is a most of the negated values
    missed = [scale * value > scale * target for value in values]
    if scale * statistics.median(values) > scale * target:
        return f"MISSES {sign} {target:g}"
    return f"meets {sign} {target:g}" + (" (not every run)" if any(missed) else "")
