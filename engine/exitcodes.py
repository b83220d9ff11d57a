"""Ferry's one table of exit codes: every command, the sync report and the docs read it here.

Why one table: a scheduler or a CI job branches on these numbers, so a number must mean the
same thing whichever command returned it. ``ferry`` never invents a code outside ``TABLE``.
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_FAILED: Final = 3
EXIT_INTERRUPTED: Final = 130  # what a shell shows for a process ended by SIGINT (128 + 2)
EXIT_BROKEN_PIPE: Final = 141  # what a shell shows for a process ended by SIGPIPE (128 + 13)

TABLE: Final[dict[int, tuple[str, str]]] = {
    EXIT_OK: ("ok", "done: every spec valid, every record settled, nothing failed"),
    EXIT_INVALID: (
        "invalid",
        "problems in the input: a spec is invalid, a record was invalid, rejected or failed "
        "(the run finished and saved its state), or `diff --fail-on`/`--check-version` tripped",
    ),
    EXIT_USAGE: ("usage", "bad command-line arguments, an unreadable file, a missing extra"),
    EXIT_FAILED: (
        "failed",
        "the command could not do its job: configuration, credentials, preflight, an endpoint "
        "that stopped the run, a bug in Ferry",
    ),
    EXIT_INTERRUPTED: ("interrupted", "stopped by Ctrl-C (SIGINT)"),
    EXIT_BROKEN_PIPE: ("broken-pipe", "the reader of the output went away (SIGPIPE)"),
}


def markdown_table() -> str:
    """The table as Markdown, for the docs (a test keeps the README's copy equal to it)."""
    rows = ["| Code | Name | Meaning |", "|---|---|---|"]
    rows += [f"| `{code}` | {name} | {meaning} |" for code, (name, meaning) in TABLE.items()]
    return "\n".join(rows) + "\n"
