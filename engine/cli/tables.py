"""The tables ``ferry`` writes for people (a run's counts, the runs so far): boxed columns when
they fit the width, one block per row when they do not. A value is never cut short.

Why not rich's ``Table``, which Ferry used before: importing rich and laying out one table took
about 105 M instructions, a tenth of ``ferry plan``'s start-up (a target of issue 14), for
tables whose cells are names, times and counts. And on a narrow terminal rich shortened cells
to fit, so a count of 100 showed as ``1…``; here text wraps inside its column, and when even
that cannot fit, each row is written as a block of ``header: value`` lines instead. Widths are
measured as a terminal shows them (East Asian wide characters take two columns, combining marks
none). rich still draws the progress bar of ``ferry sync`` at a terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal, NamedTuple

Align = Literal["left", "right"]

MIN_WRAPPED = 8  # the narrowest a text column is wrapped to before the rows become blocks


class Column(NamedTuple):
    """A column: its header, and how its cells line up (``right`` for counts, never wrapped)."""

    header: str
    align: Align = "left"


def cells(text: str) -> int:
    """How many terminal columns ``text`` takes."""
    if text.isascii():
        return len(text)
    return sum(_char_cells(char) for char in text)


def _char_cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def render(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    footer: Sequence[str] | None = None,
) -> str:
    """The table as text, every line at most ``width`` columns wide when that is possible (a
    single value wider than that is still written whole); ``footer`` is a last row set apart
    by a rule (a total)."""
    body = [
        [_visible(value) for value in row]
        for row in [*rows, *([footer] if footer is not None else [])]
    ]
    widths = _fitted(columns, body, width)
    if widths is None:
        return _blocks(title, columns, body)
    lines = _boxed(columns, body, widths, footer is not None)
    table_width = cells(lines[0])
    heading = title.center(table_width).rstrip() if cells(title) < table_width else title
    return "\n".join([heading, *lines]) + "\n"


def _fitted(columns: Sequence[Column], body: list[list[str]], width: int) -> list[int] | None:
    """Column widths that fit ``width``: the natural ones, else the widest text columns wrapped
    narrower one column at a time; None when even that cannot fit."""
    widths = [
        max([cells(column.header), *(cells(row[i]) for row in body)])
        for i, column in enumerate(columns)
    ]
    excess = sum(widths) + 3 * len(widths) + 1 - width
    while excess > 0:
        wrappable = [
            i
            for i, column in enumerate(columns)
            if column.align == "left" and widths[i] > MIN_WRAPPED
        ]
        if not wrappable:
            return None
        widest = max(wrappable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def _boxed(
    columns: Sequence[Column], body: list[list[str]], widths: list[int], has_footer: bool
) -> list[str]:
    def rule(left: str, fill: str, joint: str, right: str) -> str:
        return left + joint.join(fill * (w + 2) for w in widths) + right

    def row_lines(values: Sequence[str], edge: str) -> list[str]:
        wrapped = [_wrap(value, w) for value, w in zip(values, widths, strict=True)]
        height = max(len(parts) for parts in wrapped)
        lines = []
        for n in range(height):
            parts = [
                _pad(chunks[n] if n < len(chunks) else "", w, column.align)
                for chunks, w, column in zip(wrapped, widths, columns, strict=True)
            ]
            lines.append(f"{edge} " + f" {edge} ".join(parts) + f" {edge}")
        return lines

    lines = [rule("┏", "━", "┳", "┓"), *row_lines([c.header for c in columns], "┃")]
    lines.append(rule("┡", "━", "╇", "┩"))
    for n, values in enumerate(body):
        if has_footer and n == len(body) - 1:
            lines.append(rule("├", "─", "┼", "┤"))
        lines.extend(row_lines(values, "│"))
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _blocks(title: str, columns: Sequence[Column], body: list[list[str]]) -> str:
    """Each row as a block: ``header: value`` lines, the first column's unindented."""
    label = max(cells(column.header) for column in columns)
    lines = [title]
    for values in body:
        lines.append("")
        for n, (column, value) in enumerate(zip(columns, values, strict=True)):
            gap = " " * (label - cells(column.header))
            lines.append(("" if n == 0 else "  ") + f"{column.header}:{gap} {value}")
    return "\n".join(lines) + "\n"


def _visible(text: str) -> str:
    """``text`` with control characters written as escapes: a line break or a tab in a value
    would break the box."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _pad(text: str, width: int, align: Align) -> str:
    gap = " " * (width - cells(text))
    return gap + text if align == "right" else text + gap


_BREAKS_AFTER = "/-_.:,;"  # a line may end after one of these (kept) or at a space (dropped)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in pieces at most ``width`` columns wide: broken at the last space, or after the
    last ``/``, ``-``, ``_`` or punctuation, that falls inside the piece, else at the width;
    nothing is dropped but the spaces it breaks at."""
    if cells(text) <= width:
        return [text]
    pieces: list[str] = []
    rest = text
    while cells(rest) > width:
        taken = _prefix(rest, width)
        space = taken.rfind(" ")
        after = max(taken.rfind(char) for char in _BREAKS_AFTER) + 1
        if space > 0 and space >= after:
            pieces.append(taken[:space])
            rest = rest[space + 1 :]
        else:
            cut = after if 0 < after < len(taken) else len(taken)
            pieces.append(taken[:cut])
            rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _prefix(text: str, width: int) -> str:
    """The longest start of ``text`` at most ``width`` columns wide (at least one character)."""
    used = 0
    for n, char in enumerate(text):
        used += _char_cells(char)
        if used > width:
            return text[: max(n, 1)]
    return text
