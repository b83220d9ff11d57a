"""Transforms: named, parameterised value edits that specs list per field.

The compiler's entry points are ``default_registry()``, ``TransformRegistry.schema()`` (the JSON
Schema of one list item), ``TransformRegistry.pipeline(items, ctx)`` (a field's fused callable)
and, item by item, ``parse`` / ``build``; ``compose`` fuses already-bound steps. Plugins publish
``Transform`` objects made with ``@transform`` under the ``ferry.transforms`` entry point group.
"""

from __future__ import annotations

from engine.transforms.core import (
    MISSING,
    OMIT,
    Example,
    Factory,
    Fn,
    InMemorySequenceStore,
    MissingType,
    OmitType,
    ParamProblem,
    SequenceStore,
    Transform,
    TransformContext,
    TransformParamsError,
    UnknownTransformError,
    param_schema,
    prop,
    transform,
)
from engine.transforms.pipeline import Step, compose
from engine.transforms.registry import (
    ENTRY_POINT_GROUP,
    Pipeline,
    TransformCall,
    TransformRegistry,
    default_registry,
    installed_registry,
    installed_stamp,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "MISSING",
    "OMIT",
    "Example",
    "Factory",
    "Fn",
    "InMemorySequenceStore",
    "MissingType",
    "OmitType",
    "ParamProblem",
    "Pipeline",
    "SequenceStore",
    "Step",
    "Transform",
    "TransformCall",
    "TransformContext",
    "TransformParamsError",
    "TransformRegistry",
    "UnknownTransformError",
    "compose",
    "default_registry",
    "installed_registry",
    "installed_stamp",
    "param_schema",
    "prop",
    "transform",
]
