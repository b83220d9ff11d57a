"""Connector settings: a ``kind: Settings`` file resolved against the schema's defaults.

Why a module: mappings are compiled *for* a set of settings (``by:``/``cases`` and ``settings.X``
in guards are decided at compile time), so every caller must see the same resolved values —
every setting present, defaults filled in from the schema, the file's own location kept for
error messages.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgspec

from engine.check.specfile import Document, load_document
from engine.errors import Location, Problem, SpecError
from engine.load.schema import schema_for, validator_for
from engine.model.frozen import thaw
from engine.model.nodes import SettingsModel, Switch
from engine.suggest import did_you_mean


def _defaults() -> dict[str, Any]:
    props = schema_for("ferry/v1", "Settings")["$defs"]["settings"]["properties"]
    return {name: prop.get("default") for name, prop in props.items()}


class Settings(msgspec.Struct, frozen=True):
    """Resolved settings: every key present; ``numbering`` is the destination's auto-numbering."""

    values: MappingProxyType[str, Any]
    numbering: MappingProxyType[str, Any] = msgspec.field(
        default_factory=lambda: MappingProxyType({})
    )
    document: Document | None = None
    name: str = "defaults"
    version: int = 0

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def choose(self, value: Any) -> Any:
        """Resolve a value a setting chooses (a model ``Switch``) or pass a literal through."""
        if not isinstance(value, Switch):
            return value
        chosen = self.get(value.setting)
        return chosen if value.cases is None else thaw(value.cases[chosen])

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, checked against the Settings schema (an unknown
        key or option is a ``SpecError``, never a silent no-op)."""
        check_values(changes)
        return Settings(
            MappingProxyType({**self.values, **changes}),
            self.numbering,
            self.document,
            self.name,
            self.version,
        )


def check_values(values: dict[str, Any]) -> None:
    """Raise ``SpecError`` unless every key is a setting and every value one of its options."""
    props = schema_for("ferry/v1", "Settings")["$defs"]["settings"]["properties"]
    problems = []
    for key, value in values.items():
        if key not in props:
            problems.append(f"unknown setting '{key}'{did_you_mean(key, props)}")
            continue
        validator = validator_for("ferry/v1", "Settings")
        document = {
            "apiVersion": "ferry/v1",
            "kind": "Settings",
            "metadata": {"name": "check", "version": 1},
            "settings": {key: value},
        }
        for error in validator.iter_errors(document):
            problems.append(f"setting '{key}': {error.message}")
    if problems:
        where = Location("<settings override>")
        raise SpecError(
            [Problem(where, text, "$.settings", code="settings.value") for text in problems]
        )


def default_settings() -> Settings:
    """Every setting at its schema default."""
    return Settings(MappingProxyType(_defaults()))


def from_document(doc: Document) -> Settings:
    """Resolve a validated Settings document."""
    model = doc.model
    if not isinstance(model, SettingsModel):
        raise TypeError(f"{doc.path}: expected a built Settings, got {doc.kind}")
    return Settings(
        MappingProxyType({**_defaults(), **thaw(model.values)}),
        MappingProxyType(thaw(model.numbering)),
        doc,
        model.name,
        model.version,
    )


def load_settings(path: str | Path) -> Settings:
    """Load, validate and resolve a Settings file (``SpecError`` when invalid)."""
    return from_document(load_document(Path(path), kind="Settings"))


def settings_for(doc: Document, settings: Settings | str | Path | None) -> Settings:
    """The settings a mapping compiles with: given, else its ``settings:`` file, else defaults.

    Here, not in the public facade, so the run and diff stages resolve settings the way
    ``engine.load_mapping`` does without importing ``engine.api`` (which sits above them)."""
    if isinstance(settings, Settings):
        return settings
    if settings is not None:
        return load_settings(Path(settings))
    ref = doc.mapping.settings_file
    if ref is not None:
        return load_settings(doc.path.parent / ref)
    return default_settings()
