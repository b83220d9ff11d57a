"""The Jinja sandbox Ferry renders templates in: no Python internals, bounded time and size.

Why a subclass: Jinja's ``ImmutableSandboxedEnvironment`` keeps a template away from Python's
internals, but not from exhausting the machine (Jinja documents that it does not), and it happily
prints any object (``{{ self }}`` gives ``<TemplateReference None>``). Ferry's templates build one
field of one record, so this environment adds, through the hooks Jinja offers for it:

- ``intercepted_binops`` / ``call_binop``: ``**``, ``*``, ``%`` and ``+`` are checked *before*
  they run (``9 ** (9 ** 9)``, ``'a' * 10 ** 9``, ``'%0999999999d' % 1`` are refused, never
  computed) and their results are size-checked. Intercepted operators are also never folded as
  constants when a template is compiled, so ``ferry validate`` evaluates nothing unbounded;
- ``call``: every call ticks the clock (recursive macros), and the ``str`` methods that take a
  width or a count (``ljust``, ``center``, ``zfill``, ``expandtabs``, ``replace``, ``join``,
  ``format``) are checked before they run; results are size-checked;
- filters with the same powers (``center``, ``indent``, ``format``, ``replace``, ``join``,
  ``batch``, ``slice``, ``wordwrap``, ``tojson``'s indent, ``sum`` of lists) are checked before
  they run, and every filter's result is size-checked;
- ``for`` loops iterate through ``budget.steps`` (the clock), and literal text inside loops and
  macros is counted with everything printed (``budget.printed``);
- ``finalize`` prints only text and numbers: objects, lists, mappings and null are refused.

The limits are in ``engine.language.budget``; the static refusals (``self``, printing objects,
private
attributes named in filter arguments) are in ``refusals``, run when a template is compiled, so
``ferry validate`` reports them.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeGuard, cast

from jinja2 import nodes
from jinja2.filters import FILTERS
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from engine.errors import TransformError
from engine.language import budget
from engine.language.budget import MAX_INT_BITS, MAX_NESTING, MAX_SIZE, BudgetExceeded, too_big
from engine.language.plain_templates import NULL_PRINTED

_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBERS = re.compile(r"\d+")
_PRINTABLE = (str, int, float, Decimal)
_OBJECT_GLOBALS = frozenset({"namespace", "dict", "range"})
_PRIVATE = re.compile(r"_\w")
# Filters and tests whose positional arguments name attributes (map's name a filter, then its
# arguments: ``map('attr', '__class__')``).
_NAMES_ATTRIBUTES = frozenset(
    {"attr", "map", "selectattr", "rejectattr", "groupby", "sort", "sum", "unique", "min", "max"}
)


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_power(base: Any, exponent: Any) -> None:
    if _int(base) and _int(exponent) and exponent > 0 and abs(base) > 1:
        bits = exponent * abs(base).bit_length()
        if bits > MAX_INT_BITS:
            raise BudgetExceeded(
                f"{base} ** {exponent} would have about {bits * 3 // 10:,} digits; "
                f"the limit is {MAX_INT_BITS * 3 // 10:,}"
            )


def _check_product(left: Any, right: Any) -> None:
    if _int(left) and _int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise BudgetExceeded(
                f"a product would have more than {MAX_INT_BITS * 3 // 10:,} digits"
            )
        return
    count, seq = (left, right) if _int(left) else (right, left)
    if _int(count) and isinstance(seq, (str, list, tuple)) and count * len(seq) > MAX_SIZE:
        raise too_big("a repetition", count * len(seq))


def _check_widths(numbers: list[str], what: str) -> None:
    for number in numbers:
        if number == "*":
            raise TransformError(f"{what}: a width taken from the arguments ('*') is not allowed")
        if number and int(number) > MAX_SIZE:
            raise too_big(what, int(number))


def _check_percent(pattern: Any) -> None:
    """``'%0999999999d' % 1`` allocates the width before anything could look at the result."""
    if isinstance(pattern, str) and "%" in pattern:
        for match in _PERCENT.finditer(pattern):
            _check_widths([match.group(1) or "", match.group(2) or ""], "a % format")


def _check_format(pattern: str) -> None:
    """``'{:>999999999}'.format(x)``: widths in ``str.format`` specs, and no nested fields."""
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        return  # str.format raises the same error when called
    for _, _, spec, _ in parsed:
        if spec and "{" in spec:
            raise TransformError(
                "format: a width taken from the arguments ('{...}') is not allowed"
            )
        _check_widths(_SPEC_NUMBERS.findall(spec or ""), "a format width")


def _check_str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Size the result of the ``str`` methods whose result can be much bigger than ``text``."""
    first = args[0] if args else None
    if name in ("ljust", "rjust", "center", "zfill"):
        width = kwargs.get("width", first)
        if _int(width) and width > MAX_SIZE:
            raise too_big(f"{name}()", width)
    elif name == "expandtabs":
        tabsize = kwargs.get("tabsize", first if first is not None else 8)
        if _int(tabsize) and len(text) + text.count("\t") * tabsize > MAX_SIZE:
            raise too_big("expandtabs()", len(text) + text.count("\t") * tabsize)
    elif name == "replace" and len(args) >= 2:
        _check_replace(text, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and isinstance(first, (list, tuple)):
        _check_join(text, first)
    elif name in ("format", "format_map"):
        _check_format(text)


def _check_replace(text: Any, old: Any, new: Any, count: Any) -> None:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return
    found = text.count(old) if old else len(text) + 1
    if _int(count) and count >= 0:
        found = min(found, count)
    size = len(text) + found * (len(new) - len(old))
    if size > MAX_SIZE:
        raise too_big("replace()", size)


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(separator, str) and isinstance(items, (list, tuple)):
        size = budget.size_of(items) + len(separator) * max(0, len(items) - 1)
        if size > MAX_SIZE:
            raise too_big("join()", size)


# --- filters: the same checks, then the library's filter -----------------------------------------


def _center(value: Any, width: Any = 80, *_: Any, **__: Any) -> None:
    if _int(width) and width > MAX_SIZE:
        raise too_big("center", width)


def _indent(value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
    lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
    pad = len(width) if isinstance(width, str) else width if _int(width) else 0
    if isinstance(value, str) and len(value) + lines * pad > MAX_SIZE:
        raise too_big("indent", len(value) + lines * pad)


def _format(value: Any, *_: Any, **__: Any) -> None:
    _check_percent(value)


def _replace(value: Any, old: Any = "", new: Any = "", count: Any = None, **__: Any) -> None:
    _check_replace(value, old, new, count if count is not None else -1)


def _join(value: Any, d: Any = "", *_: Any, **__: Any) -> None:
    _check_join(d, value)


def _batch(value: Any, linecount: Any = 1, *_: Any, **__: Any) -> None:
    if _int(linecount) and linecount > MAX_SIZE:
        raise too_big("batch", linecount)


def _slice(value: Any, slices: Any = 1, *_: Any, **__: Any) -> None:
    if _int(slices) and slices > MAX_SIZE:
        raise too_big("slice", slices)


def _wordwrap(s: Any, width: Any = 79, _long: Any = True, wrapstring: Any = None, *_: Any) -> None:
    if isinstance(s, str) and isinstance(wrapstring, str) and _int(width):
        size = len(s) + (len(s) // max(width, 1) + 1) * len(wrapstring)
        if size > MAX_SIZE:
            raise too_big("wordwrap", size)


def _tojson(value: Any, indent: Any = None) -> None:
    if _int(indent) and indent > 16:
        raise BudgetExceeded(f"tojson: an indent of {indent} is refused; the limit is 16")


def _sum(value: Any, attribute: Any = None, start: Any = 0) -> None:
    """Summing lists copies the running total at every step: quadratic in the items."""
    if isinstance(start, (list, tuple)) and isinstance(value, (list, tuple)):
        cost = len(value) * budget.size_of(value)
        if cost > 100 * MAX_SIZE:
            raise BudgetExceeded(
                f"sum: adding {len(value):,} lists copies every partial sum ({cost:,} copies); "
                f"the limit is {100 * MAX_SIZE:,}"
            )


_MATERIALISE = frozenset({"sum"})
_PRECHECKS: dict[str, Callable[..., None]] = {
    "center": _center,
    "indent": _indent,
    "format": _format,
    "replace": _replace,
    "join": _join,
    "batch": _batch,
    "slice": _slice,
    "wordwrap": _wordwrap,
    "tojson": _tojson,
    "sum": _sum,
}


def _checked_filter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """The library's filter with a pre-check (if it has one) and its result size-checked."""
    pre = _PRECHECKS.get(name)
    passes_first = getattr(original, "jinja_pass_arg", None) is not None

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        if name in _MATERIALISE and passes_first and len(args) > 1:
            args = (args[0], list(args[1]), *args[2:])  # so the pre-check can count the items
        if pre is not None:
            pre(*(args[1:] if passes_first else args), **kwargs)
        return budget.sized(original(*args, **kwargs), f"the result of the {name} filter")

    return run


# --- the environment ---------------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    """Print text and numbers only: a null, an object, a list or a mapping is refused (written
    into a payload, it would be a Python repr such as ``<Namespace {}>``)."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises, naming the missing variable
    if isinstance(value, str):
        budget.printed(len(value))
        return value
    if value is None:
        raise TransformError(NULL_PRINTED)
    if isinstance(value, _PRINTABLE):  # bool is an int
        budget.printed(1)
        return value
    kind = (
        "a list"
        if isinstance(value, (list, tuple))
        else "a mapping"
        if isinstance(value, Mapping)
        else "an object"
    )
    raise TransformError(
        f"template: it prints {kind}; templates may print only text and numbers "
        "(use a filter such as join or tojson to build text)"
    )


class FerrySandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with Ferry's budgets and output rules (see the module)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.filters = {name: _checked_filter(name, f) for name, f in FILTERS.items()}
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)

    steps = staticmethod(budget.steps)
    sized = staticmethod(budget.sized)

    @staticmethod
    def literal(text: str) -> str:
        """Literal text inside a loop or macro, passed through ``finalize`` to be counted."""
        return text

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget.tick()
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "%":
            _check_percent(left)
        result = super().call_binop(context, operator, left, right)
        return budget.sized(result, f"the result of {operator}")

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        budget.tick()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format arrives wrapped
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(owner, getattr(target, "__name__", ""), args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        return budget.sized(result, "the result of a call")

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        deepest, budgeted = _shape(tree)
        if deepest > MAX_NESTING:
            raise NestingTooDeep(deepest)
        if budgeted:  # else there is nothing to rewrite, and Jinja's parser set the environment
            _budget_tree(tree, blocks=self.block_start_string in source)
            tree.set_environment(self)
        return tree


class NestingTooDeep(Exception):
    """A template or expression nests deeper than ``MAX_NESTING``."""

    def __init__(self, found: int | None = None) -> None:
        counted = f" (found {found})" if found is not None else ""
        super().__init__(f"nests deeper than {MAX_NESTING} levels{counted}")


# What ``_budget_tree`` rewrites: loops, what operators build, and blocks that repeat text.
_BUDGETED = (
    nodes.For,
    nodes.Concat,
    nodes.List,
    nodes.Dict,
    nodes.Tuple,
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.AssignBlock,
)


def _shape(tree: nodes.Node) -> tuple[int, bool]:
    """The nesting depth of a template's syntax tree, measured without recursion, and whether
    it holds a node ``_budget_tree`` rewrites, in one walk: most templates (``{{ record.a }}``)
    hold none, and walking them twice more to rewrite nothing was a quarter of parsing them."""
    deepest = 0
    budgeted = False
    stack: list[tuple[nodes.Node, int]] = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        budgeted = budgeted or isinstance(node, _BUDGETED)
        if level <= MAX_NESTING + 1:
            stack.extend((child, level + 1) for child in node.iter_child_nodes())
    return deepest, budgeted


class _Budgeted(NodeTransformer):
    """Rewrites a parsed template so that what can grow is counted (see the module)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _environment_call("steps", node.iter, node.lineno)
        return node

    def _sized(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return _environment_call("sized", node, node.lineno)

    visit_Concat = visit_List = visit_Dict = _sized

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        return self._sized(node) if node.ctx == "load" else self.generic_visit(node)


def _environment_call(name: str, argument: nodes.Node, lineno: int) -> nodes.Call:
    """``environment.<name>(argument)``: a call the sandbox's ``call`` sees, never folded."""
    expr = cast(nodes.Expr, argument)
    return nodes.Call(nodes.EnvironmentAttribute(name), [expr], [], None, None, lineno=lineno)


def _budget_tree(tree: nodes.Template, *, blocks: bool = True) -> None:
    """Route loops through ``steps``, size what operators build, and count literal text that
    loops or macros repeat (``blocks``: whether the text opens a block tag; a template without
    one has no loop or macro to look for)."""
    _Budgeted().visit(tree)
    if not blocks:
        return
    repeated = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)
    for block in tree.find_all(repeated):
        for output in block.find_all(nodes.Output):
            output.nodes = [
                _environment_call("literal", nodes.Const(child.data), child.lineno)
                if isinstance(child, nodes.TemplateData)
                else child
                for child in output.nodes
            ]


# --- static refusals ---------------------------------------------------------------------------


def refusals(tree: nodes.Template) -> Iterator[tuple[str, str]]:
    """What a template may not do, found in its syntax tree: ``(message, token to point at)``:
    names first, then what is printed, then calls (one walk over the tree)."""
    names: list[nodes.Name] = []
    outputs: list[nodes.Output] = []
    calls: list[nodes.Filter | nodes.Test | nodes.Call] = []
    for node in tree.find_all((nodes.Name, nodes.Output, nodes.Filter, nodes.Test, nodes.Call)):
        if isinstance(node, nodes.Name):
            names.append(node)
        elif isinstance(node, nodes.Output):
            outputs.append(node)
        elif isinstance(node, (nodes.Filter, nodes.Test, nodes.Call)):
            calls.append(node)
    for name in names:
        if name.name == "self" and name.ctx == "load":
            yield "templates may not use 'self' (it is the template object, not a value)", "self"
    for output in outputs:
        for child in output.nodes:
            shown = _object_printed(child)
            if shown:
                yield f"the template prints {shown}; templates may print only text and numbers", ""
    for call in calls:
        named = isinstance(call, (nodes.Filter, nodes.Test)) and call.name in _NAMES_ATTRIBUTES
        arguments = [kw.value for kw in call.kwargs if kw.key == "attribute"]
        for argument in [*arguments, *(call.args if named else [])]:
            text = argument.value if isinstance(argument, nodes.Const) else None
            if isinstance(text, str) and any(_PRIVATE.match(p) for p in text.split(".")):
                yield f"templates may not read private attributes ('{text}')", text


def _object_printed(node: nodes.Node) -> str:
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.EnvironmentAttribute):
        node = node.args[0]  # a literal list, mapping or text wrapped by _Budgeted
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return "a list"
    if isinstance(node, nodes.Dict):
        return "a mapping"
    callee = node.node if isinstance(node, nodes.Call) else None
    if isinstance(callee, nodes.Name) and callee.name in _OBJECT_GLOBALS:
        return f"the object {callee.name}() makes"
    if isinstance(node, nodes.Name) and node.name in _OBJECT_GLOBALS:
        return f"the function {node.name}"
    return ""
