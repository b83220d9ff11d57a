"""What a field's steps do with a value, described once: the rules every tier is made from.

A value on its way through a field's transforms is of one of three *kinds*: a value, no value
(``MISSING``: an absent path, or null) or not sent (``OMIT``). The rules, as data:

* ``FROM_SOURCE``: a source (path, constant, template) gives a value or no value, never OMIT;
* ``RUNS_ON``: a step runs on a value, and on no value only when it accepts ``MISSING``; nothing
  runs on ``STOPS`` (OMIT ends the list: later steps never see it);
* a step may give any kind; its null is no value (``kind_of``);
* ``ENDINGS``: at the end, the field's missing-value policy decides per kind whether the value
  is written, left out, replaced by the field's default, or the record fails.

Why one module: three tiers apply these rules (the generated fast code, ``compose``'s fused
pipeline and the explaining tier), and they must agree to the letter. The explaining tier asks
the functions here (``step_runs``, ``ending``); the generated code inlines tests *written from
the same tables* by ``select``, ``step_lines`` and ``branches``, in the spelling of no value the
code uses (``NULL``: ``None`` in the generated render functions, whose sources give ``None``;
``SENTINEL``: ``MISSING`` in ``compose``). Nothing here runs per record but the two functions
the explaining tier calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from engine.transforms.core import MISSING, OMIT

Kind = Literal["value", "missing", "omit"]
KINDS: frozenset[Kind] = frozenset({"value", "missing", "omit"})

MissingPolicy = Literal["omit", "default", "fail"]
Ending = Literal["write", "leave_out", "write_default", "fail"]

FROM_SOURCE: frozenset[Kind] = frozenset({"value", "missing"})
"""What a field's source can give."""

STOPS: Kind = "omit"
"""The kind that ends a field's steps."""

RUNS_ON: Mapping[bool, frozenset[Kind]] = MappingProxyType(
    {False: frozenset({"value"}), True: frozenset({"value", "missing"})}
)
"""The kinds a step runs on, by whether it accepts ``MISSING``."""

ENDINGS: Mapping[MissingPolicy, Mapping[Kind, Ending]] = MappingProxyType(
    {
        "omit": MappingProxyType({"value": "write", "missing": "leave_out", "omit": "leave_out"}),
        "default": MappingProxyType(
            {"value": "write", "missing": "write_default", "omit": "leave_out"}
        ),
        "fail": MappingProxyType({"value": "write", "missing": "fail", "omit": "leave_out"}),
    }
)
"""What the end of a field's steps does with each kind, by the field's ``missing:`` policy."""

assert all(STOPS not in kinds for kinds in RUNS_ON.values())  # nothing runs on OMIT


# --- the rules, applied to values (the explaining tier) ---------------------------------------


def kind_of(value: Any) -> Kind:
    """The kind of a value: null counts as no value."""
    if value is None or value is MISSING:
        return "missing"
    return "omit" if value is OMIT else "value"


def normalized(value: Any) -> Any:
    """The value with null spelled ``MISSING`` (how the explaining tier shows no value)."""
    return MISSING if value is None else value


def step_runs(value: Any, accepts_missing: bool) -> bool:
    """Whether a step runs on ``value``."""
    return kind_of(value) in RUNS_ON[accepts_missing]


def ending(value: Any, policy: MissingPolicy) -> Ending:
    """What the end of the steps does with ``value`` under ``policy``."""
    return ENDINGS[policy][kind_of(value)]


# --- the rules, written as code (the generated tiers) ----------------------------------------


class Spelling(msgspec.Struct, frozen=True):
    """How generated code spells the kinds of ``v``: a test for the two that have one (a value
    is whatever is neither), the statement that brings a step's result to this spelling of no
    value, and the argument a step that accepts ``MISSING`` is given."""

    missing: str
    not_missing: str
    normalize: str
    argument: str

    def tests(self, kind: Kind) -> tuple[str, str]:
        """(is ``kind``, is not ``kind``) for ``missing`` and ``omit``."""
        if kind == "missing":
            return self.missing, self.not_missing
        return "v is OMIT", "v is not OMIT"


NULL = Spelling(
    "v is None", "v is not None", "if v is MISSING: v = None", "MISSING if v is None else v"
)
"""No value as ``None``: the generated render functions (a source gives ``None``)."""

SENTINEL = Spelling("v is MISSING", "v is not MISSING", "if v is None: v = MISSING", "v")
"""No value as ``MISSING``: ``compose``'s fused pipeline."""


def select(kinds: frozenset[Kind], possible: frozenset[Kind], spelling: Spelling) -> str:
    """A test over ``v``, true exactly for the ``kinds`` among the ``possible`` ones: ``True``
    or ``False`` when the kinds decide it alone."""
    chosen, others = kinds & possible, possible - kinds
    if not others:
        return "True"
    if not chosen:
        return "False"
    if "value" in chosen:  # a value has no test of its own: rule out the others
        return " and ".join(spelling.tests(kind)[1] for kind in sorted(others))
    return " or ".join(spelling.tests(kind)[0] for kind in sorted(chosen))


def step_lines(
    spelling: Spelling,
    accepts_missing: bool,
    possible: frozenset[Kind],
    call: Callable[[str], str],
) -> tuple[list[str], frozenset[Kind]]:
    """The statements that run one step on ``v`` (``call(argument)`` is its expression), and
    the kinds ``v`` may be of afterwards."""
    runs = RUNS_ON[accepts_missing]
    test = select(runs, possible, spelling)
    if test == "False":  # the step never sees a value it runs on
        return [], possible
    argument = spelling.argument if "missing" in runs & possible else "v"
    statement = f"v = {call(argument)}"
    lines = [statement if test == "True" else f"if {test}: {statement}", spelling.normalize]
    return lines, KINDS  # a step may give any kind


def branches(
    possible: frozenset[Kind], policy: MissingPolicy, spelling: Spelling
) -> list[tuple[str, Ending]]:
    """The end of a field's steps as code: (head, ending) per branch that does something, in
    order; the head is ``if test:``, ``elif test:`` or ``else:``, or empty when the one branch
    needs no test. Kinds left out get no branch."""
    groups: dict[Ending, frozenset[Kind]] = {}
    for kind in sorted(possible, key=lambda k: (k == "value", k)):  # a value's branch last
        end = ENDINGS[policy][kind]
        groups[end] = groups.get(end, frozenset()) | {kind}
    out: list[tuple[str, Ending]] = []
    remaining = possible
    for end, kinds in groups.items():
        if end == "leave_out":
            continue
        test = select(kinds, remaining, spelling)
        if test == "True":
            out.append(("else:" if out else "", end))
            break
        out.append((f"{'elif' if out else 'if'} {test}:", end))
        remaining = remaining - kinds
    return out
