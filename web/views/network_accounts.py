"""The coordinator's accounts page: every account, add one, disable or enable it, give a new link.

The seed's coordinator runs the network; until now accounts were managed from the command line only
(``capactif user …``).  The page calls the same use cases (:mod:`engine.app.accounts`).  A new
one-time link is shown once, on the page answering the form (never put in an address: it would stay
in the browser's history), and e-mailed to the person when an SMTP server is configured, as
``capactif user add`` does (docs/notify.md).
"""

from __future__ import annotations

import os

from starlette.responses import Response

from engine.app import accounts
from engine.errors import InputError
from engine.i18n import N_
from engine.identity import COMMITTEE, COORDINATOR
from web.pages import Page, nav_item, route

COORDINATOR_ONLY = ("coordinator",)
ROLES = (COORDINATOR, COMMITTEE)

nav_item(N_("Accounts"), "accounts", kinds=COORDINATOR_ONLY, order=85)


def _base_url(page: Page) -> str:
    """Where people open the application: ``$CAPACTIF_BASE_URL`` when set (behind a proxy), else this
    request's own address."""
    return os.environ.get("CAPACTIF_BASE_URL") or str(page.request.base_url)


def _mailed(page: Page, link: accounts.NewLink) -> object:
    """E-mail the link when an SMTP server is configured: the outcome (:class:`engine.app.notify.LinkMailed`),
    None without a server, or the configuration's problem as text (the link is shown anyway)."""
    from engine.app import notify
    from engine.notify.mail import SmtpTransport, smtp_settings
    from engine.render.notify import compose_link

    try:
        settings = smtp_settings()
    except InputError as exc:
        return "; ".join(exc.lines())
    if settings is None:
        return None
    return notify.mail_link(page.ws, page.who, link, compose=compose_link, transport=SmtpTransport(settings),
                            sender=settings.sender, now=page.now)  # fmt: skip


def _page(page: Page, status: int = 200, **extra: object) -> Response:
    listed = accounts.list_users(page.ws, page.who)
    structures = sorted(((s, spec.name) for s, spec in page.ws.network.rules.structures.items()),
                        key=lambda item: item[1].lower())  # fmt: skip
    context: dict[str, object] = {"link": None, "mailed": None, "problems": [], "form": {}, "notice": None}
    context.update(extra)
    return page.render("network/accounts.html", status=status, listed=listed.accounts, structures=structures,
                       **context)  # fmt: skip


@route("/coordination/comptes", name="accounts", kinds=COORDINATOR_ONLY)
def accounts_page(page: Page) -> Response:
    """Every account (never a password), and the form to add one; ``?compte=`` names the account just
    disabled or enabled."""
    return _page(page, notice=page.request.query_params.get("compte"))


@route("/coordination/comptes", name="accounts.add", kinds=COORDINATOR_ONLY, methods=("POST",))
def add(page: Page) -> Response:
    """A new account (a structure's technician, the coordinator or a committee member): its link is shown."""
    form = {k: page.field(k).strip() for k in ("email", "name", "acts_as")}
    acts_as = form["acts_as"] or None
    role = acts_as if acts_as in ROLES else None
    structure = acts_as if acts_as not in ROLES else None
    try:
        link = accounts.add_user(page.ws, page.who, email=form["email"], display_name=form["name"],
                                 structure=structure, role=role, base_url=_base_url(page), now=page.now)  # fmt: skip
    except InputError as exc:
        return _page(page, status=400, problems=exc.lines(), form=form)
    return _page(page, link=link, mailed=_mailed(page, link))


@route("/coordination/comptes/etat", name="accounts.switch", kinds=COORDINATOR_ONLY, methods=("POST",))
def switch(page: Page) -> Response:
    """Disable an account (``disabled=oui``: its sessions end at once) or enable it again."""
    disabled = page.field("disabled") == "oui"
    switched = accounts.disable_user(page.ws, page.who, page.field("email"), disabled=disabled, now=page.now)
    return page.redirect(page.url_for("accounts", query={"compte": switched.account.email}))


@route("/coordination/comptes/lien", name="accounts.reset", kinds=COORDINATOR_ONLY, methods=("POST",))
def reset(page: Page) -> Response:
    """A new one-time link for a forgotten password (the account's sessions end)."""
    try:
        link = accounts.reset_user(page.ws, page.who, page.field("email"), base_url=_base_url(page), now=page.now)
    except InputError as exc:
        return _page(page, status=400, problems=exc.lines())
    return _page(page, link=link, mailed=_mailed(page, link))
