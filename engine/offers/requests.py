"""The public offers exchange in the store: which offers are online, and the messages visitors send.

Functions over an open connection (one transaction per request), as in :mod:`engine.offers.repository`.
Who may do what is checked here: an offer is put online or withdrawn by the structure that
published it or by the coordinator; the messages about an offer are read, and turned into fiches,
by the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, bindparam, func, or_, select

from engine.errors import AccessDenied, InputError, NotFound
from engine.i18n import _
from engine.offers.model import Offer
from engine.offers.repository import get_offer, list_offers
from engine.offers.tables import offer_requests, offers


def may_manage(who: Any, offer: Offer) -> bool:
    """The structure that published the offer, or the coordinator."""
    return bool(who.is_coordinator or (who.structure and who.structure == offer.published_by))


def check_manager(who: Any, offer: Offer, action: str) -> None:
    if may_manage(who, offer):
        return
    owner = offer.published_by or _("the coordinator")
    raise AccessDenied(
        _("{who} may not {action} offer {offer}: only {owner} and the coordinator may").format(
            who=who.label(), action=action, offer=offer.id, owner=owner
        )
    )


def is_online(conn: Connection, offer_id: str) -> bool:
    return bool(conn.execute(select(offers.c.online).where(offers.c.id == offer_id)).scalar_one_or_none())


def set_online(conn: Connection, who: Any, offer_id: str, online: bool, *, today: dt.date | None = None) -> Offer:
    """Put an open offer on the public exchange, or withdraw it (closed offers are never online)."""
    offer = get_offer(conn, offer_id)
    check_manager(who, offer, _("publish or withdraw"))
    day = today or dt.date.today()
    if online and not offer.open_on(day):
        raise InputError(
            _("offer {offer} is closed (or not yet published): it cannot be put online").format(offer=offer_id)
        )
    conn.execute(offers.update().where(offers.c.id == offer_id).values(online=online))
    return offer


def online_offers(conn: Connection, day: dt.date, *, network: str | None = None) -> list[Offer]:
    """Offers open on ``day`` and online, by publication date (latest first) then id."""
    ids: set[str] = set(conn.execute(select(offers.c.id).where(offers.c.online.is_(True))).scalars())
    found = [o for o in list_offers(conn, network=network, status="open") if o.id in ids and o.open_on(day)]
    return sorted(found, key=lambda o: (o.published_on, o.id), reverse=True)


@dataclass(frozen=True)
class OfferRequest:
    """A message sent by a visitor about an offer (personal data: its structure and the coordinator only)."""

    id: int
    offer: str
    received_at: dt.datetime
    received_on: dt.date
    name: str
    email: str | None
    phone: str | None
    message: str
    consent: bool
    fiche: str | None
    handled_by: str | None

    @property
    def erased(self) -> bool:
        """Its sender's data were erased (``capactif porteur erase --message``): nothing left to answer."""
        return not self.name and not self.message


def _request(row: Any) -> OfferRequest:
    received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=dt.UTC)
    return OfferRequest(row.id, row.offer_id, received, row.received_on, row.name, row.email, row.phone, row.message,
                        bool(row.consent), row.fiche_id, row.handled_by)  # fmt: skip


def add_request(
    conn: Connection,
    offer_id: str,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    message: str,
    consent: bool,
    sender: str,
    now: dt.datetime,
) -> OfferRequest:
    """Store a visitor's message (validated by the caller) about an online offer."""
    result = conn.execute(
        offer_requests.insert().values(
            offer_id=offer_id, received_at=now, received_on=now.date(), name=name, email=email, phone=phone,
            message=message, consent=consent, sender=sender,
        )
    )  # fmt: skip
    assert result.inserted_primary_key is not None
    row = conn.execute(select(offer_requests).where(offer_requests.c.id == result.inserted_primary_key[0])).one()
    return _request(row)


def recent_from(conn: Connection, sender: str, since: dt.datetime) -> int:
    """How many messages this sender (hashed address) sent since ``since`` (the rate limit)."""
    query = select(func.count()).where(offer_requests.c.sender == sender, offer_requests.c.received_at >= since)
    return int(conn.execute(query).scalar_one())


def list_requests(conn: Connection, offer_ids: Iterable[str] | None = None) -> list[OfferRequest]:
    """Messages (about the given offers, else all), the latest first."""
    query = select(offer_requests)
    if offer_ids is not None:
        query = query.where(offer_requests.c.offer_id.in_(list(offer_ids)))
    rows = conn.execute(query.order_by(offer_requests.c.received_at.desc(), offer_requests.c.id.desc()))
    return [_request(r) for r in rows]


def get_request(conn: Connection, request_id: int) -> OfferRequest:
    row = conn.execute(select(offer_requests).where(offer_requests.c.id == request_id)).first()
    if row is None:
        raise NotFound(_("no message {id} about an offer in the store").format(id=request_id))
    return _request(row)


def link_fiche(conn: Connection, request_id: int, fiche_id: str, who: Any, now: dt.datetime) -> None:
    """The message became a fiche: from now on the fiche's contact with the offer counts, not the message."""
    conn.execute(
        offer_requests.update()
        .where(offer_requests.c.id == request_id)
        .values(fiche_id=fiche_id, handled_by=who.name, handled_at=now)
    )


def unlinked_contacts(conn: Connection) -> list[tuple[str, dt.date]]:
    """(offer, day) of every message not turned into a fiche: contacts the report counts as such."""
    rows = conn.execute(
        select(offer_requests.c.offer_id, offer_requests.c.received_on).where(offer_requests.c.fiche_id.is_(None))
    )
    return [(str(offer), cast(dt.date, day)) for offer, day in rows]


#: Built once: "À traiter" counts the waiting messages at every display.
_WAITING = (
    select(func.count())
    .select_from(offer_requests.join(offers, offers.c.id == offer_requests.c.offer_id))
    .where(offers.c.published_by == bindparam("structure"), offer_requests.c.fiche_id.is_(None))
    .where(or_(offer_requests.c.name != "", offer_requests.c.message != ""))
)


def waiting_count(conn: Connection, structure: str) -> int:
    """Messages about ``structure``'s offers not turned into a fiche yet (what its desk announces);
    an erased message is not waiting for anything."""
    return int(conn.execute(_WAITING, {"structure": structure}).scalar_one())
