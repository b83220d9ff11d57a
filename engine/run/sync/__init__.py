"""The run stage: select source records, decide per record, write, and write back (``ferry sync``).

A regular package (not a namespace one) so tools that read the import graph, such as
import-linter, see it.
"""
