"""The facts of the simplest templates, read without Jinja: text around chains of names
(``zuora-account-{{ record.id }}``, ``{{ run.started_at }}``), or one chosen by a comparison
(``{{ settings.a if parents.mapping == 'x' else parents.b }}``).

Why: every template of the shipped mappings is one of these, and on a first run (a new or
changed spec, an empty disk cache) finding their facts was the one reason a command imported
Jinja: about 90 M instructions, a fifth of what a cold `ferry plan` of the shipped folder adds
to a warm one. Their facts follow from the text alone.

``facts`` answers only for a text written in a grammar much narrower than what Jinja reads the
same way, and None for anything else (the caller then asks Jinja):

- text outside the tags: printable ASCII without braces (no tag, comment or brace of any kind),
  no line break (Jinja drops a last one and rewrites ``\\r\\n``) and no ``#`` or ``%`` (a line
  statement or comment prefix, should the environment set one);
- a tag: ``{{``, spaces, an expression, spaces, ``}}`` (no whitespace control);
- an expression: an operand, or ``operand if test`` with ``else operand`` or not, where the
  test is an operand, or two compared with ``==`` or ``!=``; no filter, test, call, item,
  arithmetic or other literal;
- an operand: a chain (a name, then ``.attribute`` up to ``_MAX_LINKS`` times; every part an
  ASCII identifier that starts with a letter, so nothing private, and none of ``RESERVED``), or
  text in single quotes without quotes, backslashes or braces.

``tests/compiler/test_chain_templates.py`` compares the facts with Jinja's (``analyse``) over
the repository's templates and generated ones, near misses included.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from engine.language.plain_templates import Shape
from engine.language.template_facts import Access, TemplateFacts

_MAX_LINKS = 16  # far inside the sandbox's nesting limit (engine.language.budget.MAX_NESTING)

# Small expressions, each compiled when this module is first imported (a warm command reads
# its templates here too): one expression of the whole grammar took ten times as long.
_TEXT = re.compile(r"[\x20-\x22\x24\x26-\x7A\x7C\x7E]*")  # printable ASCII but # % { }
# words and quoted texts, spaced; possessive (never tried again another way), or a word
# followed by a stray quote would be split in every way before the match fails
_TOKENS = re.compile(r"(?: *+(?:'[^']*+'|[^ ']++))*+ *+")
_TOKEN = re.compile(r"'[^']*'|[^ ']+")
_QUOTED = re.compile(r"'[\x20-\x26\x28-\x5B\x5D-\x7A\x7C\x7E]*'")  # no ' \ { }
_CHAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")

RESERVED = frozenset(
    {
        *keyword.kwlist,
        *keyword.softkwlist,
        # read by Jinja's parser as constants, operators or its own names
        *("true", "false", "none", "and", "or", "not", "in", "is", "if", "else", "self"),
        *("loop", "caller", "varargs", "kwargs", "super", "block", "endif", "endfor"),
        # the sandbox's globals (engine.language.sandbox): printed, they are refused
        *("range", "dict", "namespace", "lipsum", "cycler", "joiner"),
    }
)
"""Parts of a chain left to Jinja."""

_OPERATORS = {"==": "eq", "!=": "ne"}
_OPERATORS_LISTED = [[operator] for operator in _OPERATORS]


class _Reading:
    """What the tags of one template read, gathered in the order Jinja's tree lists it."""

    def __init__(self) -> None:
        self.accesses: list[Access] = []
        self.attributes: dict[str, set[str]] = {}  # name -> attributes read of it
        self.whole: set[str] = set()  # names used whole (not only to read an attribute)

    def operand(self, word: str) -> Shape | None:
        """The shape of one operand, its reads noted; None when it is not one."""
        if word.startswith("'"):
            return ("const", word[1:-1]) if _QUOTED.fullmatch(word) else None
        chain = tuple(word.split("."))
        if _CHAIN.fullmatch(word) is None or len(chain) > _MAX_LINKS + 1:
            return None
        if not RESERVED.isdisjoint(chain):
            return None
        root = chain[0]
        if len(chain) == 1:
            self.whole.add(root)
        else:
            self.attributes.setdefault(root, set()).add(chain[1])
        # Jinja's tree holds the last attribute outermost, and lists the accesses from it in
        self.accesses.extend(
            Access(False, chain[n - 1], chain[:n]) for n in range(len(chain), 1, -1)
        )
        expression: Shape = ("name", root)
        for attribute in chain[1:]:
            expression = ("attr", expression, attribute)
        return expression

    def expression(self, body: str) -> Shape | None:
        """The shape of one tag's expression, or None when it is not in the grammar: its test
        read first, then what it chooses between, as Jinja's tree lists them."""
        if _TOKENS.fullmatch(body) is None:
            return None
        words = _TOKEN.findall(body)
        if len(words) == 1:
            return self.operand(words[0])
        if len(words) < 3:  # nothing, or no test
            return None
        then, keyword, *test = words
        otherwise = None
        if len(test) > 2 and test[-2] == "else":
            *test, _, otherwise = test
        if keyword != "if" or len(test) not in (1, 3) or test[1:2] not in ([], *_OPERATORS_LISTED):
            return None
        shapes = [self.operand(word) for word in (*test[::2], then)]
        if otherwise is not None:
            shapes.append(self.operand(otherwise))
        if any(shape is None for shape in shapes):
            return None
        if len(test) == 3:  # the comparison in place of its two operands
            shapes[:2] = [("compare", shapes[0], _OPERATORS[test[1]], shapes[1])]
        return ("if", shapes[0], shapes[1], shapes[2] if otherwise is not None else None)

    def reads(self) -> dict[str, frozenset[str] | None]:
        """As ``templates.attributes_read`` gives them: None for a name also used whole."""
        names = self.whole | set(self.attributes)
        return {
            name: None if name in self.whole else frozenset(self.attributes[name])
            for name in sorted(names)
        }


def facts(source: str) -> TemplateFacts | None:
    """The facts Jinja's ``analyse`` finds in ``source``, or None when the text is not in this
    module's grammar (see the module)."""
    first, *tags = source.split("{{")
    reading = _Reading()
    shape: list[Any] = []
    for text, tag in [(first, None), *((t.partition("}}")[2], t) for t in tags)]:
        if tag is not None:
            body, closed, _ = tag.partition("}}")
            expression = reading.expression(body) if closed else None
            if expression is None:
                return None
            shape.append(expression)
        if _TEXT.fullmatch(text) is None:
            return None
        if text:
            shape.append(text)
    reads = reading.reads()
    return TemplateFacts(frozenset(reads), (), tuple(reading.accesses), reads, tuple(shape))
