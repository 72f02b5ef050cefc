"""Use cases of the public offers exchange: open offers for anyone, a contact form, and for the
offer's structure (or the coordinator) the messages received, turned into fiches.

What the public sees of an offer is what the offer states (kind, title, description, commune,
activity, where and when it was published, the structure to deal with): never its contacts, the
fiches it matches, the installations it brought, nor anything about a porteur or the seller.

Abuse: a hidden field (honeypot) that people leave empty and robots fill (such a message is
answered as if accepted and never stored), a limit of :data:`RATE_LIMIT` messages per address and
hour, limits on each field's size; messages are stored as plain text and escaped wherever shown.
The address is kept only as a keyed hash, valid for one day (:func:`sender_key`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from engine.app.workspace import Workspace
from engine.errors import AccessDenied, EngineError, InputError, NotFound, Problem
from engine.i18n import _
from engine.identity import Identity
from engine.offers import requests as req
from engine.offers.model import OFFER_KINDS, Offer

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 30
MESSAGE_MAX = 2000
RATE_LIMIT = 5
RATE_WINDOW = dt.timedelta(hours=1)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 .\-()]{5,}$")
_PROCESS_KEY = secrets.token_bytes(32)


class TooManyRequests(EngineError):
    """The same address sent too many messages within the hour."""


@dataclass(frozen=True)
class PublicOffer:
    """An offer as the public sees it: only what the offer itself states."""

    id: str
    kind: str
    kind_label: str
    title: str
    description: str
    commune: str
    commune_name: str
    local_network: str | None
    local_network_name: str | None
    naf: str | None
    activity: str | None
    published_on: dt.date
    published_in: str
    structure: str | None
    structure_name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "title": self.title,
            "description": self.description,
            "commune": self.commune,
            "commune_name": self.commune_name,
            "local_network": self.local_network,
            "naf": self.naf,
            "activity": self.activity,
            "published_on": self.published_on.isoformat(),
            "published_in": self.published_in,
            "structure": self.structure_name,
        }


def _public(offer: Offer, net: Any) -> PublicOffer:
    from engine import activities

    commune = net.territory.communes.get(offer.commune)
    local = net.territory.local_networks.get(offer.local_network) if offer.local_network else None
    activity = activities.nomenclature().get(offer.naf) if offer.naf else None
    spec = net.rules.structures.get(offer.published_by) if offer.published_by else None
    return PublicOffer(
        id=offer.id, kind=offer.kind, kind_label=OFFER_KINDS.get(offer.kind, offer.kind), title=offer.title,
        description=offer.description, commune=offer.commune, commune_name=commune.name if commune else offer.commune,
        local_network=offer.local_network, local_network_name=local.name if local else None, naf=offer.naf,
        activity=activity.label if activity else None, published_on=offer.published_on,
        published_in=offer.published_in, structure=offer.published_by,
        structure_name=spec.name if spec else None,
    )  # fmt: skip


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


@dataclass
class OfferSearch:
    """The public list: the offers kept by the filters, the filters as understood, and what was not."""

    offers: list[PublicOffer]
    network: str | None = None
    commune: str | None = None
    activity: str | None = None
    kind: str | None = None
    problems: list[str] = field(default_factory=list)
    networks: list[tuple[str, str]] = field(default_factory=list)


def search_offers(
    ws: Workspace,
    *,
    network: str | None = None,
    commune: str | None = None,
    activity: str | None = None,
    kind: str | None = None,
    today: dt.date | None = None,
) -> OfferSearch:
    """Open online offers, filtered by local network, commune (code or name), activity (NAF code or
    words of the title, description or activity) and kind.  An unknown filter is reported, not an error."""
    net = ws.network
    day = today or dt.date.today()
    problems: list[str] = []
    network = (network or "").strip() or None
    if network and network not in net.territory.local_networks:
        problems.append(_("unknown local network '{network}'").format(network=network))
        network = None
    code = None
    if commune and commune.strip():
        try:
            code = net.territory.resolve(commune.strip()).insee
        except ValueError as exc:
            problems.append(str(exc))
    kind = (kind or "").strip() or None
    if kind and kind not in OFFER_KINDS:
        problems.append(_("unknown kind of offer '{kind}'").format(kind=kind))
        kind = None
    words = _plain(activity or "").split()
    with ws.store.transaction() as conn:
        found = [_public(o, net) for o in req.online_offers(conn, day, network=network)]
    kept = []
    for offer in found:
        if code and offer.commune != code:
            continue
        if kind and offer.kind != kind:
            continue
        if words:
            text = _plain(" ".join(filter(None, (offer.title, offer.description, offer.activity, offer.naf))))
            if not all(w in text for w in words):
                continue
        kept.append(offer)
    networks = [(n, ln.name) for n, ln in net.territory.local_networks.items()]
    return OfferSearch(kept, network, code, activity, kind, problems, networks)


def public_offer(ws: Workspace, offer_id: str, *, today: dt.date | None = None) -> PublicOffer:
    """One open online offer; any other id (closed, withdrawn, unknown) is simply not found."""
    from engine.offers.repository import OFFER_ID_RE, get_offer

    day = today or dt.date.today()
    if not OFFER_ID_RE.match(offer_id or ""):
        raise NotFound(_("no offer {offer} on the exchange").format(offer=offer_id))
    with ws.store.transaction() as conn:
        row_online = req.is_online(conn, offer_id)
        offer = get_offer(conn, offer_id) if row_online else None
    if offer is None or not offer.open_on(day):
        raise NotFound(
            _("no offer {offer} on the exchange: it was withdrawn or never published here").format(offer=offer_id)
        )
    return _public(offer, ws.network)


def sender_key(address: str, day: dt.date) -> str:
    """A keyed hash of the sender's address for one day: enough to count, never to find the address back.

    The key is ``$CAPACTIF_SECRET_KEY`` (set it when several processes serve the application, so
    they count together), else a random key of this process.
    """
    secret = os.environ.get("CAPACTIF_SECRET_KEY", "").encode() or _PROCESS_KEY
    return hmac.new(secret, f"{address}|{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class ContactForm:
    """What the visitor typed (kept to show the form again with its problems)."""

    name: str = ""
    email: str = ""
    phone: str = ""
    message: str = ""
    consent: bool = False
    honeypot: str = ""


@dataclass
class ContactResult:
    """The outcome of a contact form: stored (or silently dropped for a robot)."""

    offer: PublicOffer
    stored: bool


def _clean(text: str) -> str:
    """Plain text: no control characters except line breaks, trimmed."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


def _normalised(field_name: str, value: str) -> str | None:
    """``value`` as a fiche stores it, or None when the fiche's checks refuse it.

    The form accepts exactly the e-mail addresses and phone numbers a fiche accepts (email-validator,
    phonenumbers): a message whose phone only this form's pattern accepted could not be turned into
    a fiche later (issue 14).
    """
    from engine.fiche import normalise_email, normalise_phone

    normalise = normalise_email if field_name == "email" else normalise_phone
    try:
        return normalise(value)
    except ValueError:
        return None


def form_problems(form: ContactForm) -> list[Problem]:
    """Every problem of the form at once, each named by its field."""
    problems = []
    name, email, phone, message = (_clean(v) for v in (form.name, form.email, form.phone, form.message))
    if not name:
        problems.append(Problem("name", 0, 0, _("give your name")))
    elif len(name) > NAME_MAX:
        problems.append(Problem("name", 0, 0, _("your name: at most {n} characters").format(n=NAME_MAX)))
    if not email and not phone:
        problems.append(Problem("email", 0, 0, _("give an e-mail address or a phone number so that we can answer")))
    if email and (len(email) > EMAIL_MAX or not _EMAIL_RE.match(email) or _normalised("email", email) is None):
        problems.append(Problem("email", 0, 0, _("this is not an e-mail address (e.g. marie@exemple.fr)")))
    if phone and (len(phone) > PHONE_MAX or not _PHONE_RE.match(phone) or _normalised("phone", phone) is None):
        problems.append(Problem("phone", 0, 0, _("this is not a phone number (e.g. 04 73 00 00 00)")))
    if not message:
        problems.append(Problem("message", 0, 0, _("write a few words about your project")))
    elif len(message) > MESSAGE_MAX:
        problems.append(
            Problem(
                "message",
                0,
                0,
                _("your message has {n} characters: at most {max}").format(n=len(message), max=MESSAGE_MAX),
            )
        )
    if not form.consent:
        problems.append(Problem("consent", 0, 0, _("tick the box so that the structure may contact you")))
    return problems


def send_contact(
    ws: Workspace, offer_id: str, form: ContactForm, *, address: str, now: dt.datetime | None = None
) -> ContactResult:
    """Record a visitor's message about an online offer (InputError with every problem of the form,
    TooManyRequests beyond the rate limit)."""
    moment = now or dt.datetime.now(dt.UTC)
    offer = public_offer(ws, offer_id, today=moment.date())
    if form.honeypot.strip():
        return ContactResult(offer, stored=False)
    problems = form_problems(form)
    if problems:
        raise InputError(problems=problems)
    sender = sender_key(address, moment.date())
    with ws.store.transaction() as conn:
        if req.recent_from(conn, sender, moment - RATE_WINDOW) >= RATE_LIMIT:
            raise TooManyRequests(
                _(
                    "{n} messages were already sent from your connection within the hour: "
                    "try again later, or call the structure"
                ).format(n=RATE_LIMIT)
            )
        req.add_request(
            conn, offer_id, name=_clean(form.name), email=_normalised("email", _clean(form.email)),
            phone=_normalised("phone", _clean(form.phone)), message=_clean(form.message),
            consent=form.consent, sender=sender,
            now=moment,
        )  # fmt: skip
    return ContactResult(offer, stored=True)


# --- the offer's structure and the coordinator --------------------------------------------------


@dataclass
class ManagedOffer:
    """An offer its structure (or the coordinator) manages: online or not, and its messages."""

    offer: PublicOffer
    online: bool
    open: bool
    requests: list[req.OfferRequest]

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.requests if r.fiche is None and not r.erased)


def _check_signed_in_structure(who: Identity) -> None:
    if who.is_coordinator or who.structure:
        return
    raise AccessDenied(_("{who} may not manage offers: the structures and the coordinator do").format(who=who.label()))


def managed_offers(ws: Workspace, who: Identity, *, today: dt.date | None = None) -> list[ManagedOffer]:
    """The caller's offers (every offer for the coordinator), latest first, with the messages received."""
    from engine.offers.repository import list_offers
    from engine.offers.tables import offers as offers_table

    _check_signed_in_structure(who)
    day = today or dt.date.today()
    net = ws.network
    with ws.store.transaction() as conn:
        mine = [o for o in list_offers(conn) if req.may_manage(who, o)]
        online: set[str] = set(conn.execute(offers_table.select().with_only_columns(offers_table.c.id).where(
            offers_table.c.online.is_(True))).scalars())  # fmt: skip
        messages = req.list_requests(conn, [o.id for o in mine])
    by_offer: dict[str, list[req.OfferRequest]] = {}
    for message in messages:
        by_offer.setdefault(message.offer, []).append(message)
    mine.sort(key=lambda o: (o.published_on, o.id), reverse=True)
    return [ManagedOffer(_public(o, net), o.id in online, o.open_on(day), by_offer.get(o.id, [])) for o in mine]


def set_online(ws: Workspace, who: Identity, offer_id: str, online: bool) -> None:
    """Publish an offer on the public exchange, or withdraw it (its structure or the coordinator)."""
    with ws.store.transaction() as conn:
        req.set_online(conn, who, offer_id, online)


def turn_into_fiche(ws: Workspace, who: Identity, request_id: int, *, now: dt.datetime | None = None) -> str:
    """Make a fiche of a visitor's message: received by the offer's structure (or the caller), in the
    offer's commune and activity, the visitor as porteur, the message as summary; the fiche's contact
    with the offer is recorded (the report then counts it instead of the message)."""
    from pydantic import ValidationError

    from engine.offers.repository import add_contact, get_offer
    from engine.routing import suggest
    from engine.store import repository

    moment = now or dt.datetime.now(dt.UTC)
    net = ws.network
    with ws.store.transaction() as conn:
        message = req.get_request(conn, request_id)
        offer = get_offer(conn, message.offer)
        req.check_manager(who, offer, _("turn messages into fiches for"))
        if message.fiche is not None:
            raise InputError(_("this message is already fiche {fiche}").format(fiche=message.fiche))
        if message.erased:
            raise InputError(
                _("message {id}: its sender's data were erased; it cannot become a fiche").format(id=message.id)
            )
        try:
            fiche = _fiche_of_message(message, offer, who, net)
        except ValidationError as exc:  # a message stored before the form checked like a fiche does
            problems = [
                Problem(
                    _("message {id}").format(id=message.id), 0, 0, str(e.get("msg", "")).removeprefix("Value error, ")
                )
                for e in exc.errors()
            ]
            raise InputError(problems=problems) from None
        compiled = ws.compiled_rules
        (change,) = repository.add_fiches(
            conn, [fiche], who=who, network=net, suggester=lambda f, load: suggest(f, compiled, load), now=moment
        )
        add_contact(conn, who, offer.id, change.fiche, message.received_on, "message reçu par la bourse en ligne",
                    today=moment.date())  # fmt: skip
        req.link_fiche(conn, request_id, change.fiche, who, moment)
    return change.fiche


def _fiche_of_message(message: req.OfferRequest, offer: Offer, who: Identity, net: Any) -> Any:
    """The fiche a visitor's message becomes (ValidationError when a stored value is not a fiche's)."""
    from engine.fiche import Fiche

    data = {
        "received": message.received_on.isoformat(),
        "received_by": who.structure or offer.published_by,
        "summary": f"Contact via l'offre {offer.id} « {offer.title} » : {message.message}"[:2000],
        "porteur": {"name": message.name, "email": message.email, "phone": message.phone, "consent_network": False},
        "commune": offer.commune,
        "kind": "takeover" if offer.kind == "takeover" else "creation",
        **({"naf": offer.naf} if offer.naf else {}),
    }
    return Fiche.model_validate(data, context=net.fiche_context())


# --- a new offer, from the web ---------------------------------------------------------------------

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
PLACE_MAX = 200
#: The store's option names (``capactif offer add``'s) as the web form's fields.
_FORM_FIELD = {"--kind": "kind", "--commune": "commune", "--naf": "activity", "--nature": "activity"}


@dataclass
class OfferForm:
    """What a structure (or the coordinator) typed to publish a new offer."""

    kind: str = "takeover"
    title: str = ""
    commune: str = ""
    activity: str = ""
    description: str = ""
    published_in: str = ""
    published_by: str = ""
    online: bool = True


def add_offer(ws: Workspace, who: Identity, form: OfferForm, *, today: dt.date | None = None) -> str:
    """Record a new offer published today by the caller's structure (the coordinator may name one, or
    none), and put it on the public exchange at once unless asked not to: its id.  Every problem of
    the form at once, each named by its field; nothing is written then."""
    from engine.offers.repository import add_offer as store_offer

    _check_signed_in_structure(who)
    day = today or dt.date.today()
    title, description, place = _clean(form.title), _clean(form.description), _clean(form.published_in)
    problems: list[Problem] = []
    if not title:
        problems.append(Problem("title", 0, 0, _("give the offer a title, e.g. Boulangerie à reprendre")))
    if not place:
        problems.append(Problem("published_in", 0, 0, _("say where the offer was published, e.g. 'Villages Magazine'")))
    for name, value, most in (("title", title, TITLE_MAX), ("description", description, DESCRIPTION_MAX),
                              ("published_in", place, PLACE_MAX)):  # fmt: skip
        if len(value) > most:
            problems.append(Problem(name, 0, 0, _("at most {n} characters").format(n=most)))
    by = form.published_by.strip() or None
    if by is not None and not who.is_coordinator:
        by = None  # a structure publishes its own offers (the form offers it no choice)
    if by is not None and by not in ws.network.structure_ids:
        problems.append(Problem("published_by", 0, 0, _("unknown structure '{structure}'").format(structure=by)))
    with ws.store.transaction() as conn:
        try:
            offer = store_offer(conn, ws.network, who, kind=form.kind, title=title or "-", commune=form.commune.strip(),
                                published_on=day, published_in=place or "-", naf=form.activity.strip() or None,
                                description=description, published_by=by)  # fmt: skip
        except InputError as exc:
            renamed = [Problem(_FORM_FIELD.get(p.source, "form"), 0, 0, p.message) for p in exc.problems]
            raise InputError(problems=problems + renamed) from None
        if problems:
            raise InputError(problems=problems)  # the transaction is rolled back: nothing written
        if form.online:
            req.set_online(conn, who, offer.id, True, today=day)
    return offer.id
