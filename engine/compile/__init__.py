"""Stage 4, compile and render: a checked spec turned into a frozen Plan, and the Plan run on
records.

The compiler does no I/O; rendering a record needs nothing but the Plan.
"""
