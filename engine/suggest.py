"""The one "did you mean" of the project: close names for a mistyped word, and how to say it.

Why one module: a spec key, a kind, a setting, a transform, a lookup entry, a driver and a
catalog field are all mistyped the same way, and a consultant should read the same hint for
each (`` (did you mean 'x' or 'y'?)``), found the same way (a case-insensitive match first,
then difflib's closest). It imports nothing of the engine, so every stage may use it.
"""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6  # difflib's default: close enough that the hint helps more than it distracts


def suggest(word: str, options: Iterable[str], n: int = 1) -> list[str]:
    """Up to ``n`` options close to ``word``: a case-insensitive match first, then difflib's.

    One by default (a spec's key, field or setting has one right spelling); a lookup table's
    entries and the transforms offer three, as their values are often near one another."""
    import difflib  # here: only a mistake needs it (a millisecond to import)

    pool = [str(option) for option in options]
    folded = [o for o in pool if o.casefold() == word.casefold() and o != word]
    close = difflib.get_close_matches(word, pool, n=n, cutoff=CUTOFF)
    return list(dict.fromkeys(folded + close))[:n]


def hint(names: Iterable[str]) -> str:
    """`` (did you mean 'x' or 'y'?)`` for ``names``, or the empty string when there are none."""
    shown = " or ".join(f"'{name}'" for name in names)
    return f" (did you mean {shown}?)" if shown else ""


def did_you_mean(word: str, options: Iterable[str], n: int = 1) -> str:
    """`` (did you mean 'x' or 'y'?)`` when options close to ``word`` exist, else ``""``."""
    return hint(suggest(word, options, n))
