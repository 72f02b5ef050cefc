"""Signing in and out, and setting a password through a one-time link."""

from __future__ import annotations

from starlette.responses import Response

from engine.app import accounts
from engine.errors import InputError
from engine.i18n import _
from web.pages import PUBLIC, SESSION_COOKIE, SIGNED_IN, Page, route


def local_target(value: str) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@route("/connexion", name="sign_in", kinds=PUBLIC, methods=("GET", "POST"))
def sign_in(page: Page) -> Response:
    """The sign-in form; on success a new server-side session and its cookie."""
    target = local_target(page.field("suite") or page.request.query_params.get("suite", "/"))
    if page.request.method == "GET":
        if not page.who.is_anonymous:
            return page.redirect(target)
        signed_out = page.request.query_params.get("sortie") == "1"
        return page.render("sign_in.html", email="", error=None, target=target, signed_out=signed_out)
    email = page.field("email").strip()
    try:
        client = page.request.client.host if page.request.client else None  # the proxy's X-Forwarded-For if trusted
        signed = accounts.sign_in(page.ws, email, page.field("password"), now=page.now, client=client)
    except accounts.SignInRefused as exc:
        return page.render("sign_in.html", status=401, email=email, error=str(exc), target=target, signed_out=False)
    if page.session is not None:  # signing in over another session: close it
        accounts.sign_out(page.ws, page.request.cookies.get(SESSION_COOKIE))
    page.set_cookie(SESSION_COOKIE, signed.token)
    return page.redirect(target)


@route("/deconnexion", name="sign_out", kinds=SIGNED_IN, methods=("POST",))
def sign_out(page: Page) -> Response:
    """Close the session on the server and forget the cookie."""
    accounts.sign_out(page.ws, page.request.cookies.get(SESSION_COOKIE))
    page.set_cookie(SESSION_COOKIE, "")
    return page.redirect(page.url_for("sign_in", query={"sortie": "1"}))


@route("/mot-de-passe/{token}", name="set_password", kinds=PUBLIC, methods=("GET", "POST"))
def set_password(page: Page) -> Response:
    """The page of a one-time link: choose a password (twice), then sign in with it."""
    token = page.request.path_params["token"]
    try:
        account = accounts.password_link_account(page.ws, token, now=page.now)
    except InputError as exc:
        return page.render("set_password.html", status=410, account=None, error=str(exc), done=False)
    if page.request.method == "GET":
        return page.render("set_password.html", account=account, error=None, done=False)
    password = page.field("password")
    if password != page.field("confirm"):
        error = _("the two passwords differ: type the same password in both fields")
        return page.render("set_password.html", status=400, account=account, error=error, done=False)
    try:
        accounts.set_password(page.ws, token, password, now=page.now)
    except InputError as exc:
        return page.render("set_password.html", status=400, account=account, error=str(exc), done=False)
    return page.render("set_password.html", account=account, error=None, done=True)
