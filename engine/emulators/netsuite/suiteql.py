"""A documented subset of SuiteQL: a tokenizer, a recursive-descent parser and an evaluator.

Why a real parser: drivers build SuiteQL text, and a query outside what the emulator understands
must fail loudly (400 naming the token) instead of silently returning wrong rows. The subset:

    SELECT <* | col [, col ...]> FROM <customer | item | transaction>
      [WHERE <cond> [AND <cond> ...]]
      [ORDER BY <col> [ASC|DESC] [, ...]]

    cond    := col <op> literal | col IS [NOT] NULL | col [NOT] IN (literal, ...) | ( cond )
    op      := = | != | <> | < | <= | > | >=
    literal := 'text' | 123 | 1.5 | TO_DATE('2024-01-01', 'YYYY-MM-DD')
             | TO_TIMESTAMP('2024-01-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')

Columns are case-insensitive and may be qualified by the table (``Transaction.Type``); keywords
too. Comparisons follow Oracle: NULL compares false, ``ORDER BY`` puts NULLs last ascending and
first descending. Times in literals are read as UTC (the real service uses the session's time
zone - an emulator simplification). Evaluation lives in ``suiteql_run.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "IS",
        "NOT",
        "NULL",
        "IN",
        "TO_DATE",
        "TO_TIMESTAMP",
    }
)
COMPARE_OPS = ("=", "!=", "<>", "<", "<=", ">", ">=")
_TWO_CHAR_OPS = ("!=", "<>", "<=", ">=")
_PUNCT = "(),*.=<>-"


class SuiteQLError(Exception):
    """A query outside the subset; ``position`` is the 0-based offset of the offending text."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


@dataclass(frozen=True)
class Token:
    kind: str  # "ident" | "keyword" | "string" | "number" | "op" | "end"
    text: str
    pos: int

    def shown(self) -> str:
        return "end of query" if self.kind == "end" else repr(self.text)


@dataclass(frozen=True)
class Literal:
    value: str | Decimal | datetime


@dataclass(frozen=True)
class Condition:
    column: str
    op: str  # a COMPARE_OPS member, "is null", "is not null", "in" or "not in"
    values: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class OrderKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Query:
    columns: tuple[str, ...] | None  # None means *
    table: str
    where: tuple[Condition, ...]
    order: tuple[OrderKey, ...]


# -- tokenizer ---------------------------------------------------------------------------------
def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "'":
            i = _string(text, i, tokens)
        elif char.isdigit():
            i = _number(text, i, tokens)
        elif char.isalpha() or char == "_":
            i = _word(text, i, tokens)
        elif text[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(Token("op", text[i : i + 2], i))
            i += 2
        elif char in _PUNCT:
            tokens.append(Token("op", char, i))
            i += 1
        else:
            raise SuiteQLError(f"unexpected character {char!r}", i)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    i, chars = start + 1, []
    while i < len(text):
        if text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                chars.append("'")
                i += 2
                continue
            tokens.append(Token("string", "".join(chars), start))
            return i + 1
        chars.append(text[i])
        i += 1
    raise SuiteQLError("unterminated string literal", start)


def _number(text: str, start: int, tokens: list[Token]) -> int:
    i = start
    while i < len(text) and (text[i].isdigit() or text[i] == "."):
        i += 1
    tokens.append(Token("number", text[start:i], start))
    return i


def _word(text: str, start: int, tokens: list[Token]) -> int:
    i = start
    while i < len(text) and (text[i].isalnum() or text[i] == "_"):
        i += 1
    word = text[start:i]
    kind = "keyword" if word.upper() in KEYWORDS else "ident"
    tokens.append(Token(kind, word.upper() if kind == "keyword" else word, start))
    return i


# -- parser ------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.qualifiers: list[tuple[str, int]] = []

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        if self.tok.kind == kind and (text is None or self.tok.text == text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str | None = None, what: str = "") -> Token:
        token = self.accept(kind, text)
        if token is None:
            wanted = what or text or kind
            raise SuiteQLError(f"expected {wanted} but found {self.tok.shown()}", self.tok.pos)
        return token

    def query(self) -> Query:
        self.expect("keyword", "SELECT")
        columns = None if self.accept("op", "*") else self.column_list()
        self.expect("keyword", "FROM")
        table = self.expect("ident", what="a table name").text.lower()
        where = self.conditions() if self.accept("keyword", "WHERE") else ()
        order = self.order_by() if self.accept("keyword", "ORDER") else ()
        if self.tok.kind != "end":
            raise SuiteQLError(
                f"unexpected {self.tok.shown()}; this emulator understands only "
                "SELECT ... FROM ... [WHERE ... AND ...] [ORDER BY ...]",
                self.tok.pos,
            )
        for qualifier, pos in self.qualifiers:
            if qualifier != table:
                raise SuiteQLError(f"unknown table qualifier '{qualifier}'", pos)
        return Query(columns, table, where, order)

    def column_list(self) -> tuple[str, ...]:
        columns = [self.column()]
        while self.accept("op", ","):
            columns.append(self.column())
        return tuple(columns)

    def column(self) -> str:
        token = self.expect("ident", what="a column name")
        if self.accept("op", "."):
            self.qualifiers.append((token.text.lower(), token.pos))
            token = self.expect("ident", what="a column name")
        return token.text.lower()

    def conditions(self) -> tuple[Condition, ...]:
        found = [self.condition()]
        while self.accept("keyword", "AND"):
            found.append(self.condition())
        return tuple(found)

    def condition(self) -> Condition:
        if self.accept("op", "("):
            inner = self.condition()
            self.expect("op", ")")
            return inner
        column = self.column()
        if self.accept("keyword", "IS"):
            negated = self.accept("keyword", "NOT") is not None
            self.expect("keyword", "NULL")
            return Condition(column, "is not null" if negated else "is null")
        if self.accept("keyword", "NOT"):
            self.expect("keyword", "IN")
            return Condition(column, "not in", self.literal_list())
        if self.accept("keyword", "IN"):
            return Condition(column, "in", self.literal_list())
        if self.tok.kind == "op" and self.tok.text in COMPARE_OPS:
            op = self.advance().text
            return Condition(column, "!=" if op == "<>" else op, (self.literal(),))
        raise SuiteQLError(
            f"expected a comparison after '{column}' but found {self.tok.shown()}", self.tok.pos
        )

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("op", "(")
        values = [self.literal()]
        while self.accept("op", ","):
            values.append(self.literal())
        self.expect("op", ")")
        return tuple(values)

    def literal(self) -> Literal:
        token = self.tok
        if self.accept("string"):
            return Literal(token.text)
        negative = self.accept("op", "-") is not None
        if self.tok.kind == "number":
            return Literal(_decimal(self.advance(), negative))
        if not negative and token.kind == "keyword" and token.text in ("TO_DATE", "TO_TIMESTAMP"):
            self.advance()
            return Literal(self.conversion(token))
        raise SuiteQLError(f"expected a literal but found {self.tok.shown()}", self.tok.pos)

    def conversion(self, function: Token) -> datetime:
        self.expect("op", "(")
        value = self.expect("string", what="a quoted date")
        fmt = self.expect("string", what="a quoted format").text if self.accept("op", ",") else None
        self.expect("op", ")")
        return parse_moment(value.text, fmt, value.pos)

    def order_by(self) -> tuple[OrderKey, ...]:
        self.expect("keyword", "BY")
        keys = [self.order_key()]
        while self.accept("op", ","):
            keys.append(self.order_key())
        return tuple(keys)

    def order_key(self) -> OrderKey:
        column = self.column()
        if self.accept("keyword", "DESC"):
            return OrderKey(column, True)
        self.accept("keyword", "ASC")
        return OrderKey(column)


def _decimal(token: Token, negative: bool) -> Decimal:
    try:
        value = Decimal(token.text)
    except InvalidOperation:
        raise SuiteQLError(f"invalid number {token.text!r}", token.pos) from None
    return -value if negative else value


def parse(text: str) -> Query:
    """Parse ``text`` or raise ``SuiteQLError`` naming what was not understood."""
    return _Parser(text).query()


# -- date formats ------------------------------------------------------------------------------
_FORMAT_ELEMENTS = (
    ("YYYY", "%Y"),
    ("HH24", "%H"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("MI", "%M"),
    ("SS", "%S"),
)
_SEPARATORS = "-/:., T"


def oracle_format(fmt: str, pos: int | None = None) -> str:
    """Translate an Oracle datetime format model (YYYY MM DD HH24 MI SS) to ``strptime``."""
    out, i = [], 0
    while i < len(fmt):
        element = next((e for e in _FORMAT_ELEMENTS if fmt.upper().startswith(e[0], i)), None)
        if element is not None:
            out.append(element[1])
            i += len(element[0])
        elif fmt[i] == '"':
            end = fmt.find('"', i + 1)
            if end < 0:
                raise SuiteQLError("unterminated quoted text in format", pos)
            out.append(fmt[i + 1 : end].replace("%", "%%"))
            i = end + 1
        elif fmt[i] in _SEPARATORS:
            out.append(fmt[i])
            i += 1
        else:
            raise SuiteQLError(f"unsupported format element in {fmt!r}", pos)
    return "".join(out)


def parse_moment(text: str, fmt: str | None, pos: int | None = None) -> datetime:
    """A date or timestamp literal as an aware UTC datetime."""
    try:
        if fmt is None:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            moment = datetime.strptime(text, oracle_format(fmt, pos))
    except ValueError:
        raise SuiteQLError(
            f"cannot read {text!r} as a date" + (f" in format {fmt!r}" if fmt else ""), pos
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
