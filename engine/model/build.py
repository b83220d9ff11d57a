"""Build the model of a valid document, once, after the JSON Schema and meaning checks.

Why after the checks: the builder may then trust the shape (every required key there, every
``by:`` with its ``cases``) and stays a straight translation; what it adds is what no stage
should repeat: defaults (from the schemas, ``engine.model.defaults``), field inheritance
(``variant``), and transform parameters with the transform's defaults (``steps``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

from engine.load.source import JsonPath
from engine.model.defaults import mapping_default
from engine.model.frozen import EMPTY, UNSET, freeze
from engine.model.nodes import (
    Connections,
    Cutover,
    End,
    Endpoint,
    Expr,
    Field,
    Guard,
    Identity,
    Lines,
    Mapping,
    Match,
    Model,
    Requirement,
    SettingsModel,
    Source,
    SourceKind,
    Step,
    Switch,
    Variant,
)
from engine.model.variants import Chain, chains, choices
from engine.transforms import Transform, TransformRegistry, installed_registry

_SOURCE_KINDS: tuple[SourceKind, ...] = ("from", "template", "value")


def build_model(
    kind: str, data: dict[str, Any], *, transforms: TransformRegistry | None = None
) -> Model:
    """The model of a valid document of ``kind`` (``transforms``: the caller's registry, whose
    parameter defaults fill each transform step)."""
    if kind == "Mapping":
        return _MappingBuilder(transforms or installed_registry()).mapping(data)
    if kind == "Settings":
        return settings_model(data)
    return connections_model(data)


def choice(value: Any, path: JsonPath) -> Any:
    """A literal, or a ``Switch`` for ``{setting: X[, cases: {...}]}``."""
    if isinstance(value, dict) and "setting" in value:
        cases = value.get("cases")
        return Switch(str(value["setting"]), None if cases is None else freeze(cases), path)
    return value


def source(node: dict[str, Any], path: JsonPath) -> Source:
    """A ``value_source`` (or a variant's source): exactly one of from/template/value."""
    kind = next(k for k in _SOURCE_KINDS if k in node)
    return Source(kind, freeze(node[kind]), path)


def _requirement(node: dict[str, Any], path: JsonPath) -> Requirement:
    names = node["mapping"] if isinstance(node["mapping"], list) else [node["mapping"]]
    alias = node.get("as") or names[0].rsplit("/", 1)[-1].replace("-", "_")
    optional = node.get("optional", mapping_default("/$defs/requirement/properties/optional"))
    source = Expr(node["from"], (*path, "from"))
    listed = isinstance(node["mapping"], list)
    return Requirement(tuple(names), source, alias, bool(optional), path, listed, freeze(node))


def _requirements(items: Iterable[Any], base: JsonPath) -> tuple[Requirement, ...]:
    return tuple(_requirement(r, (*base, i)) for i, r in enumerate(items or ()))


@functools.lru_cache(maxsize=256)
def _defaults(transform: Transform) -> MappingProxyType[str, Any]:
    """A transform's parameter defaults, frozen (transforms are compared by identity)."""
    frozen: MappingProxyType[str, Any] = freeze(transform.defaults())
    return frozen


class _MappingBuilder:
    def __init__(self, registry: TransformRegistry) -> None:
        self.registry = registry
        self.missing = mapping_default("/$defs/field/properties/missing")
        self.write = mapping_default("/$defs/field/properties/write")
        self.level_steps: dict[JsonPath, tuple[Step, ...]] = {}  # levels shared by variants

    def step(self, item: Any, path: JsonPath) -> Step:
        """``trim`` and ``{trim: {collapse: false}}`` both become ``Step("trim", {...})``."""
        written: Any = item
        if isinstance(item, str):
            name, given = item, EMPTY
        else:
            ((name, raw),) = item.items()
            given = freeze(raw or {})
            written = MappingProxyType({name: freeze(raw)})
        if name not in self.registry:
            return Step(name, given, path, written)
        transform = self.registry.get(name)
        return Step(
            name, MappingProxyType({**_defaults(transform), **given}), path, written, transform
        )

    def steps(self, level: dict[str, Any], path: JsonPath) -> tuple[Step, ...]:
        if path not in self.level_steps:
            base = (*path, "transforms")
            items = level.get("transforms") or ()
            self.level_steps[path] = tuple(self.step(t, (*base, i)) for i, t in enumerate(items))
        return self.level_steps[path]

    def variant(self, chain: Chain) -> Variant:
        """One leaf with everything its enclosing levels add: the one place field inheritance
        is decided (steps innermost level first, every ``when``, the innermost policy)."""
        leaf, leaf_path = chain[-1]
        steps: tuple[Step, ...] = ()
        steps_path = policy_path = None
        missing, default = None, UNSET
        for level, level_path in reversed(chain):
            if level.get("transforms"):
                steps += self.steps(level, level_path)
                steps_path = steps_path or (*level_path, "transforms")
            if missing is None and "missing" in level:
                missing = level["missing"]
            if default is UNSET and "default" in level:
                default = freeze(level["default"])
            if policy_path is None and ("missing" in level or "default" in level):
                policy_path = level_path
        return Variant(
            choices=choices(chain),
            source=source(leaf, leaf_path),
            steps=steps,
            guards=tuple(Expr(n["when"], (*p, "when")) for n, p in chain if n.get("when")),
            missing=missing or self.missing,
            default=default,
            path=leaf_path,
            steps_path=steps_path or leaf_path,
            policy_path=policy_path or leaf_path,
        )

    def field(self, node: dict[str, Any], path: JsonPath) -> Field:
        leaves = [c for c in chains(node, path) if "by" not in c[-1][0]]
        write = node.get("write", self.write)
        return Field(
            to=node["to"],
            write=choice(write, (*path, "write")),
            variants=tuple(self.variant(c) for c in leaves),
            description=node.get("description"),
            path=path,
        )

    def fields(self, items: list[Any], base: JsonPath) -> tuple[Field, ...]:
        return tuple(self.field(n, (*base, i)) for i, n in enumerate(items))

    def guard(self, item: Any, path: JsonPath) -> Guard:
        if isinstance(item, str):
            item = {"expr": item}
            expr = Expr(item["expr"], path)
        else:
            expr = Expr(item["expr"], (*path, "expr"))
        on_fail = item.get("on_fail", mapping_default("/$defs/guard/oneOf/1/properties/on_fail"))
        return Guard(expr, item.get("name"), item.get("reason"), on_fail, path)

    def identity(self, node: dict[str, Any]) -> Identity:
        base: JsonPath = ("identity",)
        ext, linked = node.get("external_id"), node.get("linked_by")
        return Identity(
            external_id=source(ext, (*base, "external_id")) if ext else None,
            match=tuple(
                Match(m["to"], source(m, (*base, "match", i)), (*base, "match", i), freeze(m))
                for i, m in enumerate(node.get("match") or ())
            ),
            unique=tuple(node.get("unique") or ()),
            one_of=tuple(node.get("one_of") or ()),
            linked_by=source(linked, (*base, "linked_by")) if linked else None,
        )

    def lines(self, node: dict[str, Any] | None) -> Lines | None:
        if not node:
            return None
        path: JsonPath = ("lines",)
        return Lines(
            to=node["to"],
            source=source(node, path),
            guard=Expr(node["when"], (*path, "when")) if node.get("when") else None,
            requires=_requirements(node.get("requires") or (), (*path, "requires")),
            fields=self.fields(node["fields"], (*path, "fields")),
            path=path,
            written=freeze(node),
        )

    def mapping(self, d: dict[str, Any]) -> Mapping:
        src, dst = d["source"], d["destination"]
        cut = src.get("cutover")
        behavior = (d.get("behavior") or {}).get(
            "sync", mapping_default("/$defs/behavior/properties/sync")
        )
        tracking = {
            phase: MappingProxyType(
                {n: source(v, ("tracking", phase, n)) for n, v in table.items()}
            )
            for phase, table in (d.get("tracking") or {}).items()
        }
        return Mapping(
            name=str(d["metadata"]["name"]),
            version=int(d["metadata"]["version"]),
            description=d["metadata"].get("description"),
            settings_file=d.get("settings"),
            enabled=choice(d.get("enabled", mapping_default("/properties/enabled")), ("enabled",)),
            order=int(d.get("order", mapping_default("/properties/order"))),
            source=End(src["endpoint"], src["object"], ("source",)),
            cutover=None
            if not cut
            else Cutover(
                Expr(cut["date"], ("source", "cutover", "date")),
                cut.get("setting"),
                cut.get("since"),
                ("source", "cutover"),
                freeze(cut),
            ),
            destination=End(dst["endpoint"], dst["object"], ("destination",)),
            identity=self.identity(d.get("identity") or {}),
            behavior=choice(behavior, ("behavior", "sync")),
            requires=_requirements(d.get("requires") or (), ("requires",)),
            guards=tuple(self.guard(g, ("when", i)) for i, g in enumerate(d.get("when") or ())),
            tables=freeze(d.get("tables") or {}),
            fields=self.fields(d["fields"], ("fields",)),
            lines=self.lines(d.get("lines")),
            tracking=MappingProxyType(tracking),
        )


def settings_model(d: dict[str, Any]) -> SettingsModel:
    meta = d["metadata"]
    return SettingsModel(
        name=str(meta["name"]),
        version=int(meta["version"]),
        description=meta.get("description"),
        values=freeze(d.get("settings") or {}),
        numbering=freeze(d.get("destination_numbering") or {}),
    )


def connections_model(d: dict[str, Any]) -> Connections:
    endpoints = {
        name: Endpoint(str(e["driver"]), freeze(e.get("options") or {}), ("endpoints", name))
        for name, e in (d.get("endpoints") or {}).items()
    }
    meta = d["metadata"]
    version = meta.get("version")
    return Connections(
        str(meta["name"]),
        version if isinstance(version, int) else None,
        MappingProxyType(endpoints),
    )
