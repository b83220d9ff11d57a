"""Two versions of a Settings file (or a Connections file) compared by meaning.

Why a table of impacts: whether a setting "alters existing records" is a fact about the
connector, not about the YAML. Master, sync behaviour and the number settings rewrite or orphan
records already in the destination (breaking); a default subsidiary, currency or cutover date
only affects records selected or created from now on (risky). ``SETTING_IMPACT`` states this
once per setting, with the reason a reviewer reads; a test fails when the Settings schema gains
a setting this table does not judge. Values are compared after the schema's defaults are filled
in, so writing out a default (or deleting it) is not a change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.check.specfile import Document
from engine.diff import normal
from engine.diff.model import ABSENT, Category, Change, Comparer, Severity
from engine.load.schema import schema_for
from engine.load.source import JsonPath
from engine.model.frozen import thaw
from engine.model.nodes import SettingsModel

BREAKING, RISKY = Severity.BREAKING, Severity.RISKY

SETTING_IMPACT: dict[str, tuple[Severity, str]] = {
    "customer_account_master": (
        BREAKING,
        "switches which system is the master: one customer mapping stops, the other starts",
    ),
    "customer_sync_behavior": (BREAKING, "decides whether later changes overwrite customers"),
    "account_number_mapping": (BREAKING, "changes the number written to existing customers"),
    "account_number_update": (BREAKING, "decides whether existing customer numbers are rewritten"),
    "de_concatenate_account_number": (BREAKING, "changes account numbers of existing accounts"),
    "item_id_mapping": (BREAKING, "changes the Item ID of existing items"),
    "catalog_sync_behavior": (BREAKING, "decides whether later catalog changes overwrite items"),
    "transaction_number_mapping": (BREAKING, "changes the transaction number sent"),
    "unassigned_payments_customer": (RISKY, "applies to unapplied payments synced from now on"),
    "cutover_dates": (RISKY, "changes which transactions are selected; synced ones stay"),
    "default_currency": (RISKY, "applies to records that name no currency"),
    "default_subsidiary": (RISKY, "written on create only: existing records keep theirs"),
}


SETTINGS_KEYS = frozenset({"apiVersion", "kind", "metadata", "settings", "destination_numbering"})


def _defaults(definition: str) -> dict[str, Any]:
    props = schema_for("ferry/v1", "Settings")["$defs"][definition]["properties"]
    return {name: prop["default"] for name, prop in props.items() if "default" in prop}


def _leaves(value: Any, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            yield from _leaves(sub, (*prefix, key))
    else:
        yield prefix, value


def _model(doc: Document) -> SettingsModel:
    if not isinstance(doc.model, SettingsModel):
        raise TypeError(f"{doc.path}: expected a built Settings, got {doc.kind}")
    return doc.model


def _numbering(doc: Document) -> dict[str, Any]:
    flags = _defaults("numbering")
    table = thaw(_model(doc).numbering)
    return {kind: {**flags, **conf} for kind, conf in table.items()}


class _Collector(Comparer):
    """The changes between two Settings documents."""

    @staticmethod
    def leaves(a: dict[str, Any], b: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
        """The leaf values (dotted keys) that differ between two nested mappings."""
        olds, news = dict(_leaves(a, ())), dict(_leaves(b, ()))
        for key in [*news, *(k for k in olds if k not in news)]:
            x, y = olds.get(key, ABSENT), news.get(key, ABSENT)
            if x is ABSENT or y is ABSENT or normal.canonical(x) != normal.canonical(y):
                yield key, x, y

    def add(
        self,
        severity: Severity,
        category: Category,
        path: JsonPath,
        summary: str,
        before: Any,
        after: Any,
        *,
        cosmetic: bool = False,
    ) -> None:
        subject = ".".join(map(str, path[1:] if path[0] == "settings" else path))
        self.record(
            severity,
            category,
            f"setting {subject}" if path[0] == "settings" else subject,
            summary,
            before,
            after,
            (path, path),
            cosmetic=cosmetic,
        )


def compare_settings(old: Document, new: Document) -> list[Change]:
    """Every setting whose resolved value differs, judged by ``SETTING_IMPACT``."""
    c = _Collector(old, new)
    meta = ("metadata", "description")
    a_model, b_model = _model(old), _model(new)
    a_desc = ABSENT if a_model.description is None else a_model.description
    b_desc = ABSENT if b_model.description is None else b_model.description
    if a_desc != b_desc:
        c.add(
            Severity.INFO,
            Category.DESCRIPTION,
            meta,
            "description changed",
            a_desc,
            b_desc,
            cosmetic=True,
        )
    defaults = _defaults("settings")
    a = {**defaults, **thaw(a_model.values)}
    b = {**defaults, **thaw(b_model.values)}
    for key, x, y in c.leaves(a, b):
        severity, why = SETTING_IMPACT.get(key[0], (BREAKING, "an unjudged setting"))
        c.add(severity, Category.SETTING, ("settings", *key), f"setting changed: {why}", x, y)
    # the safety net (as ``residual`` for mappings): top-level keys outside the model
    rest = [{k: v for k, v in d.data.items() if k not in SETTINGS_KEYS} for d in (old, new)]
    for key, x, y in c.leaves(*rest):
        c.add(
            RISKY,
            Category.UNRECOGNISED,
            key,
            "changed; this version of ferry diff has no rule for this key: read it",
            x,
            y,
        )
    for key, x, y in c.leaves(_numbering(old), _numbering(new)):
        c.add(
            RISKY,
            Category.NUMBERING,
            ("destination_numbering", *key),
            "declared auto-numbering changed: preflight judges the mappings against it",
            x,
            y,
        )
    return c.changes


def compare_generic(old: Document, new: Document) -> list[Change]:
    """Kinds without rules of their own (Connections): every changed value, as risky."""
    c = _Collector(old, new)
    a = {k: v for k, v in old.data.items() if k not in ("apiVersion", "kind")}
    b = {k: v for k, v in new.data.items() if k not in ("apiVersion", "kind")}
    for key, x, y in c.leaves(a, b):
        cosmetic = key[-1] == "description"
        c.add(
            Severity.INFO if cosmetic else RISKY,
            Category.DESCRIPTION if cosmetic else Category.CONNECTIONS,
            key,
            "value changed",
            x,
            y,
            cosmetic=cosmetic,
        )
    return c.changes
