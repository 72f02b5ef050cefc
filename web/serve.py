"""Running the application with uvicorn (``capactif serve``, ``capactif demo --serve``).

The store and the rules are checked before the server starts, so a wrong ``--db`` or a broken
rules directory is one clear line and exit 2, not a traceback in every worker.  The settings reach
the workers through ``$CAPACTIF_DB``, ``$CAPACTIF_RULES`` and ``$CAPACTIF_WEB_THREADS`` (uvicorn
starts each worker from the import string :func:`web.app.app_from_environment`).

uvicorn's access log is off: it would write the one-time links' tokens (in their paths) to the
terminal.  ``--proxy-headers`` trusts ``X-Forwarded-Proto``/``X-Forwarded-For`` from the proxies in
``forwarded_allow_ips`` (the local one by default), so that a TLS-terminating reverse proxy makes
the cookies Secure; without it those headers are ignored.
"""

from __future__ import annotations

import os
from pathlib import Path


def check(db: str | None, rules: str | Path | None) -> str:
    """Open the store (creating a new SQLite file's schema) and load the rules; the store shown to users."""
    from engine.app.workspace import Workspace
    from engine.store.db import display

    with Workspace.open(db=db, rules=rules) as ws:
        ws.network  # noqa: B018 - raises RulesError with every problem
        return display(ws.store.url)


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str | None = None,
    rules: str | Path | None = None,
    workers: int = 1,
    threads: int | None = None,
    proxy_headers: bool = False,
    forwarded_allow_ips: str = "127.0.0.1",
) -> None:
    """Serve until interrupted (Ctrl+C)."""
    import uvicorn

    if db:
        os.environ["CAPACTIF_DB"] = db
    if rules:
        os.environ["CAPACTIF_RULES"] = str(Path(rules).absolute())
    if threads:
        os.environ["CAPACTIF_WEB_THREADS"] = str(threads)
    uvicorn.run(
        "web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips if proxy_headers else None,
        server_header=False,
        access_log=False,
        log_level="info",
    )
