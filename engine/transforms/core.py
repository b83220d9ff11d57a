"""The vocabulary every transform shares: sentinels, the compile-time context, the descriptor.

Why a module of its own: built-in families, third-party plugins, the registry and the compiler all
need these names, and none of them should import another family to get them. Nothing here runs
per record except the two sentinels, which the pipeline compares by identity.
"""

from __future__ import annotations

import enum
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeAlias, runtime_checkable

import msgspec

from engine import fastschema
from engine.errors import TransformError
from engine.suggest import hint

if TYPE_CHECKING:  # jsonschema is imported when parameters need its errors
    import jsonschema


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


class _Omit(enum.Enum):
    OMIT = "OMIT"

    def __repr__(self) -> str:
        return "OMIT"


MISSING: Final = _Missing.MISSING
"""The source has no value (an absent path, or ``None``). Compare with ``is``."""

OMIT: Final = _Omit.OMIT
"""Do not send this field at all. Compare with ``is``; a pipeline stops at the first ``OMIT``."""

MissingType: TypeAlias = Literal[_Missing.MISSING]
OmitType: TypeAlias = Literal[_Omit.OMIT]

Fn: TypeAlias = Callable[[Any], Any]
"""What a factory returns: one value in, one value out, called once per record."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@runtime_checkable
class SequenceStore(Protocol):
    """Engine-side numbering for destinations that cannot number records themselves.

    The state store implements this so numbers survive restarts; ``next`` must be atomic and
    never hand out the same number twice for one ``name``. A sequence that does not exist yet
    begins at ``start``; later calls ignore ``start``.
    """

    def next(self, name: str, start: int = 1) -> int: ...

    def give_back(self, name: str, number: int, start: int = 1) -> None:
        """``number`` was the last one ``next`` handed out for ``name`` and went unused (its
        record failed to render): hand it out again. A no-op when a later number was taken."""


class InMemorySequenceStore:
    """A ``SequenceStore`` for tests, examples and dry runs: numbers vanish with the process.

    ``continue_from`` gives the last number a sequence had before this store numbered it (None:
    it had none), for dry runs that preview what a persisted store would hand out next."""

    def __init__(self, continue_from: Callable[[str], int | None] | None = None) -> None:
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()
        self._continue_from = continue_from

    def next(self, name: str, start: int = 1) -> int:
        with self._lock:
            last = self._last.get(name)
            if last is None and self._continue_from is not None:
                last = self._continue_from(name)
            number = start if last is None else last + 1
            self._last[name] = number
            return number

    def give_back(self, name: str, number: int, start: int = 1) -> None:
        with self._lock:
            if self._last.get(name) != number:
                return
            if number == start:
                del self._last[name]
            else:
                self._last[name] = number - 1


class SequenceJournal:
    """The sequence store as one plan's transforms see it: it remembers the numbers drawn for
    the record being rendered, so that a record that fails to render (or whose payload is not
    used) gives them back instead of leaving a gap in the numbering.

    Each thread renders one record at a time: ``begin_record`` starts one, ``give_back_record``
    undoes what it drew. A number another record took since stays taken: a gap then, never a
    duplicate."""

    def __init__(self, store: SequenceStore) -> None:
        self.store = store
        self._local = threading.local()
        self.used = False

    def numbering(self) -> Callable[[str, int], int]:
        """``next``, for a transform that numbers records: marks the journal as used, so a plan
        none of whose transforms numbers anything renders without it (and streams)."""
        self.used = True
        return self.next

    def _drawn(self) -> list[tuple[str, int, int]]:
        drawn: list[tuple[str, int, int]] | None = getattr(self._local, "drawn", None)
        if drawn is None:
            drawn = self._local.drawn = []
        return drawn

    def next(self, name: str, start: int = 1) -> int:
        number = self.store.next(name, start)
        self._drawn().append((name, number, start))
        return number

    def give_back(self, name: str, number: int, start: int = 1) -> None:
        self.store.give_back(name, number, start)

    def begin_record(self) -> None:
        self._drawn().clear()

    def give_back_record(self) -> None:
        """Return every number this thread drew since ``begin_record``, latest first."""
        drawn = self._drawn()
        while drawn:
            self.give_back(*drawn.pop())


class TransformContext(msgspec.Struct, frozen=True):
    """What a factory may know at compile time besides its own parameters.

    ``settings`` are the spec's resolved settings; ``tables`` the value tables the spec declares
    (name -> {key: value}); ``limits`` the destination field's constraints (``max_length``);
    ``sequences`` the engine-side numbering store; ``field`` the destination field name, used only
    in messages and as a default sequence name. Transforms never see the record key.
    """

    settings: Mapping[str, Any] = _EMPTY
    tables: Mapping[str, Mapping[str, Any]] = _EMPTY
    limits: Mapping[str, Any] = _EMPTY
    sequences: SequenceStore | None = None
    field: str = ""

    @property
    def max_length(self) -> int | None:
        """The destination field's maximum length in characters, when known."""
        value = self.limits.get("max_length")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


Factory: TypeAlias = Callable[[Mapping[str, Any], TransformContext], Fn]


class Example(msgspec.Struct, frozen=True):
    """One worked example: documentation and a test case at once.

    ``error`` (a substring of the expected ``TransformError`` message) replaces ``output`` for
    examples that show a refusal; ``context`` holds ``tables`` / ``limits`` the example needs.
    """

    params: Mapping[str, Any]
    input: Any
    output: Any = None
    error: str | None = None
    note: str = ""
    context: Mapping[str, Any] = _EMPTY

    @classmethod
    def of(cls, spec: Example | Mapping[str, Any]) -> Example:
        if isinstance(spec, Example):
            return spec
        return cls(**spec)


class ParamProblem(msgspec.Struct, frozen=True):
    """One thing wrong with a transform item; ``path`` is relative to the item itself.

    For ``{"truncate": {"lenght": 3}}`` the path is ``("truncate", "lenght")``; the compiler
    prefixes the item's own JSON path (``$.fields[2].transforms[0]``) to locate it in the file.
    """

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return self.message


class TransformParamsError(TransformError):
    """A transform item is unusable as written: unknown name, bad or inconsistent parameters.

    Raised at compile time only. ``problems`` lists every problem found in the item.
    """

    def __init__(self, problems: Iterable[ParamProblem], *, transform: str | None = None) -> None:
        self.problems = tuple(problems)
        self.transform = transform
        head = f"transform '{transform}': " if transform else ""
        super().__init__(head + "; ".join(p.message for p in self.problems))

    @classmethod
    def at(cls, param: str | tuple[str | int, ...], message: str) -> TransformParamsError:
        """The one-problem error a factory raises about its parameter ``param`` (or path)."""
        path = (param,) if isinstance(param, str) else param
        dotted = ".".join(str(p) for p in path)
        return cls([ParamProblem(path, f"parameter '{dotted}': {message}")])


class UnknownTransformError(TransformParamsError, KeyError):
    """No transform has this name; the message suggests the closest names."""

    def __init__(
        self, name: str, suggestions: Iterable[str] = (), path: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        text = f"unknown transform '{name}'{hint(self.suggestions)}"
        super().__init__([ParamProblem(path, text)])

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


ParamsPredicate: TypeAlias = Callable[[Mapping[str, Any]], bool]


class Inline(msgspec.Struct, frozen=True):
    """A transform written as a Python expression over text, for the generated fast tier.

    ``expr`` is a format string: ``{v}`` is the value (always a ``str`` where it runs; other
    values go to the transform's callable) and every other field names an entry of ``names``.
    For every text value it must give exactly what the callable gives, or raise where the
    callable raises: the renderer re-runs failures through the callable to explain them.
    """

    expr: str
    names: Mapping[str, Any] = msgspec.field(default_factory=dict)
    total: bool = True
    """For text input the expression always gives a value (never None or a sentinel)."""
    text: bool = False
    """For text input the expression always gives text: the next transform's inline form can
    take it without a type check (the generated code chains such forms)."""
    any_value: str | None = None
    """The same, written for *any* value (``{v}`` is then never None): it gives the callable's
    result or raises, so the generated fast path runs it without a type check and re-renders
    the record on the checked path when it raises."""
    text_out: bool = False
    """``any_value`` gives text whenever it does not raise (``str.strip`` raises on anything
    else): the next transform on the fast path can then take its text form."""


def with_inline(fn: Fn, form: Inline | None) -> Fn:
    """Attach an inline form to a transform's callable (see ``Inline``); returns ``fn``."""
    if form is not None:
        fn.inline = form  # type: ignore[attr-defined]
    return fn


def inline_of(fn: Fn) -> Inline | None:
    """The inline form a transform's callable carries, if any."""
    form = getattr(fn, "inline", None)
    return form if isinstance(form, Inline) else None


# compared and hashed by identity (schemas are dicts); a __dict__ for the two cached properties
class Transform(msgspec.Struct, frozen=True, eq=False, dict=True):
    """A registered transform: how to build it, what it takes, and how to explain it.

    ``destination_assigned`` is a predicate on the parameters (the field is then never sent and
    its value is read back after the write); ``accepts_missing`` says whether the pipeline hands
    this transform ``MISSING`` instead of skipping it.
    """

    name: str
    factory: Factory
    params_schema: Mapping[str, Any]
    examples: tuple[Example, ...] = ()
    summary: str = ""
    doc: str = ""
    accepts_missing: bool = False
    destination_assigned: ParamsPredicate = lambda _params: False

    @cached_property
    def validator(self) -> jsonschema.Draft202012Validator:
        """The parameter validator, built on first use and kept (the schema never changes)."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.params_schema)

    @cached_property
    def params_precheck(self) -> fastschema.Precheck | None:
        """The quick yes-or-no check of parameters (``engine.fastschema``), built once."""
        return fastschema.precheck(self.params_schema, {})

    @property
    def requires_params(self) -> bool:
        """True when the transform cannot be written as a bare name."""
        schema = self.params_schema
        return bool(schema.get("required")) or schema.get("minProperties", 0) > 0

    def defaults(self) -> dict[str, Any]:
        """Top-level parameter defaults declared in the schema (the single source of them)."""
        props: Mapping[str, Any] = self.params_schema.get("properties", {})
        return {k: p["default"] for k, p in props.items() if "default" in p}


def param_schema(required: Iterable[str] = (), **properties: Mapping[str, Any]) -> dict[str, Any]:
    """Build a closed parameter schema: an object with exactly these properties."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": dict(properties),
    }
    if required := list(required):
        schema["required"] = required
    return schema


def prop(description: str, examples: list[Any], **schema: Any) -> dict[str, Any]:
    """One documented parameter: its JSON Schema keywords plus description and examples."""
    return {**schema, "description": description, "examples": examples}


def transform(
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    examples: Iterable[Example | Mapping[str, Any]] = (),
    accepts_missing: bool = False,
    destination_assigned: bool | ParamsPredicate = False,
) -> Callable[[Factory], Transform]:
    """Turn a factory ``(params, ctx) -> (value -> value)`` into a ``Transform``.

    The factory's docstring is the documentation: its first line the summary, the rest the body.
    Registration is separate (``TransformRegistry.register``) so registries stay per instance.
    """
    schema = dict(params) if params is not None else param_schema()
    schema.setdefault("additionalProperties", False)
    # The schema itself is checked by the test suite for the built-ins and when a plugin's
    # transforms are registered (``TransformRegistry.load_entry_points``), not on every import:
    # 22 checks cost a tenth of every command's start-up.
    predicate = _as_predicate(destination_assigned)

    def decorate(factory: Factory) -> Transform:
        doc = inspect.cleandoc(factory.__doc__ or "")
        summary, _, body = doc.partition("\n")
        return Transform(
            name=name,
            factory=factory,
            params_schema=schema,
            examples=tuple(Example.of(e) for e in examples),
            summary=summary.strip(),
            doc=body.strip(),
            accepts_missing=accepts_missing,
            destination_assigned=predicate,
        )

    return decorate


def _as_predicate(flag: bool | ParamsPredicate) -> ParamsPredicate:
    if callable(flag):
        return flag
    return lambda _params: flag
