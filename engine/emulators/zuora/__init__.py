"""An emulated Zuora tenant (REST v1, CRUD and Object Query) served over real HTTP.

Drivers and the demo run against it on loopback; ``docs/emulators.md`` (section "Zuora") lists
the endpoints, the seed data format, the error codes and where it differs from the real service.

Usage::

    from engine.emulators import server
    from engine.emulators.zuora import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app

    app = create_app(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
                     data_dir=Path("seed/zuora"))
    running = server.start_in_thread(app)        # running.base_url
    app.state.store                              # the tenant's data, for assertions
    app.state.faults.add({"kind": "429", "path": "/v1/accounts", "retry_after": 1})
"""

from __future__ import annotations

from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ZuoraEmulator, create_app
from .codes import Category, Resource, code
from .store import ZuoraStore

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Category",
    "Resource",
    "ZuoraEmulator",
    "ZuoraStore",
    "code",
    "create_app",
]
