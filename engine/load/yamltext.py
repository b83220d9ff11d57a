"""YAML text for people: the one way Ferry writes YAML (loading is ``engine.load.source``).

Why a module: examples in the generated reference and in ``ferry transforms`` are meant to be
pasted into a spec, so they must be YAML exactly as a spec holds it (``truncate: {length: 8}``,
``'NO'`` quoted), never a Python repr; ruamel.yaml writes it, in key order as given.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.representer import SafeRepresenter

from engine.load.scalars import yaml11_reading


def _represent_str(representer: SafeRepresenter, text: str) -> Any:
    """Quote text that YAML 1.1 tools read as something else (``Yes``, ``NO``, ``0123``):
    Ferry's own loader reports such plain scalars, so what Ferry writes must not contain them."""
    if yaml11_reading(text):
        return representer.represent_scalar("tag:yaml.org,2002:str", text, style="'")
    return representer.represent_str(text)


def dump_yaml(value: Any, *, flow: bool = False) -> str:
    """``value`` as YAML without the trailing newline; ``flow=True`` gives one line
    (``{length: 8}``, ``[trim, lower]``), the block style otherwise."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.representer.add_representer(str, _represent_str)
    yaml.width = 4096  # one line per example, however long: a wrapped value would not paste
    buffer = io.StringIO()
    yaml.dump(value, buffer)
    return buffer.getvalue().rstrip("\n").removesuffix("\n...")
