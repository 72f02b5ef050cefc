"""The public offers exchange (no sign-in): open offers with filters, each offer's page, a contact
form, and a JSON Feed of the open offers; for the offer's structure and the coordinator, "Mes
offres": put an offer online or withdraw it, read the messages received, turn one into a fiche.

The public pages show only what an offer states; the messages (a visitor's name, e-mail, phone and
text) are shown to the offer's structure and the coordinator only, always escaped.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from engine import i18n
from engine.app import exchange
from engine.errors import InputError
from engine.i18n import N_, _
from engine.offers.model import OFFER_KINDS
from web.pages import PUBLIC, Page, nav_item, route

MANAGERS = ("structure", "coordinator")

nav_item(N_("My offers"), "offers.mine", kinds=MANAGERS, order=60)


def _search(page: Page) -> exchange.OfferSearch:
    q = page.request.query_params
    return exchange.search_offers(
        page.ws, network=q.get("reseau"), commune=q.get("commune"), activity=q.get("activite"), kind=q.get("type"),
        today=page.now.date(),
    )  # fmt: skip


@route("/offres", name="offers.public", kinds=PUBLIC)
def offers(page: Page) -> Response:
    """The open offers, latest first, with the filters (local network, commune, activity, kind)."""
    return page.render("network/offers.html", s=_search(page), kinds=OFFER_KINDS)


@route("/offres/flux.json", name="offers.feed", kinds=PUBLIC)
def feed(page: Page) -> Response:
    """A JSON Feed (https://jsonfeed.org/version/1.1) of the open offers, for partners' websites."""
    found = _search(page)
    base = str(page.request.base_url).rstrip("/")
    items = []
    for offer in found.offers:
        url = base + page.url_for("offers.offer", offer=offer.id)
        text = offer.description or offer.title
        items.append(
            {
                "id": url,
                "url": url,
                "title": f"{offer.title} — {offer.commune_name}",
                "content_text": f"{offer.kind_label} — {offer.commune_name}. {text}",
                "date_published": f"{offer.published_on.isoformat()}T00:00:00Z",
                "tags": [offer.kind_label, *([offer.local_network_name] if offer.local_network_name else [])],
            }
        )
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Cap Actif — activity offers"),
        "home_page_url": base + page.url_for("offers.public"),
        "feed_url": base + page.url_for("offers.feed"),
        "language": i18n.get_language(),
        "items": items,
    }
    return page.finish(Response(json.dumps(body, ensure_ascii=False, indent=1), media_type="application/feed+json"))


def _offer_page(page: Page, offer_id: str, status: int = 200, **extra: object) -> Response:
    offer = exchange.public_offer(page.ws, offer_id, today=page.now.date())
    context: dict[str, object] = {"form": exchange.ContactForm(), "problems": {}, "sent": False}
    context.update(extra)
    return page.render("network/offer.html", status=status, offer=offer, limits=exchange, **context)


@route("/offres/{offer}", name="offers.offer", kinds=PUBLIC)
def offer(page: Page) -> Response:
    """One open offer: what it states, and the contact form."""
    return _offer_page(page, page.request.path_params["offer"], sent=page.request.query_params.get("envoye") == "1")


@route("/offres/{offer}/contact", name="offers.contact", kinds=PUBLIC, methods=("POST",))
def contact(page: Page) -> Response:
    """A visitor's message about an offer: every problem beside its field (400), too many messages from
    the same address (429), else recorded (a robot filling the hidden field is thanked, not recorded)."""
    offer_id = page.request.path_params["offer"]
    form = exchange.ContactForm(
        name=page.field("name"), email=page.field("email"), phone=page.field("phone"),
        message=page.field("message"), consent=page.field("consent") == "oui", honeypot=page.field("website"),
    )  # fmt: skip
    address = page.request.client.host if page.request.client else "unknown"
    try:
        exchange.send_contact(page.ws, offer_id, form, address=address, now=page.now)
    except exchange.TooManyRequests as exc:
        return _offer_page(page, offer_id, status=429, form=form, problems={"form": str(exc)})
    except InputError as exc:
        problems = {p.source: p.message for p in exc.problems}
        return _offer_page(page, offer_id, status=400, form=form, problems=problems)
    return page.redirect(page.url_for("offers.offer", offer=offer_id, query={"envoye": "1"}))


def _mine_page(page: Page, status: int = 200, **extra: object) -> Response:
    managed = exchange.managed_offers(page.ws, page.who, today=page.now.date())
    structures = (sorted(((s, spec.name) for s, spec in page.ws.network.rules.structures.items()),
                         key=lambda item: item[1].lower()) if page.who.is_coordinator else [])  # fmt: skip
    context: dict[str, object] = {"notice": None, "added": None, "new": exchange.OfferForm(), "problems": {}}
    context.update(extra)
    return page.render("network/my_offers.html", status=status, managed=managed, kinds=OFFER_KINDS,
                       structures=structures, limits=exchange, **context)  # fmt: skip


@route("/mes-offres", name="offers.mine", kinds=MANAGERS)
def mine(page: Page) -> Response:
    """The caller's offers (all of them for the coordinator): online or not, and the messages received;
    the form to publish a new one."""
    q = page.request.query_params
    return _mine_page(page, notice=q.get("fiche"), added=q.get("offre"))


@route("/mes-offres", name="offers.add", kinds=MANAGERS, methods=("POST",))
def add_offer(page: Page) -> Response:
    """A new offer published by the caller's structure, put online at once unless unticked; every
    problem beside its field (400), nothing written."""
    form = exchange.OfferForm(
        kind=page.field("kind"), title=page.field("title"), commune=page.field("commune"),
        activity=page.field("activity"), description=page.field("description"),
        published_in=page.field("published_in"), published_by=page.field("published_by"),
        online=page.field("online") == "oui",
    )  # fmt: skip
    try:
        offer_id = exchange.add_offer(page.ws, page.who, form, today=page.now.date())
    except InputError as exc:
        problems: dict[str, str] = {}
        for p in exc.problems:
            problems[p.source] = f"{problems[p.source]} {p.message}" if p.source in problems else p.message
        return _mine_page(page, status=400, new=form, problems=problems)
    return page.redirect(page.url_for("offers.mine", query={"offre": offer_id}))


@route("/mes-offres/{offer}/en-ligne", name="offers.online", kinds=MANAGERS, methods=("POST",))
def online(page: Page) -> Response:
    """Publish the offer on the public exchange (``online=oui``) or withdraw it."""
    exchange.set_online(page.ws, page.who, page.request.path_params["offer"], page.field("online") == "oui")
    return page.redirect(page.url_for("offers.mine"))


@route("/mes-offres/messages/{message:int}/fiche", name="offers.to_fiche", kinds=MANAGERS, methods=("POST",))
def to_fiche(page: Page) -> Response:
    """Turn a visitor's message into a fiche received by the caller's structure."""
    fiche = exchange.turn_into_fiche(page.ws, page.who, page.request.path_params["message"], now=page.now)
    return page.redirect(page.url_for("offers.mine", query={"fiche": fiche}))
