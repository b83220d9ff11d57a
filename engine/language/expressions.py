"""JMESPath, compiled once: the one expression language for paths (``from:``) and guards.

Why a module of its own: every expression in a spec is parsed when the spec is loaded, so a typo
is reported with the column inside the expression (and a caret), and so the compiler can look at
the syntax tree: which top-level names a guard reads (``settings``, ``destination``), which
settings it names, and which functions it calls (an unknown function is a load-time error, not a
failure on record 40,000).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import jmespath
import msgspec
from jmespath import exceptions as jexc
from jmespath import functions as jfunctions
from jmespath import visitor as jvisitor
from jmespath.parser import ParsedResult

from engine.errors import TransformError
from engine.language import budget
from engine.language.budget import MAX_NESTING

GUARD_ROOTS = frozenset({"record", "settings", "destination", "run", "parents", "line"})


class ExpressionSyntaxError(Exception):
    """An expression does not parse; ``column`` is 0-based within the expression."""

    def __init__(self, message: str, expression: str, column: int) -> None:
        self.expression = expression
        self.column = max(0, min(column, len(expression)))
        super().__init__(message)

    def caret(self) -> str:
        """The expression with a caret under the offending column."""
        return f"{self.expression}\n{' ' * self.column}^"


def _known_functions() -> frozenset[str]:
    table = getattr(jfunctions.Functions, "FUNCTION_TABLE", {})
    return frozenset(table)


KNOWN_FUNCTIONS = _known_functions()


# The meaning checks and the compiler both compile each expression of a spec: kept per text
# (a refused one is raised again, never kept). The result is JMESPath's, which is only read.
@functools.lru_cache(maxsize=1024)
def compile_expression(text: str) -> ParsedResult:
    """Parse a JMESPath expression, raising ``ExpressionSyntaxError`` with the column.

    An expression nested deeper than ``budget.MAX_NESTING`` is refused here: JMESPath's parser
    and evaluator recurse once per level (5,000 parentheses raise ``RecursionError``)."""
    tree = _plain_path(text) or _plain_comparison(text)
    if tree is not None:  # three levels deep, calling no function: nothing to refuse
        return ParsedResult(text, cast(Any, tree))
    try:
        parsed = jmespath.compile(text)
    except RecursionError as exc:
        raise _too_deep(text, None) from exc
    except jexc.LexerError as exc:
        message = f"invalid expression: {exc.message or 'bad character'}"
        raise ExpressionSyntaxError(message, text, exc.lex_position) from exc
    except jexc.IncompleteExpressionError as exc:
        raise ExpressionSyntaxError(
            "invalid expression: it ends too early", text, exc.lex_position
        ) from exc
    except jexc.ParseError as exc:
        token = exc.token_value
        shown = f" {token!r}" if token not in (None, "") else ""
        raise ExpressionSyntaxError(
            f"invalid expression: unexpected token{shown}", text, exc.lex_position
        ) from exc
    deepest = nesting(ast_of(parsed))
    if deepest > MAX_NESTING:
        raise _too_deep(text, deepest)
    for name in functions_called(ast_of(parsed)):
        if name not in KNOWN_FUNCTIONS:
            raise ExpressionSyntaxError(
                f"invalid expression: unknown function {name}()", text, text.find(name)
            )
    return parsed


def _plain_path(text: str) -> dict[str, Any] | None:
    """The syntax tree JMESPath's parser builds for a path of plain names (``billTo.city``), or
    None for any other expression. Most ``from:`` paths are such, and running the general
    parser over them was a fifth of checking a spec. Plain names are JMESPath's unquoted
    identifiers, ``[A-Za-z_][A-Za-z0-9_]*`` (ASCII identifiers, as Python's are), joined by
    dots with nothing around them; the parser gives one name as a field and several as one
    subexpression of fields (it flattens the chain)."""
    if not text.isascii():
        return None
    names = text.split(".")
    if not all(name.isidentifier() for name in names):
        return None
    fields = [{"type": "field", "children": [], "value": name} for name in names]
    return fields[0] if len(fields) == 1 else {"type": "subexpression", "children": fields}


_COMPARATORS = {"==": "eq", "!=": "ne"}


def _plain_comparison(text: str) -> dict[str, Any] | None:
    """The syntax tree JMESPath's parser builds for a plain path compared with a raw string
    (``record.status == 'Active'``, the usual guard), or None for any other expression: one
    space either side of ``==`` or ``!=``, and no quote or backslash inside the string (whose
    value is then its text)."""
    path, _, rest = text.partition(" ")
    operator, _, literal = rest.partition(" ")
    value = literal[1:-1]
    if (
        operator not in _COMPARATORS
        or len(literal) < 2
        or literal[0] != "'"
        or literal[-1] != "'"
        or "'" in value
        or "\\" in value
    ):
        return None
    left = _plain_path(path)
    if left is None:
        return None
    right = {"type": "literal", "value": value, "children": []}
    return {"type": "comparator", "children": [left, right], "value": _COMPARATORS[operator]}


def _too_deep(text: str, found: int | None) -> ExpressionSyntaxError:
    opening = [i for i, c in enumerate(text) if c in "([{"]
    column = opening[MAX_NESTING] if len(opening) > MAX_NESTING else 0
    counted = f" (found {found})" if found is not None else ""
    return ExpressionSyntaxError(
        f"invalid expression: it nests deeper than {MAX_NESTING} levels{counted}",
        text,
        column,
    )


def nesting(ast: dict[str, Any]) -> int:
    """The depth of a syntax tree, measured without recursion (and without going far past the
    limit), so a refused expression costs no more than an accepted one."""
    deepest = 0
    stack = [(ast, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level <= MAX_NESTING:
            stack.extend((c, level + 1) for c in node.get("children", []) if isinstance(c, dict))
    return deepest


def ast_of(parsed: ParsedResult) -> dict[str, Any]:
    """The syntax tree of a compiled expression, as the plain dicts JMESPath builds."""
    return cast("dict[str, Any]", parsed.parsed)  # a string: no alias built per call


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        if isinstance(child, dict):
            yield from _walk(child)


def mutable_literal(parsed: ParsedResult) -> bool:
    """Whether an expression contains an object or list literal: its value is then one object
    kept in the syntax tree, which each record must get a copy of."""
    return any(
        n.get("type") == "literal" and isinstance(n.get("value"), (dict, list))
        for n in _walk(ast_of(parsed))
    )


def functions_called(ast: dict[str, Any]) -> set[str]:
    """Names of the functions an expression calls."""
    return {n["value"] for n in _walk(ast) if n.get("type") == "function_expression"}


class Reference(msgspec.Struct, frozen=True):
    """A chain of field names an expression reads from its root (``settings.customer_master``)."""

    names: tuple[str, ...]


def references(ast: dict[str, Any]) -> list[Reference]:
    """The field chains read from the root of the document (not from projections)."""
    found: list[Reference] = []
    _collect_refs(ast, found)
    return found


def _chain(node: dict[str, Any]) -> tuple[str, ...] | None:
    if node.get("type") == "field":
        return (node["value"],)
    if node.get("type") == "subexpression":
        names: list[str] = []
        for child in node["children"]:
            if child.get("type") != "field":
                break
            names.append(child["value"])
        return tuple(names) if names else None
    return None


_PROJECTIONS = frozenset(
    {"projection", "filter_projection", "value_projection", "flatten", "index_expression"}
)


def _collect_refs(node: dict[str, Any], found: list[Reference]) -> None:
    """Collect root-relative chains; names inside projections and filters are relative to the
    projected elements, so only a projection's first child (its left side) is followed."""
    chain = _chain(node)
    if chain is not None:
        found.append(Reference(chain))
        return
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if node.get("type") in _PROJECTIONS:
        children = children[:1]
    for child in children:
        _collect_refs(child, found)


def roots(ast: dict[str, Any]) -> set[str]:
    """The top-level names an expression reads (for guards: record, settings, ...)."""
    return {ref.names[0] for ref in references(ast)}


def is_number(value: Any) -> bool:
    """A JMESPath number: int, float or Decimal (money is read as Decimal), never a bool."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def orderable(left: Any, right: Any) -> bool:
    """Ordering compares numbers with numbers and text with text; anything else is null."""
    return (is_number(left) and is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


class _Interpreter(jvisitor.TreeInterpreter):
    """JMESPath as Ferry evaluates it: ordering a number against text is null (the library
    raises TypeError), and Decimal is a number. The fast tier translates to the same rules.

    The nodes that build new values (projections, flattening, multi-selects, function calls)
    tick the evaluation's clock and have their results size-checked (``engine.language.budget``), so
    ``[@, @][]`` repeated 24 times stops at the size limit instead of taking gigabytes. ``join``
    is sized before it runs: one call can multiply its separator by the list's length."""

    def visit_comparator(self, node: Any, value: Any) -> Any:
        op = node["value"]
        if op in ("eq", "ne"):
            return super().visit_comparator(node, value)
        left = self.visit(node["children"][0], value)
        right = self.visit(node["children"][1], value)
        if not orderable(left, right):
            return None
        return self.COMPARATOR_FUNC[op](left, right)

    def visit_function_expression(self, node: Any, value: Any) -> Any:
        budget.tick()
        args = [self.visit(child, value) for child in node["children"]]
        if node["value"] == "join" and len(args) == 2 and isinstance(args[0], str):
            items = args[1] if isinstance(args[1], list) else []
            size = budget.size_of(items) + len(args[0]) * max(0, len(items) - 1)
            if size > budget.MAX_SIZE:
                raise budget.too_big("join()", size)
        result = cast(Any, self)._functions.call_function(node["value"], args)
        return budget.sized(result, f"the result of {node['value']}()")

    def _built(self, result: Any) -> Any:
        budget.tick()
        return budget.sized(result, "a list or object the expression builds")

    def visit_projection(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_projection(node, value))

    def visit_value_projection(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_value_projection(node, value))

    def visit_filter_projection(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_filter_projection(node, value))

    def visit_flatten(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_flatten(node, value))

    def visit_multi_select_list(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_multi_select_list(node, value))

    def visit_multi_select_dict(self, node: Any, value: Any) -> Any:
        return self._built(super().visit_multi_select_dict(node, value))


_INTERPRETER = _Interpreter()


def evaluate_tree(tree: dict[str, Any], data: Any) -> Any:
    """Evaluate a syntax tree (or part of one) with Ferry's rules, within a budget."""
    outer = budget.begin()
    try:
        return _INTERPRETER.visit(cast(Any, tree), data)
    finally:
        budget.end(outer)


def evaluate(parsed: ParsedResult, data: Any) -> Any:
    """Evaluate a compiled expression: the one evaluator of both rendering tiers. A function
    given a value it cannot take (``length(5)``) is a ``TransformError`` naming the expression;
    so is going over the budget (``engine.language.budget``); the renderer adds the field and
    the record."""
    outer = budget.begin()
    try:
        return _INTERPRETER.visit(parsed.parsed, data)
    except jexc.JMESPathError as exc:
        raise TransformError(f"expression {parsed.expression!r}: {exc}") from exc
    except budget.BudgetExceeded as exc:
        raise budget.BudgetExceeded(f"expression {parsed.expression!r}: {exc}") from exc
    finally:
        budget.end(outer)
