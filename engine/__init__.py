"""Ferry: a declarative sync engine. The public Python API.

    plan = load_mapping("mappings/zuora-netsuite/customer.yaml")
    payload = plan.render(record)            # None when a guard skips the record
    for payload in plan.render_many(records): ...

``validate`` checks files and folders and returns every problem, best first.

Names are imported on first use (PEP 562), so ``import engine`` — which pytest does for the
plugin in every test run — costs almost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import compile_mapping, load_mapping, settings_for, validate
    from engine.check.settings import Settings, load_settings
    from engine.check.specfile import Document
    from engine.compile.explaining import Explanation, explain
    from engine.compile.plan import Context, Outcome, Plan
    from engine.errors import FerryError, Location, Problem, RenderError, SpecError
    from engine.transforms import default_registry

_EXPORTS = {
    "compile_mapping": "engine.api",
    "load_mapping": "engine.api",
    "settings_for": "engine.api",
    "validate": "engine.api",
    "FerryError": "engine.errors",
    "Location": "engine.errors",
    "Problem": "engine.errors",
    "RenderError": "engine.errors",
    "SpecError": "engine.errors",
    "Explanation": "engine.compile.explaining",
    "explain": "engine.compile.explaining",
    "Context": "engine.compile.plan",
    "Outcome": "engine.compile.plan",
    "Plan": "engine.compile.plan",
    "Settings": "engine.check.settings",
    "load_settings": "engine.check.settings",
    "Document": "engine.check.specfile",
    "default_registry": "engine.transforms",
}

__all__ = [
    "Context",
    "Document",
    "Explanation",
    "FerryError",
    "Location",
    "Outcome",
    "Plan",
    "Problem",
    "RenderError",
    "Settings",
    "SpecError",
    "compile_mapping",
    "default_registry",
    "explain",
    "load_mapping",
    "load_settings",
    "settings_for",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
