"""Stage 5, run: the sync runtime (``sync``), its SQLite state (``state``) and the endpoints
(``drivers``).

Everything that talks to another system or writes to disk during a sync lives here.
"""
