"""The application factory: one Starlette application over one store and one rules directory.

Starlette (not FastAPI): the pages are server-rendered forms, so FastAPI's OpenAPI machinery, its
documentation pages (which load their scripts from a CDN) and its extra dependencies would bring
nothing; the one thing taken from a dependency-injection framework — every handler gets the
signed-in identity — is :func:`web.pages.route`, a few lines we can read.

Composition happens once, here: :class:`engine.app.Workspace` resolves the store and the rules
(``--db``/``$CAPACTIF_DB``, ``--rules``/``$CAPACTIF_RULES``, as for every command), loads the rules
at start-up, and every page calls the application layer with it and the signed-in identity.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import i18n
from engine.app.workspace import Workspace
from engine.errors import AccessDenied, ConflictError, EngineError, InputError, NotFound
from engine.i18n import _
from web import views
from web.pages import LANGUAGE_COOKIE, ROUTES, endpoint, path_maker
from web.templating import STATIC, Templates

#: Pages a worker process handles at once (``capactif serve --threads``); see web.pages._limiter.
PAGE_THREADS = 8
MAX_BODY = 1024 * 1024  # a form is a few kB; a larger body is refused before it is read

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SecurityHeaders:
    """Adds the security headers to every response; pages (not static files) are never cached.

    Under https (directly or through the proxy) it adds Strict-Transport-Security too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"]
                headers.extend(SECURITY_HEADERS)
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    templates: Templates = request.app.state.templates
    page = getattr(request.state, "page", None)
    try:
        html = templates.render("error.html", page=page, title=title, message=message)
    except Exception:  # the error page itself failed: plain text, still French, still no traceback
        return PlainTextResponse(f"{title}\n\n{message}", status_code=status)
    response = HTMLResponse(html, status_code=status)
    return page.finish(response) if page is not None else response


async def _http_error(request: Request, exc: Exception) -> Response:
    with i18n.using(i18n.normalize_language(request.cookies.get(LANGUAGE_COOKIE))):
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            return _error_page(request, 404, _("Page not found"), _("This address leads to no page of capactif."))
        if status == 405:
            return _error_page(request, 405, _("Not allowed"), _("This page cannot be used this way."))
        if status == 413:
            return _error_page(request, 413, _("Too large"), _("What was sent is too large: nothing was changed."))
        return _error_page(request, status, _("Error"), _("The request could not be handled."))


async def _engine_error(request: Request, exc: Exception) -> Response:
    with i18n.using(i18n.normalize_language(request.cookies.get(LANGUAGE_COOKIE))):
        assert isinstance(exc, EngineError)
        message = "\n".join(exc.lines())
        if isinstance(exc, NotFound):
            return _error_page(request, 404, _("Not found"), message)
        if isinstance(exc, AccessDenied):
            return _error_page(request, 403, _("Access refused"), message)
        if isinstance(exc, ConflictError):
            return _error_page(request, 409, _("Changed in the meantime"), message)
        if isinstance(exc, InputError):
            return _error_page(request, 400, _("Cannot be accepted"), message)
        return _error_page(request, 400, _("Error"), message)


async def _bug(request: Request, exc: Exception) -> Response:
    with i18n.using(i18n.normalize_language(request.cookies.get(LANGUAGE_COOKIE))):
        return _error_page(
            request,
            500,
            _("Unexpected error"),
            _(
                "capactif met an unexpected error (a bug): nothing was changed. "
                "Tell the coordinator what you were doing."
            ),
        )


def load_views() -> None:
    """Import every module of :mod:`web.views` (each declares its pages with :func:`web.pages.route`)."""
    for module in sorted(m.name for m in pkgutil.iter_modules(views.__path__)):
        importlib.import_module(f"{views.__name__}.{module}")


def create_app(
    db: str | None = None,
    rules: str | Path | None = None,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    workspace: Workspace | None = None,
    threads: int = PAGE_THREADS,
) -> Starlette:
    """The web application over the store ``db`` and the rules ``rules`` (resolved as for every command).

    ``clock`` gives the current time (tests move it forward to expire sessions and locks).  ``threads``:
    pages handled at once (the others wait their turn, see :func:`web.pages._limiter`).
    """
    # the pool keeps a connection for each page thread, and two for the rest (e-mail, nested reads)
    ws = workspace or Workspace.open(db=db, rules=rules, connections=threads + 2)
    load_views()
    routes: list[Any] = [Route(r.path, endpoint(r), methods=list(r.methods), name=r.name) for r in ROUTES]
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ws.network  # noqa: B018 - load and check the rules once, before the first request
        ws.store  # noqa: B018 - open the store (a new SQLite file gets its schema)
        yield
        ws.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, EngineError: _engine_error, Exception: _bug},
        max_body_size=MAX_BODY,
    )
    app.state.ws = ws
    app.state.routes_by_name = {r.name: r for r in routes if isinstance(r, Route) and r.name}
    app.state.paths_by_name = {name: path_maker(r) for name, r in app.state.routes_by_name.items()}
    app.state.clock = clock
    app.state.page_threads = threads
    app.state.page_limiters = weakref.WeakKeyDictionary()
    app.state.templates = Templates()
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> Starlette:
    """The application ``capactif serve`` runs in each uvicorn worker (settings from the environment)."""
    threads = int(os.environ.get("CAPACTIF_WEB_THREADS") or PAGE_THREADS)
    return create_app(os.environ.get("CAPACTIF_DB") or None, os.environ.get("CAPACTIF_RULES") or None, threads=threads)
