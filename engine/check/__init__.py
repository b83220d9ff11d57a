"""Stage 2, check: a loaded spec's meaning checked (expressions, transforms, references, catalogs).

A spec that passes here is one the later stages can trust; every problem is located in the file.
"""
