"""Stage 1, load: a spec file read safely into data with positions, and the JSON Schemas it is
held to.

Nothing here knows what a spec means; it knows where every value came from.
"""
