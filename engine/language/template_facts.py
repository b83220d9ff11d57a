"""What Ferry knows of a template's text once Jinja has read it: kept, so a warm process needs
no Jinja for it.

Why a module of its own: ``engine.language.templates`` (the API the checks and the compiler
call) and ``engine.language.template_jinja`` (which computes these facts with Jinja) both use
them, and the first must not import the second until a template needs Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from engine.language.plain_templates import Shape


class TemplateProblem(Exception):
    """A template does not compile or names a variable that will not exist."""

    def __init__(self, message: str, line: int = 1, names: tuple[str, ...] = ()) -> None:
        self.line = line
        self.names = names
        super().__init__(message)


class Access(msgspec.Struct, frozen=True):
    """One attribute or item read in a template (``record.a``, ``record['b']``), in the order
    Jinja's ``find_all`` gives them: ``key`` is the attribute, or the item's constant key (None
    when computed); ``chain`` the names from a variable down (None when not rooted in one)."""

    item: bool
    key: object
    chain: tuple[str, ...] | None


class TemplateFacts(msgspec.Struct, frozen=True):
    """A template that parses: the top-level names it reads, what the sandbox refuses in it,
    the attributes it reads (``Access``), for each name it uses the attributes of it it reads
    (None where it uses the name another way: ``attributes_read``), and its plain shape (see
    ``engine.language.plain_templates``; None when it is not plain)."""

    names: frozenset[str]
    refused: tuple[tuple[str, str], ...]
    accesses: tuple[Access, ...]
    reads: Mapping[str, frozenset[str] | None]
    shape: Shape | None

    def kept(self) -> tuple[Any, ...] | None:
        """The facts as plain values the disk cache can keep, or None when a key read in the
        template is of a kind it cannot (only text and numbers are kept)."""
        if not all(type(a.key) in _KEPT_KEYS for a in self.accesses):
            return None
        return (
            tuple(sorted(self.names)),
            self.refused,
            tuple((a.item, a.key, a.chain) for a in self.accesses),
            {name: None if r is None else tuple(sorted(r)) for name, r in self.reads.items()},
            self.shape,
        )

    @classmethod
    def from_kept(cls, kept: tuple[Any, ...]) -> TemplateFacts:
        """The facts ``kept`` gave."""
        names, refused, accesses, reads, shape = kept
        return cls(
            frozenset(names),
            refused,
            tuple(Access(item, key, chain) for item, key, chain in accesses),
            {name: None if read is None else frozenset(read) for name, read in reads.items()},
            shape,
        )


_KEPT_KEYS = frozenset({str, int, float, bool, type(None)})
