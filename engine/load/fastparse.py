"""YAML events from libyaml (C, through PyYAML) for the texts on which it agrees with ruamel.

Why: ruamel.yaml's pure-Python scanner and parser were more than half of loading a spec (about
40 ms of a 200-field spec warm, more in a fresh process); libyaml gives the same event stream,
with positions, about twenty times faster. But ruamel's pure parser stays the reference: its
syntax messages are the ones Ferry reports, and libyaml (a YAML 1.1 parser) reads a few rare
constructs differently. So the C stream is used only where the two were found to agree (a
differential test over every YAML file of the repository and generated texts,
``tests/spec/test_fast_parse.py``); anything else is handed back to the reference parser:

- texts with characters the two read differently: tabs, the YAML 1.1 line breaks (NEL, LS,
  PS), a byte order mark past the start, characters outside YAML's printable set; a block
  scalar header followed directly by a comment (``|#``) or by a line that starts with ``#``; a
  ``...`` document end marker; a last line without its line break (where an empty value sits
  then differs);
- events the builder would refuse or that the two place differently (``Unvouched``, raised by
  the builder): a libyaml syntax error, an alias, an explicit tag, a directive, an empty plain
  value (each parser puts its position elsewhere), a refusal (several documents, duplicate keys).

Without PyYAML's C extension every text goes to the reference parser: slower, the same result.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from engine.load.libyaml_binding import import_binding


@functools.cache
def _binding() -> tuple[Any, type[Exception]]:
    """PyYAML's binding of libyaml and its error class, imported on first use (a command that
    loads no YAML does not pay for it) without PyYAML's patterns (``libyaml_binding``); (None,
    Exception) when PyYAML or its C extension is not installed."""
    return import_binding() or (None, Exception)


def available() -> bool:
    """Whether libyaml can be used here."""
    return _binding()[0] is not None


# What sends a text to the reference parser before libyaml sees it (see the module docstring).
_UNVOUCHED_CONSTRUCTS = r"|[|>][-+0-9]*#|[|>][-+0-9]* *\n(?: *\n)* *#|^\.\.\."
# The same for a text of ASCII characters only (most specs), where the printable set is
# ``\x20-\x7E`` and the two line breaks: compiling the class of every printable character took
# 5 ms of every command's start-up; this one takes a twentieth of that.
_UNVOUCHED_ASCII = re.compile(r"[^\n\r\x20-\x7E]" + _UNVOUCHED_CONSTRUCTS, re.MULTILINE)


@functools.cache
def _unvouched_text() -> re.Pattern[str]:
    """The pattern for any text, compiled on first use."""
    return re.compile(
        r"[^\n\r\x20-\x7E\xA0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\U00010000-\U0010FFFF]"
        r"|[\u2028\u2029]" + _UNVOUCHED_CONSTRUCTS,
        re.MULTILINE,
    )


class Unvouched(Exception):
    """The C stream reached something it is not known to read as the reference parser does."""


def fits(text: str) -> bool:
    """Whether libyaml may parse ``text`` (it is available and nothing in the text is risky)."""
    unvouched = _UNVOUCHED_ASCII if text.isascii() else _unvouched_text()
    return text.endswith("\n") and unvouched.search(text) is None and available()


def events(text: str) -> Iterator[Any]:
    """libyaml's events for ``text``; a syntax error raises ``Unvouched`` (the reference
    parser words and places it)."""
    parser_class, error_class = _binding()
    parser = parser_class(text)
    try:
        while True:
            try:
                event = parser.get_event()  # None past the stream's end
            except error_class as exc:
                raise Unvouched(str(exc)) from exc
            if event is None:
                return
            yield event
    finally:
        parser.dispose()
