"""The typed, frozen model of a Mapping: what every stage after validation reads.

Why one model: the compiler, the diff and the later checks used to walk the YAML each on its
own, so the ``by:``/``cases:`` tree, field inheritance and every default were written several
times (and disagreed: ``trim`` and ``{trim: {collapse: false}}`` compiled the same but diffed as
a change). Here a field's variants are already resolved (each ``Variant`` carries what its
enclosing levels add), each transform step is ``(name, parameters with defaults)``, and every
default is filled in. Every node keeps its ``path`` in the file, so an error found later is
located with the document's source map (``Document.source.locate(node.path)``). A node's
``written`` (where it has one) is the node as the spec writes it, frozen: for showing it to a
reviewer (the diff), never for meaning; like ``path`` it takes no part in equality.

The nodes are ``msgspec.Struct`` classes (frozen, slotted, compared and hashed by value, like
the frozen dataclasses they were): defining a dataclass costs over a millisecond of start-up
each, and every command that loads a spec defines these; a Struct class costs a tenth of that.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, ClassVar, Literal

import msgspec

from engine.load.source import JsonPath
from engine.model.frozen import UNSET, thaw
from engine.transforms import Transform

SourceKind = Literal["from", "template", "value"]

UNCOMPARED = frozenset({"path", "steps_path", "policy_path", "written", "listed", "checked_by"})
"""The fields that say where and how a node is written, never what it means: no node's
equality or hash reads them."""


class Node(msgspec.Struct, frozen=True):
    """A model node: equal to another of its class when every field but those ``UNCOMPARED``
    is equal (a Struct compares them all)."""

    _compared: ClassVar[dict[type, tuple[str, ...]]] = {}

    def _meaning(self) -> tuple[Any, ...]:
        cls = self.__class__
        names = Node._compared.get(cls)
        if names is None:
            names = tuple(n for n in self.__struct_fields__ if n not in UNCOMPARED)
            Node._compared[cls] = names
        return tuple(getattr(self, name) for name in names)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash(self._meaning())


class Switch(Node, frozen=True):
    """A value chosen by a setting: ``{setting: X}`` (the setting's own value) or
    ``{setting: X, cases: {option: value}}``."""

    setting: str
    cases: MappingProxyType[str, Any] | None
    path: JsonPath

    def written(self) -> dict[str, Any]:
        """The switch as a spec writes it (for showing it to a reviewer)."""
        out: dict[str, Any] = {"setting": self.setting}
        if self.cases is not None:
            out["cases"] = thaw(self.cases)
        return out


class Source(Node, frozen=True):
    """Where a value comes from: an expression (``from``), a template, or a constant."""

    kind: SourceKind
    value: Any
    path: JsonPath

    def written(self) -> dict[str, Any]:
        return {self.kind: self.value}


class Expr(Node, frozen=True):
    """An expression (a guard, a line's ``from``) and where it is written."""

    text: str
    path: JsonPath


class Step(Node, frozen=True):
    """One transform: its name and its parameters with the transform's defaults filled in, so
    ``trim`` and ``{trim: {collapse: false}}`` are equal. ``written`` is the item as the spec
    writes it (for showing it to a reviewer)."""

    name: str
    params: MappingProxyType[str, Any]
    path: JsonPath
    written: Any = None
    checked_by: Transform | None = None
    """The transform whose parameter schema validation checked ``params`` (None: unknown to the
    validating registry); a compiler given that same transform need not check them again."""


class Variant(Node, frozen=True):
    """One effective variant of a field: its source plus what every enclosing level adds.

    ``choices`` are the ``(setting, option)`` pairs that select it, outermost first (empty for
    a field without ``by:``). Steps run innermost level first; every level's guard must hold;
    the innermost ``missing``/``default`` wins.
    """

    choices: tuple[tuple[str, str], ...]
    source: Source
    steps: tuple[Step, ...]
    guards: tuple[Expr, ...]
    missing: str
    default: Any
    path: JsonPath
    steps_path: JsonPath
    policy_path: JsonPath

    @property
    def label(self) -> str:
        """``setting=option, ...``: how the variant is named in plans and diffs."""
        return ", ".join(f"{s}={o}" for s, o in self.choices)

    @property
    def has_default(self) -> bool:
        return self.default is not UNSET

    def own_steps(self) -> tuple[Step, ...]:
        """The steps written on the variant's own level (not inherited from enclosing ones)."""
        return tuple(s for s in self.steps if s.path[:-2] == self.path)


class Field(Node, frozen=True):
    """A destination field and its variants (one, labelled ``""``, without ``by:``)."""

    to: str
    write: str | Switch
    variants: tuple[Variant, ...]
    description: str | None
    path: JsonPath

    def levels(self) -> tuple[JsonPath, ...]:
        """The paths of the field's levels: the field itself, then each case, depth first."""
        found: dict[JsonPath, None] = {}
        for variant in self.variants:
            for end in range(len(self.path), len(variant.path) + 1, 2):
                found.setdefault(variant.path[:end], None)
        return tuple(found)

    def variant_for(self, option_of: Any) -> Variant:
        """The variant ``option_of(setting)`` selects (a callable such as ``Settings.get``)."""
        for variant in self.variants:
            if all(option_of(s) == o for s, o in variant.choices):
                return variant
        raise LookupError(f"field {self.to}: no variant for these settings")


class Guard(Node, frozen=True):
    """A record guard; ``named`` is False for one written as a bare expression."""

    expr: Expr
    name: str | None
    reason: str | None
    on_fail: str
    path: JsonPath


class Requirement(Node, frozen=True):
    """A parent another mapping must have synced; ``alias`` defaults from the first name."""

    mappings: tuple[str, ...]
    source: Expr
    alias: str
    optional: bool
    path: JsonPath
    listed: bool = False
    """``mapping:`` is written as a list (so each name has its own position in the file)."""
    written: Any = None

    def name_path(self, position: int) -> JsonPath:
        """Where the ``position``-th parent mapping's name is written."""
        return (*self.path, "mapping", *([position] if self.listed else []))


class Cutover(Node, frozen=True):
    """Records changed before a date are not synced: ``date`` reads the record's date,
    ``since`` is the date itself, or the ``cutover_dates`` setting names it."""

    date: Expr
    setting: str | None
    since: str | None
    path: JsonPath
    written: Any = None


class End(Node, frozen=True):
    """One end of the sync: an endpoint (a connection's name) and its object."""

    endpoint: str
    object: str
    path: JsonPath


class Match(Node, frozen=True):
    """A natural key: the destination field ``to`` must equal the source value."""

    to: str
    source: Source
    path: JsonPath
    written: Any = None


class Identity(Node, frozen=True):
    """How a source record finds its destination record (empty parts are not used)."""

    external_id: Source | None = None
    match: tuple[Match, ...] = ()
    unique: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    linked_by: Source | None = None


class Lines(Node, frozen=True):
    """A sublist of the destination record, one line per item of the source's list."""

    to: str
    source: Source
    guard: Expr | None
    requires: tuple[Requirement, ...]
    fields: tuple[Field, ...]
    path: JsonPath
    written: Any = None


class Mapping(Node, frozen=True):
    """A validated ``kind: Mapping`` document, defaults applied."""

    name: str
    version: int
    description: str | None
    settings_file: str | None
    enabled: bool | Switch
    order: int
    source: End
    cutover: Cutover | None
    destination: End
    identity: Identity
    behavior: str | Switch
    requires: tuple[Requirement, ...]
    guards: tuple[Guard, ...]
    tables: MappingProxyType[str, Any]
    fields: tuple[Field, ...]
    lines: Lines | None
    tracking: MappingProxyType[str, MappingProxyType[str, Source]]

    def field_name(self, path: JsonPath) -> str | None:
        """The destination field (the nearest enclosing ``to:``) a path in the file belongs to."""
        match path:
            case ("fields", int(i), *_) if i < len(self.fields):
                return self.fields[i].to
            case ("identity", "match", int(i), *_) if i < len(self.identity.match):
                return self.identity.match[i].to
            case ("lines", "fields", int(i), *_) if self.lines and i < len(self.lines.fields):
                return self.lines.fields[i].to
            case ("lines", *_) if self.lines is not None:
                return self.lines.to
        return None

    def all_requirements(self) -> tuple[Requirement, ...]:
        """Requirements of the record and of its lines."""
        return self.requires + (self.lines.requires if self.lines else ())


class SettingsModel(Node, frozen=True):
    """A validated ``kind: Settings`` document: its settings as written (the resolved values,
    with the schema's defaults, are ``engine.check.settings.Settings``)."""

    name: str
    version: int
    description: str | None
    values: MappingProxyType[str, Any]
    numbering: MappingProxyType[str, Any]


class Endpoint(Node, frozen=True):
    driver: str
    options: MappingProxyType[str, Any]
    path: JsonPath


class Connections(Node, frozen=True):
    """A validated ``kind: Connections`` document: its endpoints by name."""

    name: str
    version: int | None
    endpoints: MappingProxyType[str, Endpoint]


Model = Mapping | SettingsModel | Connections
