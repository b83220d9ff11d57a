"""The model stage: typed, frozen nodes built once from a validated document.

``build_model`` (``engine.model.build``) runs after the JSON Schema and meaning checks and is
attached to the document (``Document.model``); the compiler, the diff, the later checks and the
sync read it, never the YAML. ``engine.model.variants`` is the one walk of a field's
``by:``/``cases:`` tree, shared with the meaning checks that run before the model exists.
"""
