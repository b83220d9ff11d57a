"""The compiled Plan: what a Mapping spec became, ready to run on records.

A Plan is frozen and holds only ready-to-run parts: compiled expressions and templates, fused
transform pipelines, guards, and two generated render functions (create and update). Rendering a
record runs only the generated function; when it fails, the record is re-run through the
explaining tier (``engine.compile.explaining``, handed to the Plan by the compiler as
``attributor``), which names the field, its spec line and the cause — so attributing an error
costs nothing on records that succeed.

A Plan, its parts, and the ``Context`` and ``Outcome`` of rendering one record are
``msgspec.Struct`` classes (frozen, compared and hashed by value, as frozen dataclasses are): a
dataclass costs over a millisecond of start-up to define, a Struct a tenth of that (``Plan``
keeps a ``__dict__`` for its cached generated source). Copy one with a field changed with
``msgspec.structs.replace``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal

import msgspec
from jmespath.parser import ParsedResult

from engine.check.settings import Settings
from engine.errors import Location
from engine.transforms.core import SequenceJournal
from engine.transforms.semantics import MissingPolicy

Mode = Literal["create", "update"]
WriteWhen = Literal["always", "create", "update"]
Action = Literal["render", "skip", "hold"]


class ValueSource(msgspec.Struct, frozen=True):
    """Where a value comes from: a JMESPath (``from``), a constant, or a template."""

    kind: Literal["from", "value", "template"]
    text: str
    constant: Any = None
    parsed: ParsedResult | None = None
    template: Callable[[Mapping[str, Any]], str] | None = None
    reads: frozenset[str] = frozenset()


class StepPlan(msgspec.Struct, frozen=True):
    """One transform of a field, kept for explanations (the hot path uses the generated code)."""

    name: str
    params: Mapping[str, Any]
    fn: Callable[[Any], Any]
    accepts_missing: bool
    location: Location


class GuardPlan(msgspec.Struct, frozen=True):
    """A compiled guard: skips a record (record guards) or leaves a field out (field guards)."""

    name: str
    text: str
    reason: str
    parsed: ParsedResult
    location: Location
    reads: frozenset[str]
    on_fail: Literal["skip", "hold"] = "skip"


class FieldPlan(msgspec.Struct, frozen=True):
    """One destination field, with its variant already chosen by the settings."""

    to: str
    path: tuple[str, ...]
    source: ValueSource
    steps: tuple[StepPlan, ...]
    guard: GuardPlan | None
    write: WriteWhen
    missing: MissingPolicy
    default: Any
    destination_assigned: bool
    location: Location
    variant: str = ""
    description: str = ""

    def writes_in(self, mode: Mode) -> bool:
        return self.write == "always" or self.write == mode


class Requirement(msgspec.Struct, frozen=True):
    """A parent record that must already be synced: its mapping and the parent's source id."""

    mappings: tuple[str, ...]
    source: ValueSource
    alias: str
    optional: bool
    location: Location


class LinesPlan(msgspec.Struct, frozen=True):
    """A destination sublist rendered from a list in the source record."""

    to: str
    path: tuple[str, ...]
    source: ValueSource
    guard: GuardPlan | None
    fields: tuple[FieldPlan, ...]
    requires: tuple[Requirement, ...]
    location: Location


class Cutover(msgspec.Struct, frozen=True):
    """Records whose ``date`` is earlier than ``on`` are never selected."""

    date: ValueSource
    on: str | None
    location: Location


class Outcome(msgspec.Struct, frozen=True):
    """What rendering decided for one record."""

    action: Action
    payload: dict[str, Any] | None = None
    reason: str | None = None
    guard: str | None = None


class Context(msgspec.Struct, frozen=True):
    """What guards and templates may read besides the record."""

    destination: Mapping[str, Any] | None = None
    run: Mapping[str, Any] = msgspec.field(default_factory=dict)
    parents: Mapping[str, Any] = msgspec.field(default_factory=dict)
    line_parents: tuple[Mapping[str, Any], ...] | None = None


NO_RUN: Mapping[str, Any] = MappingProxyType({})
NO_PARENTS: Mapping[str, Any] = MappingProxyType({})

RenderFn = Callable[[dict[str, Any], Any, Any, Any, Any], Any]
# (record, destination=None, run=NO_RUN, parents=NO_PARENTS, line_parents=None, skips=(None, ...),
#  attribute=True) -> payload, or the skip of the guard that said no: the generated function
# ``render_many`` maps over a stream with the record alone (``engine.compile.codegen``).
StreamFn = Callable[..., Any]
# The two slower tiers a Plan hands records to, given to it by the compiler (which sits above
# both): ``engine.compile.runner.evaluate`` (guards, context, sequences) and
# ``engine.compile.explaining.attribute_failure`` (the located error of a record the fast tier
# failed on).
# Held rather than imported, so the Plan stays below the modules that run it.
Evaluator = Callable[["Plan", Mapping[str, Any], Mode, "Context"], "Outcome"]
Attributor = Callable[["Plan", dict[str, Any], Mode, "Context", Exception], Exception]


class Plan(msgspec.Struct, frozen=True, dict=True):
    """A compiled Mapping. Build one with ``engine.load_mapping`` or ``engine.compile.compiler``."""

    name: str
    version: int
    file: str
    source_endpoint: str
    source_object: str
    destination_endpoint: str
    destination_object: str
    enabled: bool
    behavior: Literal["new_and_modified", "new_only"]
    order: int
    settings: Settings
    external_id: ValueSource | None
    match: tuple[tuple[str, ValueSource], ...]
    guards: tuple[GuardPlan, ...]
    fields: tuple[FieldPlan, ...]
    lines: LinesPlan | None
    requires: tuple[Requirement, ...]
    tracking: Mapping[str, Mapping[str, ValueSource]]
    cutover: Cutover | None
    unique: tuple[str, ...]
    one_of: tuple[str, ...]
    linked_by: ValueSource | None
    renderers: Mapping[str, RenderFn]
    streamers: Mapping[str, StreamFn]
    evaluator: Evaluator
    attributor: Attributor
    code: Callable[[], str]  # the generated source, written when first asked for
    location: Location
    # engine-side numbering, when the plan was given a store: a failed record gives back its
    # numbers, so rendering it goes record by record through ``render``
    sequences: SequenceJournal | None = None

    @functools.cached_property
    def source_code(self) -> str:
        """The Python source of the generated functions (the checked body's is written on first
        use, so this writes it)."""
        return self.code()

    # --- the public rendering API --------------------------------------------------------------

    def render(
        self, record: Mapping[str, Any], *, mode: Mode = "create", context: Context | None = None
    ) -> dict[str, Any] | None:
        """The payload for ``record``, or None when a guard skips it."""
        if context is not None or record.__class__ is not dict or self.sequences is not None:
            outcome = self.evaluate(record, mode=mode, context=context)
            return outcome.payload if outcome.action == "render" else None
        try:
            result = self.renderers[mode](record, None, NO_RUN, NO_PARENTS, None)
        except Exception as exc:
            raise self.attributed(record, mode, exc) from exc
        return result if result.__class__ is dict else None

    def render_many(
        self, records: Iterable[Mapping[str, Any]], *, mode: Mode = "create"
    ) -> Iterator[dict[str, Any] | None]:
        """Render a stream of records lazily, one at a time. The throughput path: the generated
        stream function is mapped over the records from C (no Python loop per record); a record
        that fails is re-run through the explaining tier for a precise error."""
        if self.sequences is not None:
            return (self.render(record, mode=mode) for record in records)
        return map(self.streamers[mode], records)

    def evaluate(
        self, record: Mapping[str, Any], *, mode: Mode = "create", context: Context | None = None
    ) -> Outcome:
        """Guards, then the payload: the full decision for one record."""
        return self.evaluator(self, record, mode, context or Context())

    def attributed(
        self,
        record: Mapping[str, Any],
        mode: Mode,
        exc: Exception,
        context: Context | None = None,
    ) -> Exception:
        """The precise, located error for a record the fast tier failed on (the generated
        functions raise it, with the context they rendered in)."""
        return self.attributor(self, dict(record), mode, context or Context(), exc)

    def key_of(self, record: Mapping[str, Any]) -> str | None:
        """The record's id, as text, for messages and reports."""
        value = record.get("id") if isinstance(record, Mapping) else None
        return None if value is None else str(value)

    @property
    def reads_destination(self) -> bool:
        """True when a guard or template reads the current destination record (updates then
        fetch it before rendering)."""
        guards = [g for g in self.guards] + [f.guard for f in self.fields if f.guard]
        sources = [f.source for f in self.fields]
        return any("destination" in g.reads for g in guards) or any(
            "destination" in s.reads for s in sources
        )

    @property
    def destination_assigned(self) -> tuple[str, ...]:
        """Destination fields the destination numbers itself; read back after a create."""
        return tuple(f.to for f in self.fields if f.destination_assigned)
