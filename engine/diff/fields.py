"""Destination fields compared by meaning: matched by ``to``, each variant by its settings.

Why variants are expanded: a field's value comes from the variant its settings choose, plus
whatever the enclosing levels add (transforms run innermost first, every level's ``when`` must
hold, the innermost ``missing``/``default`` wins). Comparing these *effective* variants means
moving ``transforms`` from a field down into each of its cases is not a change, while editing the
one case a setting rarely picks still is. Fields that make a record number (chosen by a number
setting, or numbered by ``auto_number``) are escalated to breaking: a number is an identity
people search for, and rewriting it on existing records is what the connector guards against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from engine.check.specfile import Document
from engine.diff import normal
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.source import JsonPath
from engine.model import nodes as model
from engine.model.frozen import thaw

NUMBER_SETTINGS = frozenset(
    {
        "account_number_mapping",
        "account_number_update",
        "de_concatenate_account_number",
        "item_id_mapping",
        "transaction_number_mapping",
    }
)
NUMBERING_TRANSFORMS = frozenset({"auto_number"})


SOURCE_FORMS: dict[str, Callable[[Any], str]] = {
    "from": normal.expression,
    "template": normal.template,
    "value": normal.canonical,
}


class Leaf(msgspec.Struct, frozen=True):
    """One effective variant of a field: everything that decides the value it produces."""

    path: JsonPath
    source: tuple[str, str]
    shown: dict[str, Any]
    steps: tuple[tuple[str, str], ...]
    steps_shown: tuple[Any, ...]
    steps_path: JsonPath
    guards: frozenset[str]
    guards_shown: tuple[str, ...]
    guard_path: JsonPath
    missing: str
    default: Any
    policy_path: JsonPath

    @property
    def meaning(self) -> tuple[Any, ...]:
        """Everything that decides the value, without where it is written."""
        return (self.source, self.steps, self.guards, self.missing, normal.canonical(self.default))


def _leaf(variant: model.Variant) -> Leaf:
    """A variant of the model (inheritance already resolved there) as the diff compares it."""
    kind, value = variant.source.kind, thaw(variant.source.value)
    whens = variant.guards
    return Leaf(
        path=variant.path,
        source=(kind, SOURCE_FORMS[kind](value)),
        shown={kind: value},
        steps=tuple((s.name, normal.canonical(thaw(s.params))) for s in variant.steps),
        steps_shown=tuple(thaw(s.written) for s in variant.steps),
        steps_path=variant.steps_path,
        guards=frozenset(t for w in whens for t in normal.guard_terms(w.text)),
        guards_shown=tuple(w.text for w in whens),
        guard_path=whens[-1].path if whens else variant.path,
        missing=variant.missing,
        default=thaw(variant.default) if variant.has_default else ABSENT,
        policy_path=variant.policy_path,
    )


def _settings_used(node: model.Field) -> set[str]:
    """The settings that choose a field's value (its variants) or when it is written."""
    chosen = {setting for v in node.variants for setting, _ in v.choices}
    if isinstance(node.write, model.Switch):
        chosen.add(node.write.setting)
    return chosen


class FieldView(msgspec.Struct, frozen=True):
    """A field as the diff sees it: its effective variants, when it is written, and whether it
    makes a record number."""

    to: str
    path: JsonPath
    description: Any
    write: Any
    variants: dict[str, Leaf]
    number: bool

    @classmethod
    def of(cls, node: model.Field) -> FieldView:
        variants = {v.label: _leaf(v) for v in node.variants}
        numbering = any(n in NUMBERING_TRANSFORMS for v in variants.values() for n, _ in v.steps)
        write = node.write
        return cls(
            to=node.to,
            path=node.path,
            description=ABSENT if node.description is None else node.description,
            write=write.written() if isinstance(write, model.Switch) else write,
            variants=variants,
            number=numbering or bool(_settings_used(node) & NUMBER_SETTINGS),
        )


def _write_summary(before: Any, after: Any) -> str:
    """When a field is written, before and after, in words a reviewer checks against NetSuite's
    or Zuora's rules (a create-only field such as a subsidiary cannot be updated)."""
    if isinstance(before, str) and isinstance(after, str):
        moves = {
            ("create", "always"): "now also written on updates (was create-only)",
            ("create", "update"): "now written on updates only (was create-only)",
            ("always", "create"): "no longer written on updates (now create-only)",
            ("update", "always"): "now also written on creates",
            ("always", "update"): "no longer written on creates",
            ("update", "create"): "now written on creates only (was updates only)",
        }
        return moves[(before, after)]
    if isinstance(before, dict) and isinstance(after, dict):
        if before.get("setting") != after.get("setting"):
            return f"when it is written is now chosen by setting {after['setting']}"
        old, new = before.get("cases") or {}, after.get("cases") or {}
        moved = [f"{k}: {old.get(k)} → {new.get(k)}" for k in new if old.get(k) != new.get(k)]
        return (
            f"when it is written under setting {after['setting']} changed ("
            + ", ".join(moved)
            + ")"
        )
    if isinstance(after, dict):
        return f"when it is written is now chosen by setting {after['setting']}"
    return "when it is written is no longer chosen by a setting"


class FieldComparer(Comparer):
    """Compares the fields of two Mapping documents (``fields`` or ``lines.fields``)."""

    def __init__(self, old: Document, new: Document, prefix: str = "") -> None:
        super().__init__(old, new)
        self.prefix = prefix

    def add(
        self,
        a: FieldView | None,
        b: FieldView | None,
        severity: Severity,
        category: Category,
        summary: str,
        before: Any,
        after: Any,
        paths: tuple[JsonPath | None, JsonPath | None],
        *,
        label: str = "",
        cosmetic: bool = False,
    ) -> None:
        view = b or a
        assert view is not None
        name = self.prefix + view.to
        number = (a is not None and a.number) or (b is not None and b.number)
        if number and category in _VALUE_CATEGORIES and not cosmetic:
            severity, category = Severity.BREAKING, Category.NUMBER_MAPPING
            summary += " (this field makes the record number)"
        subject = f"field {name}" + (f" [{label}]" if label else "")
        self.record(
            severity,
            category,
            subject,
            summary,
            before,
            after,
            paths,
            field=name,
            cosmetic=cosmetic,
        )

    def compare(
        self, old_fields: tuple[model.Field, ...], new_fields: tuple[model.Field, ...]
    ) -> list[Change]:
        olds = {n.to: FieldView.of(n) for n in old_fields}
        news = {n.to: FieldView.of(n) for n in new_fields}
        for to, b in news.items():
            a = olds.get(to)
            if a is None:
                self.added(b)
            else:
                self.field(a, b)
        for to, a in olds.items():
            if to not in news:
                shown = {k: v.shown for k, v in a.variants.items()}
                self.add(
                    a,
                    None,
                    Severity.BREAKING,
                    Category.FIELD_REMOVED,
                    "destination field removed: no longer written",
                    shown.get("", shown),
                    ABSENT,
                    (a.path, None),
                )
        return self.changes

    def added(self, b: FieldView) -> None:
        shown = {k: v.shown for k, v in b.variants.items()}
        required = any(v.missing == "fail" for v in b.variants.values())
        self.add(
            None,
            b,
            Severity.RISKY if required else Severity.INFO,
            Category.FIELD_ADDED,
            "new field; records without a value now fail (missing: fail)"
            if required
            else "new optional field",
            ABSENT,
            shown.get("", shown),
            (None, b.path),
        )

    def field(self, a: FieldView, b: FieldView) -> None:
        if a.description != b.description:
            self.add(
                a,
                b,
                Severity.INFO,
                Category.DESCRIPTION,
                "description changed",
                a.description,
                b.description,
                ((*a.path, "description"), (*b.path, "description")),
                cosmetic=True,
            )
        if normal.canonical(a.write) != normal.canonical(b.write):
            self.add(
                a,
                b,
                Severity.RISKY,
                Category.WRITE,
                _write_summary(a.write, b.write),
                a.write,
                b.write,
                ((*a.path, "write"), (*b.path, "write")),
            )
        self.variants(a, b)

    def variants(self, a: FieldView, b: FieldView) -> None:
        if set(a.variants) == set(b.variants):
            for label, leaf in b.variants.items():
                self.leaf(a, b, a.variants[label], leaf, label)
            return
        for one, many in ((a, b), (b, a)):
            # A choice by setting whose every case means what the plain field meant: no change.
            plain = one.variants.get("")
            if plain is not None and all(
                v.meaning == plain.meaning for v in many.variants.values()
            ):
                return
        self.add(
            a,
            b,
            Severity.RISKY,
            Category.SOURCE,
            "the settings that choose the value changed",
            sorted(a.variants) if a.variants.keys() != {""} else "(not chosen by a setting)",
            sorted(b.variants) if b.variants.keys() != {""} else "(not chosen by a setting)",
            (a.path, b.path),
        )
        for label, leaf in b.variants.items():
            old_leaf = a.variants.get(label, a.variants.get(""))
            if old_leaf is not None:
                self.leaf(a, b, old_leaf, leaf, label)
        if "" in b.variants:
            for label, leaf in a.variants.items():
                self.leaf(a, b, leaf, b.variants[""], label)

    def leaf(self, a: FieldView, b: FieldView, x: Leaf, y: Leaf, label: str) -> None:
        def add(
            cat: Category,
            summary: str,
            before: Any,
            after: Any,
            paths: tuple[JsonPath, JsonPath],
            cosmetic: bool = False,
        ) -> None:
            severity = Severity.INFO if cosmetic else Severity.RISKY
            self.add(
                a, b, severity, cat, summary, before, after, paths, label=label, cosmetic=cosmetic
            )

        if x.source != y.source:
            add(Category.SOURCE, "source changed", x.shown, y.shown, (x.path, y.path))
        if x.steps != y.steps:
            same = sorted(x.steps) == sorted(y.steps)
            add(
                Category.TRANSFORM,
                "transforms reordered" if same else _steps_summary(x, y),
                normal.transforms_text(x.steps_shown),
                normal.transforms_text(y.steps_shown),
                (x.steps_path, y.steps_path),
            )
        if x.guards != y.guards:
            relation = normal.guard_relation(x.guards, y.guards)
            add(
                Category.GUARD,
                f"field guard {relation}: the field is sent "
                + {"tightened": "less often", "loosened": "more often"}.get(
                    relation, "differently"
                ),
                " && ".join(x.guards_shown) or "(none)",
                " && ".join(y.guards_shown) or "(none)",
                (x.guard_path, y.guard_path),
            )
        if x.missing != y.missing:
            add(
                Category.DEFAULT,
                "missing-value policy changed",
                x.missing,
                y.missing,
                (x.policy_path, y.policy_path),
            )
        if normal.canonical(x.default) != normal.canonical(y.default):
            unused = x.missing != "default" and y.missing != "default"
            add(
                Category.DEFAULT,
                "default changed" + (" (unused: missing is not 'default')" if unused else ""),
                x.default,
                y.default,
                (x.policy_path, y.policy_path),
                cosmetic=unused,
            )


_VALUE_CATEGORIES = frozenset(
    {Category.SOURCE, Category.TRANSFORM, Category.GUARD, Category.DEFAULT, Category.WRITE}
)


def _steps_summary(x: Leaf, y: Leaf) -> str:
    before = [normal.transform_text(i) for i in x.steps_shown]
    after = [normal.transform_text(i) for i in y.steps_shown]
    names_before, names_after = {n for n, _ in x.steps}, {n for n, _ in y.steps}
    parts = []
    if added := [t for t in after if t not in before and t.split(" ")[0] not in names_before]:
        parts.append("added " + ", ".join(added))
    if removed := [t for t in before if t not in after and t.split(" ")[0] not in names_after]:
        parts.append("removed " + ", ".join(removed))
    if changed := sorted(
        n
        for n in names_before & names_after
        if {p for m, p in x.steps if m == n} != {p for m, p in y.steps if m == n}
    ):
        parts.append("parameters of " + ", ".join(changed) + " changed")
    return "transforms changed" + (": " + "; ".join(parts) if parts else "")
