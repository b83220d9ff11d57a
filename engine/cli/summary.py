"""A run's summary as rich lays it out, written without rich when rich would add nothing.

Why: ``ferry plan`` and ``ferry sync`` end with a table of counts; importing rich and laying the
table out was a tenth of a short plan's CPU (more for a folder of mappings). When the output is
not a terminal (no colours, no styles: a file, a pipe, a test's buffer), every text is plain
printable ASCII, holds nothing rich would rewrite (markup where rich reads it, in every text of
a table; an ``:emoji:`` code) and the table fits the width (or only its first column needs
narrowing, see ``_box``), rich's output is the text itself and a box of fixed characters:
written here, byte for byte the same (``tests/test_cli_summary.py`` compares the two on
generated reports). Anything else (a terminal, ``FORCE_COLOR`` / ``TTY_COMPATIBLE``, a
notebook, a non-UTF-8 stream, a table rich would wrap, other characters) goes to rich as
before.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Sequence
from typing import TextIO

_PRINTABLE = frozenset(map(chr, range(0x20, 0x7F)))
_EMOJI_CODE = re.compile(r":\S*?:")  # what rich might replace by an emoji (it only may)


class _Table:
    """A table under a title: the first column left-aligned, the others right-aligned."""

    __slots__ = ("bold_last", "columns", "rows", "title")

    def __init__(
        self, title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], bold_last: bool
    ) -> None:
        self.title = title
        self.columns = tuple(columns)
        self.rows = [tuple(row) for row in rows]
        self.bold_last = bold_last

    def texts(self) -> list[str]:
        return [self.title, *self.columns, *(cell for row in self.rows for cell in row)]


class _Line:
    """A line of text, rich markup in it interpreted or not."""

    __slots__ = ("markup", "text")

    def __init__(self, text: str, markup: bool) -> None:
        self.text = text
        self.markup = markup


class Summary:
    """Tables and lines, in order, printed as ``rich.console.Console(soft_wrap=True)`` would."""

    def __init__(self) -> None:
        self._items: list[_Table | _Line] = []

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        bold_last: bool = False,
    ) -> None:
        """A table under ``title``, its last row bold if asked (a total). Without rows only the
        title is printed."""
        self._items.append(_Table(title, columns, rows, bold_last))

    def line(self, text: str, *, markup: bool = False) -> None:
        self._items.append(_Line(text, markup))

    def write(self, out: TextIO, width: int) -> None:
        plain = self._plain(out, width)
        if plain is None:
            self._write_rich(out, width)
        else:
            out.write(plain)

    def _plain(self, out: TextIO, width: int) -> str | None:
        """The output without rich, or None where rich's could differ."""
        if not _plain_stream(out):
            return None
        parts: list[str] = []
        for item in self._items:
            # a table's texts are rich markup, as a line printed with markup=True is
            markup = isinstance(item, _Table) or item.markup
            texts = item.texts() if isinstance(item, _Table) else [item.text]
            for text in texts:
                if not _PRINTABLE.issuperset(text) or _EMOJI_CODE.search(text):
                    return None
                if markup and "[" in text:
                    return None
            if isinstance(item, _Line):
                parts.append(f"{item.text}\n")
                continue
            parts.append(f"{item.title}\n")
            if item.rows:
                box = _box(item.columns, item.rows, width)
                if box is None:
                    return None
                parts.append(box)
        return "".join(parts)

    def _write_rich(self, out: TextIO, width: int) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(file=out, width=width, soft_wrap=True)
        for item in self._items:
            if isinstance(item, _Line):
                console.print(item.text, markup=item.markup)
                continue
            table = Table(title=item.title)
            table.add_column(item.columns[0])
            for name in item.columns[1:]:
                table.add_column(name, justify="right")
            for n, row in enumerate(item.rows, 1):
                last = item.bold_last and n == len(item.rows)
                table.add_row(*row, style="bold" if last else None)
            if item.rows:
                console.print(table)
            else:
                console.print(table.title, markup=False)


def _plain_stream(out: TextIO) -> bool:
    """Whether rich would treat ``out`` as a plain UTF-8 stream (no terminal: no styles)."""
    env = os.environ
    if "FORCE_COLOR" in env or "TTY_COMPATIBLE" in env or hasattr(builtins, "get_ipython"):
        return False
    encoding = (getattr(out, "encoding", None) or "utf-8").lower()
    if not encoding.startswith("utf"):
        return False
    isatty = getattr(out, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # closed: rich counts it as no terminal too
        return True


def _box(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str | None:
    """rich's ``box.HEAVY_HEAD`` table, cells padded by one space; None where rich would lay it
    out otherwise.

    A table wider than ``width`` is narrowed as rich narrows it when only its first column is
    the widest and narrowing that one is enough (a long mapping name in a pipe's 140
    columns): that column loses the excess, and a name longer than it is cut and ends in an
    ellipsis (one without spaces: rich would wrap one with spaces onto more lines)."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) + 2 for i, c in enumerate(columns)]
    excess = sum(widths) + len(widths) + 1 - width
    if excess > 0:
        if excess > widths[0] - max(widths[1:]) or widths[0] - excess < 4:
            return None
        widths[0] -= excess
    room = widths[0] - 2
    firsts = [columns[0], *(row[0] for row in rows)]
    if any(len(text) > room and any(c.isspace() for c in text) for text in firsts):
        return None

    def first(text: str) -> str:
        return text.ljust(room) if len(text) <= room else text[: room - 1] + "\u2026"

    def cells(values: Sequence[str]) -> list[str]:
        head, *rest = values
        return [f" {first(head)} "] + [
            f" {value.rjust(w - 2)} " for value, w in zip(rest, widths[1:], strict=True)
        ]

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * w for w in widths) + right + "\n"

    lines = [
        rule("┏", "━", "┳", "┓"),
        "┃" + "┃".join(cells(columns)) + "┃\n",
        rule("┡", "━", "╇", "┩"),
        *("│" + "│".join(cells(row)) + "│\n" for row in rows),
        rule("└", "─", "┴", "┘"),
    ]
    return "".join(lines)
