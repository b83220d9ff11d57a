"""An example Ferry transform plugin: ``slugify`` turns a name into a lower-case, dashed slug.

It shows the whole contract a third-party transform follows: a factory decorated with
``@transform`` (closed parameter schema with descriptions and examples, docstring as docs),
published under the ``ferry.transforms`` entry point group in ``pyproject.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import TransformError
from engine.transforms import TransformContext, param_schema, prop, transform

_NON_WORD = re.compile(r"[^a-z0-9]+")


@transform(
    "slugify",
    params=param_schema(
        separator=prop("Text put between words.", ["-", "_"], type="string", default="-"),
    ),
    examples=[
        {"params": {}, "input": "Acme Corp, Inc.", "output": "acme-corp-inc"},
        {"params": {"separator": "_"}, "input": "Net 30", "output": "net_30"},
    ],
)
def slugify(params: Mapping[str, Any], ctx: TransformContext) -> Callable[[Any], str]:
    """Lower-case the text and join its words with a separator.

    For destination keys that allow only letters, digits and a separator.
    """
    separator: str = params["separator"]

    def run(value: Any) -> str:
        if not isinstance(value, str):
            raise TransformError(f"expected text, got {value!r}")
        slug = _NON_WORD.sub(separator, value.lower()).strip(separator)
        if not slug:
            raise TransformError(f"nothing to slugify in {value!r}")
        return slug

    return run
