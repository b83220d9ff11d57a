"""The spec's expression languages, shared by the check and compile stages.

JMESPath paths and Jinja templates are compiled once, in a sandbox, under per-field budgets, so
the checks that refuse a bad expression and the compiler that runs a good one use the same code.
"""
