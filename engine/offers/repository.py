"""Reading and writing offers and their contacts in the store (one transaction per command).

Every function takes an open connection, as :mod:`engine.store.queries` does, so a command's reads
and writes share one transaction and nothing is written when anything fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from engine import activities, limits, vocabulary
from engine.errors import AccessDenied, ConflictError, InputError, NotFound, Problem, excerpt
from engine.i18n import N_, _
from engine.offers.model import Offer, OfferContact
from engine.offers.tables import offer_contacts, offers
from engine.store import repository as fiche_repository
from engine.store.access import Viewer
from engine.store.events import CONTACT
from engine.store.schema import fiches

#: The ``channel`` of the contact event an offer contact records on the fiche.
OFFER_CHANNEL = "offer"

OFFER_ID_RE = re.compile(r"^O-(\d{4})-(\d{4,9})$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_writer(who: Viewer, action: str) -> None:
    """Offers are written by a structure of the network or the coordinator, never by the committee."""
    if who.is_coordinator or who.structure:
        return
    if who.is_committee:
        raise AccessDenied(_("the committee reads offers but may not {action} them").format(action=_(action)))
    raise AccessDenied(
        _("say who you are to {action} offers: --as STRUCTURE (or --as coordinator), or set CAPACTIF_AS").format(
            action=_(action)
        )
    )


def add_offer(
    conn: Connection,
    network: Any,
    who: Viewer,
    *,
    kind: str,
    title: str,
    commune: str,
    published_on: dt.date,
    published_in: str,
    naf: str | None = None,
    nature: str | None = None,
    description: str = "",
    published_by: str | None = None,
    source: str = "",
) -> Offer:
    """Validate and store a new offer; every bad option is reported at once.

    ``published_by`` defaults to the caller's structure; a structure may not publish on behalf of
    another (the coordinator may).  ``source`` names the file in messages.
    """
    check_writer(who, N_("add"))
    if published_by and who.structure and published_by != who.structure:
        raise AccessDenied(
            _(
                "{source}: {who} may not add an offer published by {published_by}: let {published_by} add it, "
                "or the coordinator"
            ).format(source=source or _("offer"), who=who.label(), published_by=published_by)
        )
    problems: list[Problem] = []
    try:
        kind = vocabulary.canonical("offer kind", kind)  # 'reprise', 'à reprendre' → takeover
    except ValueError as exc:
        problems.append(Problem("--kind", 0, 0, str(exc)))
    if not title.strip():
        problems.append(Problem("--title", 0, 0, _("give the offer a title, e.g. --title 'Boulangerie à reprendre'")))
    if not published_in.strip():
        problems.append(
            Problem("--published-in", 0, 0, _("say where the offer was published, e.g. 'Villages Magazine'"))
        )
    code = None
    try:
        code = network.territory.resolve(commune).insee
    except ValueError as exc:
        problems.append(Problem("--commune", 0, 0, str(exc)))
    if naf:
        naf = activities.normalize_code(naf)
        if naf not in activities.nomenclature():
            problems.append(
                Problem("--naf", 0, 0, _("unknown NAF code '{naf}' (expected a code such as 10.71C)").format(naf=naf))
            )
        elif nature is None:
            nature = activities.nature_of(naf).nature
    if nature is not None:
        try:
            nature = vocabulary.canonical("nature", nature)  # 'artisanale' → artisanal
        except ValueError as exc:
            problems.append(Problem("--nature", 0, 0, str(exc)))
    if problems:
        raise InputError(problems=problems)
    assert code is not None
    year = published_on.year
    last: int | None = conn.execute(select(func.max(offers.c.number)).where(offers.c.year == year)).scalar_one()
    number = (last or 0) + 1
    offer = Offer(
        id=f"O-{year:04d}-{number:04d}",
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        commune=code,
        local_network=network.territory.communes[code].local_network or None,
        naf=naf,
        nature=nature,
        published_on=published_on,
        published_in=published_in.strip(),
        published_by=published_by or who.structure,
    )
    values = offer.to_dict()
    values.update(year=year, number=number, published_on=published_on, created_at=_now(), closed_on=None)
    try:
        with conn.begin_nested():
            conn.execute(offers.insert().values(**values))
    except IntegrityError:
        raise ConflictError(
            _("offer {id} was added by someone else at the same time; run the command again").format(id=offer.id)
        ) from None
    return offer


def add_offers(conn: Connection, network: Any, who: Viewer, specs: Iterable[Any]) -> list[Offer]:
    """Store validated offer specs (:class:`engine.offers.spec.OfferSpec`), in file order; all or none."""
    return [
        add_offer(
            conn,
            network,
            who,
            kind=spec.kind,
            title=spec.title,
            commune=spec.commune,
            published_on=spec.published_on,
            published_in=spec.published_in,
            naf=spec.naf,
            nature=spec.nature,
            description=spec.description,
            published_by=spec.published_by,
            source=spec.source,
        )
        for spec in specs
    ]


def _offer(row: Any) -> Offer:
    return Offer(
        id=row.id,
        kind=row.kind,
        title=row.title,
        description=row.description or "",
        commune=row.commune,
        local_network=row.local_network,
        naf=row.naf,
        nature=row.nature,
        published_on=row.published_on,
        published_in=row.published_in,
        published_by=row.published_by,
        closed_on=row.closed_on,
        closed_reason=row.closed_reason,
    )


def get_offer(conn: Connection, offer_id: str) -> Offer:
    """One offer by id; :class:`NotFound` says how to find the right one."""
    if not OFFER_ID_RE.match(offer_id or ""):
        raise InputError(
            _("'{id}' is not an offer id: expected O-YYYY-NNNN, e.g. O-2026-0003").format(id=excerpt(offer_id))
        )
    row = conn.execute(select(offers).where(offers.c.id == offer_id)).first()
    if row is None:
        raise NotFound(_("no offer {id} in the store: 'capactif offer list' shows the offers").format(id=offer_id))
    return _offer(row)


def list_offers(
    conn: Connection,
    *,
    network: str | None = None,
    published_from: dt.date | None = None,
    published_to: dt.date | None = None,
    status: str | None = None,
) -> list[Offer]:
    """Offers (filtered by local network, publication dates and ``open``/``closed``), by publication date then id."""
    query = select(offers)
    if network:
        query = query.where(offers.c.local_network == network)
    if status == "open":
        query = query.where(offers.c.closed_on.is_(None))
    elif status == "closed":
        query = query.where(offers.c.closed_on.is_not(None))
    if published_from:
        query = query.where(offers.c.published_on >= published_from)
    if published_to:
        query = query.where(offers.c.published_on <= published_to)
    rows = conn.execute(query.order_by(offers.c.published_on, offers.c.year, offers.c.number))
    return [_offer(r) for r in rows]


def close_offer(conn: Connection, who: Viewer, offer_id: str, on: dt.date, reason: str = "") -> Offer:
    """Close an open offer on a date (not before it was published)."""
    check_writer(who, N_("close"))
    limits.require_text(reason, "--reason")
    offer = get_offer(conn, offer_id)
    if offer.closed_on is not None:
        raise InputError(
            _("offer {id} was already closed on {day}").format(id=offer_id, day=offer.closed_on.isoformat())
        )
    if on < offer.published_on:
        raise InputError(
            _("--date {day} is before the offer was published ({published})").format(
                day=on.isoformat(), published=offer.published_on.isoformat()
            )
        )
    conn.execute(offers.update().where(offers.c.id == offer_id).values(closed_on=on, closed_reason=reason or None))
    return get_offer(conn, offer_id)


def add_contact(
    conn: Connection,
    who: Viewer,
    offer_id: str,
    fiche_id: str,
    on: dt.date,
    note: str = "",
    *,
    today: dt.date | None = None,
) -> OfferContact:
    """Record that the porteur of a fiche got in touch about an offer (once per offer and fiche).

    Two records in one transaction: a ``contact`` event on the fiche (channel ``offer``, its text
    naming the offer; written by :func:`engine.store.repository.note_fiche`, so the store's access
    rule applies: only the structures on the fiche and the coordinator may) and a row in
    ``offer_contacts``, which the yearly report counts.
    """
    check_writer(who, N_("record contacts on"))
    offer = get_offer(conn, offer_id)
    received = conn.execute(select(fiches.c.received).where(fiches.c.id == fiche_id)).scalar_one_or_none()
    if received is None:
        raise NotFound(
            _("no fiche {id} in the store: 'capactif fiche list' shows the stored fiches").format(id=fiche_id)
        )
    problems = []
    if on < offer.published_on:
        message = _("{day} is before offer {id} was published ({published})").format(
            day=on.isoformat(), id=offer_id, published=offer.published_on.isoformat()
        )
        problems.append(Problem("--date", 0, 0, message))
    if offer.closed_on is not None and on > offer.closed_on:
        message = _("{day} is after offer {id} was closed ({closed})").format(
            day=on.isoformat(), id=offer_id, closed=offer.closed_on.isoformat()
        )
        problems.append(Problem("--date", 0, 0, message))
    exists = conn.execute(
        select(offer_contacts.c.at).where(offer_contacts.c.offer_id == offer_id, offer_contacts.c.fiche_id == fiche_id)
    ).scalar_one_or_none()
    if exists is not None:
        message = _("already in contact with offer {id} since {day}").format(id=offer_id, day=exists.isoformat())
        problems.append(Problem(fiche_id, 0, 0, message))
    if problems:
        raise InputError(problems=problems)
    contact = OfferContact(offer_id, fiche_id, on, who.structure or who.name, note.strip())
    text = f"offre {offer.id} « {offer.title} »" + (f" — {contact.note}" if contact.note else "")
    fiche_repository.note_fiche(conn, fiche_id, text, who=who, kind=CONTACT, channel=OFFER_CHANNEL, at=on, today=today)
    conn.execute(
        offer_contacts.insert().values(
            offer_id=offer_id, fiche_id=fiche_id, at=on, by=contact.by, note=contact.note, recorded_at=_now()
        )
    )
    return contact


def installed_fiches(conn: Connection, offer_id: str) -> list[str]:
    """The installed fiches linked to the offer (their ``offer`` field), by id: its installations."""
    query = select(fiches.c.id).where(fiches.c.offer == offer_id, fiches.c.installed_on.is_not(None))
    return list(conn.execute(query.order_by(fiches.c.year, fiches.c.number)).scalars())


def list_contacts(
    conn: Connection, offer_ids: Iterable[str] | None = None, *, fiche_ids: Iterable[str] | None = None
) -> list[OfferContact]:
    """Contacts (of the given offers and/or fiches, else all), by date then offer then fiche."""
    query = select(offer_contacts)
    if offer_ids is not None:
        query = query.where(offer_contacts.c.offer_id.in_(list(offer_ids)))
    if fiche_ids is not None:
        query = query.where(offer_contacts.c.fiche_id.in_(list(fiche_ids)))
    rows = conn.execute(query.order_by(offer_contacts.c.at, offer_contacts.c.offer_id, offer_contacts.c.fiche_id))
    return [OfferContact(r.offer_id, r.fiche_id, r.at, r.by, r.note or "") for r in rows]
