"""YAML comments of two versions of a file, compared as blocks: info for reviewers.

Why not through the loader: Ferry's loader builds plain data and drops comments, as it should.
Comments are found here from the same event stream: a ``#`` that starts a line or follows
whitespace, outside every scalar's span (so ``"a #b"`` and ``url#anchor`` are not comments).
Adjacent full-line comments form one block, reported once, attributed to the field that follows.
"""

from __future__ import annotations

import difflib
import io
import re

import msgspec

from engine.check.specfile import Document
from engine.diff.model import ABSENT, Category, Change, Severity
from engine.errors import Location


class Comment(msgspec.Struct, frozen=True):
    """A block of comment lines (or one trailing comment) and where it starts."""

    text: str
    line: int
    column: int


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    # ruamel.yaml, imported here: only a diff whose comment lines differ parses for comments
    from ruamel.yaml import YAML
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt", pure=True)
    try:
        return [
            (e.start_mark.index, e.end_mark.index)
            for e in yaml.parse(io.StringIO(text))
            if isinstance(e, ev.ScalarEvent)
        ]
    except YAMLError:
        return []


def comments(text: str) -> list[Comment]:
    """The comment blocks of a YAML text, in order."""
    spans = sorted(_scalar_spans(text))
    found: list[tuple[int, int, str, bool]] = []  # line, column, text, full-line
    offset = 0
    span = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        for col, char in enumerate(line):
            index = offset + col
            while span < len(spans) and spans[span][1] <= index:
                span += 1
            inside = span < len(spans) and spans[span][0] <= index < spans[span][1]
            if char == "#" and not inside and (col == 0 or line[col - 1] in " \t"):
                body = line[col + 1 :].strip()
                found.append((number, col + 1, body, not line[:col].strip()))
                break
        offset += len(line)
    blocks: list[Comment] = []
    last_line, last_full = -2, False
    for number, column, body, full in found:
        if full and last_full and number == last_line + 1 and blocks:
            prev = blocks[-1]
            blocks[-1] = Comment(prev.text + "\n" + body, prev.line, prev.column)
        else:
            blocks.append(Comment(body, number, column))
        last_line, last_full = number, full
    return blocks


_HASH = re.compile(r"(?:^|[ \t])#")


def _candidates(text: str) -> list[str]:
    """The lines that could hold a comment, stripped: when both versions have the same, their
    comments are the same, and the YAML need not be parsed again."""
    return [line.strip() for line in text.splitlines() if _HASH.search(line)]


def _field_after(doc: Document, line: int) -> str | None:
    """The destination field of the first value at or after ``line`` (a comment describes what
    follows it, or the value on its own line)."""
    after = [(pos, path) for path, pos in doc.source.values.items() if pos[0] >= line]
    if not after:
        return None
    _, path = min(after, key=lambda item: (item[0], -len(item[1])))
    return doc.mapping.field_name(path) if doc.kind == "Mapping" else None


def compare(old: Document, old_text: str, new: Document, new_text: str) -> list[Change]:
    """Comment blocks added, removed or edited between two versions of a spec file."""
    if _candidates(old_text) == _candidates(new_text):  # parsing is the slow part: skip it
        return []
    a, b = comments(old_text), comments(new_text)
    matcher = difflib.SequenceMatcher(a=[c.text for c in a], b=[c.text for c in b], autojunk=False)
    out: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            x = olds[k] if k < len(olds) else None
            y = news[k] if k < len(news) else None
            verb = "changed" if x and y else "added" if y else "removed"
            field = _field_after(new, y.line) if y else _field_after(old, x.line) if x else None
            out.append(
                Change(
                    Severity.INFO,
                    Category.COMMENT,
                    f"comment before field {field}" if field else "comment",
                    f"comment {verb}",
                    x.text if x else ABSENT,
                    y.text if y else ABSENT,
                    Location(old.source.file, x.line, x.column) if x else None,
                    Location(new.source.file, y.line, y.column) if y else None,
                    field=field,
                    cosmetic=True,
                )
            )
    return out
