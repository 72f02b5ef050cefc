"""How a page is declared: one decorator that gives every handler the signed-in identity.

Every route of the application is declared with :func:`route` in a module of :mod:`web.views`
(modules there are found by the application factory, nothing else to register)::

    from web.pages import Page, route, nav_item
    from engine.i18n import N_

    nav_item(N_("To do"), "desk.todo", kinds=("structure",), order=10)

    @route("/a-traiter", name="desk.todo", kinds=("structure",))
    def todo(page: Page):
        result = desk.todo(page.ws, page.who, ...)     # ONE use case, with the signed-in identity
        return page.render("desk/todo.html", result=result)

What the decorator guarantees, so that no page can forget it:

* ``page.who`` is the :class:`~engine.identity.Identity` of the signed-in account, resolved from
  the server-side session of the cookie; anonymous visitors are :data:`~engine.identity.ANONYMOUS`.
  The web never takes an identity from a URL, a form field or a header.
* ``kinds`` says who may open the page (``structure``, ``coordinator``, ``committee``), or
  ``PUBLIC`` for everyone: an anonymous visitor is sent to the sign-in page, a signed-in person of
  another kind gets a 403 page.
* every state-changing request (POST…) carries the CSRF token of the session (form field
  ``csrf_token``, or header ``X-CSRF-Token``); without it, or with a wrong one, the request is
  refused (403) before the handler runs.
* the handler runs in a worker thread (the store is synchronous), with the form already read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import re
import secrets
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound, Route

from engine import i18n
from engine.app import accounts
from engine.app.accounts import Session
from engine.app.workspace import Workspace
from engine.identity import ANONYMOUS, Identity

R = TypeVar("R", bound=Response)

PUBLIC = ("public",)
SIGNED_IN = ("structure", "coordinator", "committee")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SESSION_COOKIE = "capactif_session"
LANGUAGE_COOKIE = "capactif_lang"
CSRF_COOKIE = "capactif_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class RouteSpec:
    """A declared page: where, for whom, and its handler."""

    path: str
    name: str
    methods: tuple[str, ...]
    kinds: tuple[str, ...]
    handler: Callable[[Page], Response]

    @property
    def public(self) -> bool:
        return self.kinds == PUBLIC


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation bar, shown to the kinds of identity it is for."""

    label: str  # an English msgid (marked with N_), translated when shown
    route: str
    kinds: tuple[str, ...]
    order: int = 50


ROUTES: list[RouteSpec] = []
NAV: list[NavItem] = []


def route(
    path: str, *, name: str, kinds: Sequence[str] = SIGNED_IN, methods: Sequence[str] = ("GET",)
) -> Callable[[Callable[[Page], Response]], Callable[[Page], Response]]:
    """Declare a page (see the module docstring)."""
    kinds = tuple(kinds)
    assert kinds == PUBLIC or (kinds and set(kinds) <= set(SIGNED_IN)), kinds

    def register(handler: Callable[[Page], Response]) -> Callable[[Page], Response]:
        if any(r.name == name for r in ROUTES):
            raise ValueError(f"two pages are named {name!r}")
        ROUTES.append(RouteSpec(path, name, tuple(m.upper() for m in methods), kinds, handler))
        return handler

    return register


def nav_item(label: str, route_name: str, *, kinds: Sequence[str], order: int = 50) -> None:
    """Add an entry to the navigation bar (label: an English msgid marked with ``N_``)."""
    if not any(n.route == route_name for n in NAV):
        NAV.append(NavItem(label, route_name, tuple(kinds), order))
        NAV.sort(key=lambda n: (n.order, n.route))


@dataclass
class Page:
    """What a handler gets: the request, the signed-in identity, the workspace, the form, the time."""

    request: Request
    who: Identity
    ws: Workspace
    csrf_token: str
    now: dt.datetime
    form: FormData | None = None
    session: Session | None = None
    cookies_to_set: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    _csrf_input: tuple[str, Markup] | None = field(default=None, repr=False)

    @property
    def secure(self) -> bool:
        """Whether the request came over https (directly, or through a proxy with --proxy-headers)."""
        return self.request.url.scheme == "https"

    def role_label(self) -> str:
        """What the signed-in person acts as, in words: their structure's name, or their role."""
        from engine.i18n import _

        if self.who.is_coordinator:
            return _("coordinator of the network")
        if self.who.is_committee:
            return _("member of the committee")
        structure = self.who.structure
        if structure is None:
            return _("visitor")
        spec = self.ws.network.rules.structures.get(structure)
        return spec.name if spec is not None else structure

    def field(self, name: str, default: str = "") -> str:
        """A text field of the submitted form (stripped of nothing: passwords keep their spaces)."""
        if self.form is None:
            return default
        value = self.form.get(name, default)
        return value if isinstance(value, str) else default

    def url_for(self, name: str, query: Mapping[str, str] | None = None, **params: Any) -> str:
        """The path of a named page, with an optional query string (the route found by its name in the
        application's table, not by trying every route, and its path made by :func:`path_maker`: a list
        page asks for it a few times per row)."""
        app = self.request.app
        make = getattr(app.state, "paths_by_name", {}).get(name)
        url = make(params) if make is not None else str(app.url_path_for(name, **params))
        return url + ("?" + urlencode(query) if query else "")

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A template rendered with the page's context (identity, CSRF field, navigation)."""
        templates = self.request.app.state.templates
        html = templates.render(template, page=self, **context)
        return self.finish(HTMLResponse(html, status_code=status))

    def json(self, data: Any, status: int = 200) -> JSONResponse:
        """A JSON answer, for a static script's requests (e.g. the live suggestion while a form is filled)."""
        return self.finish(JSONResponse(data, status_code=status))

    def redirect(self, url: str) -> RedirectResponse:
        """See other (303): after a form, the browser GETs the next page."""
        return self.finish(RedirectResponse(url, status_code=303))

    def csrf_input(self) -> Markup:
        """The hidden field every form of a page carries (made once per page: a list has two forms a row)."""
        made = self._csrf_input
        if made is None or made[0] != self.csrf_token:
            field = Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(self.csrf_token))
            made = self._csrf_input = (self.csrf_token, field)
        return made[1]

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        """Set a cookie on the response (HttpOnly, SameSite=Lax, Secure under https, path /)."""
        self.cookies_to_set.append((name, value, options))

    def finish(self, response: R) -> R:
        for name, value, options in self.cookies_to_set:
            settings = {"httponly": True, "samesite": "lax", "secure": self.secure, "path": "/", **options}
            if value == "":
                response.delete_cookie(name, path="/", secure=settings["secure"], httponly=True, samesite="lax")
            else:
                response.set_cookie(name, value, **settings)
        return response


_PARAM = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)}")  # a parameter in a route's path format (Starlette's)


def path_maker(route: Route) -> Callable[[Mapping[str, Any]], str]:
    """What Starlette's ``route.url_path_for(name, **params)`` gives as a string, made from the route's
    path split once: the same parameters required (else ``NoMatchFound``), each value through the
    route's own convertor (which refuses what it would refuse), without building a ``URLPath`` and
    re-splitting the path at each call."""
    parts = _PARAM.split(route.path_format)
    convertors = route.param_convertors
    names = set(convertors)
    if not names:
        path = route.path_format

        def constant(params: Mapping[str, Any]) -> str:
            if params:
                raise NoMatchFound(route.name, dict(params))
            return path

        return constant

    def make(params: Mapping[str, Any]) -> str:
        if params.keys() != names:
            raise NoMatchFound(route.name, dict(params))
        out = list(parts)
        for i in range(1, len(parts), 2):
            out[i] = convertors[parts[i]].to_string(params[parts[i]])
        return "".join(out)

    return make


def endpoint(spec: RouteSpec) -> Callable[[Request], Any]:
    """The Starlette endpoint of a declared page: identity, access, CSRF, then the handler."""

    async def handle(request: Request) -> Response:
        # The body is read here (it is asynchronous); all the rest — the session, the access check, the
        # CSRF check, the rules in force and the handler — runs in ONE worker thread: a second hop to
        # the thread pool per request cost a thread switch under load (the desk's tail latency).
        form = await request.form() if request.method not in SAFE_METHODS else None
        return await anyio.to_thread.run_sync(functools.partial(serve, spec, request, form), limiter=_limiter(request))

    handle.__name__ = spec.handler.__name__
    handle.__qualname__ = spec.handler.__qualname__
    return handle


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """At most ``app.state.page_threads`` pages of this process run at once; the others wait their turn.

    Why: a page is mostly Python (templates, the use case), so threads beyond a few only share the GIL.
    With anyio's default of 40, a worker serving ten clients ran ten pages at once in 5 ms slices: each
    page took about ten times its own CPU, and the longest pages (lists, the fiche page) the longest
    (issue 12: their p95 was twice the home page's).  Waiting in turn, every page waits about the same
    time and then takes its own.  Not too few: a page waiting for the database (SQLite's write lock held
    by the other worker) or an e-mail server keeps its place; with 4, a two-worker server on the 100,000-
    fiche store answered 40 % fewer pages than with 8 (docs/performance.md, Desk).  One limiter per
    event loop (a test client runs its own).
    """
    loop = asyncio.get_running_loop()
    limiters: MutableMapping[Any, anyio.CapacityLimiter] = request.app.state.page_limiters
    limiter = limiters.get(loop)
    if limiter is None:
        limiter = limiters[loop] = anyio.CapacityLimiter(request.app.state.page_threads)
    return limiter


def serve(spec: RouteSpec, request: Request, form: Any) -> Response:
    """A declared page for one request, in a worker thread: identity, access, CSRF, then the handler.

    The request's transactions (session, rules in force, use case, access log) stay separate but share
    one pooled connection (:meth:`engine.store.db.Store.one_connection`): one check-out, and on
    PostgreSQL one pre-ping, per request instead of one per transaction."""
    ws: Workspace = request.app.state.ws
    with ws.store.one_connection():
        return _serve(spec, request, form)


def _serve(spec: RouteSpec, request: Request, form: Any) -> Response:
    state = request.app.state
    now = state.clock()
    ws: Workspace = state.ws
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session = accounts.resume(ws, token, now=now)  # follows the rules in force, in the same statement
    else:
        session = None
        ws.refresh_rules()  # the next suggestion after a publication uses the new rules, in every process
    who = session.account.identity() if session else ANONYMOUS
    page = Page(request, who, ws, csrf_token="", now=now, session=session)
    request.state.page = page  # the error pages show the same header (who is signed in, the menu)
    if session is not None:
        page.csrf_token = session.csrf_token
    else:
        if token:  # a cookie whose session is over: forget it
            page.set_cookie(SESSION_COOKIE, "")
        page.csrf_token = request.cookies.get(CSRF_COOKIE) or ""
        if not page.csrf_token:
            page.csrf_token = secrets.token_urlsafe(32)
            page.set_cookie(CSRF_COOKIE, page.csrf_token, samesite="strict")
    language = i18n.normalize_language(request.cookies.get(LANGUAGE_COOKIE))
    if not spec.public and who.kind not in spec.kinds:
        if who.is_anonymous:
            target = request.url.path + ("?" + request.url.query if request.url.query else "")
            return page.redirect(str(request.app.url_path_for("sign_in")) + "?" + urlencode({"suite": target}))
        return in_language(language, forbidden, page)
    if form is not None:
        page.form = form
        given = request.headers.get(CSRF_HEADER) or page.field(CSRF_FIELD)
        if not given or not page.csrf_token or not hmac.compare_digest(given, page.csrf_token):
            return in_language(language, csrf_refused, page)
    return in_language(language, spec.handler, page)


def in_language(language: str | None, handler: Callable[[Page], Response], page: Page) -> Response:
    """Run a handler with the visitor's language (their ``capactif_lang`` cookie, else the default: French),
    set in the context once (every message of the page then skips reading the environment)."""
    with i18n.using(language or i18n.get_language()):
        return handler(page)


def forbidden(page: Page) -> Response:
    """403: signed in, but this page is for others."""
    from engine.i18n import _

    return page.render(
        "error.html",
        status=403,
        title=_("Access refused"),
        message=_("This page is not for your account. Use the menu to reach your own pages."),
    )


def csrf_refused(page: Page) -> Response:
    """403: a form sent without the page's token (expired page, or sent from another site)."""
    from engine.i18n import _

    return page.render(
        "error.html",
        status=403,
        title=_("Form expired"),
        message=_(
            "This form could not be accepted (it is too old, or was not sent from capactif): nothing was "
            "changed. Go back, reload the page and send it again."
        ),
    )
