"""Which fiches share a porteur, so that the yearly report counts porteurs and not fiches.

The seed's "Nombre de porteurs de projets ayant un référent" counts people: a porteur who came back
with a second project (or whose fiche was written twice by two structures) counts once.  The store
knows it without keeping a second copy of anyone's identity:

* each fiche gets one *digest* per way of recognising its porteur: HMAC-SHA-256 of the normalised
  name with the normalised e-mail, and of the name with the phone (:func:`digests`).  The HMAC key is
  a random secret of the store (``store_secrets.porteur_key``, made by migration 0720), so a digest
  cannot be recomputed from a guessed name and address by someone holding only a report or a dump of
  ``porteur_keys``;
* two fiches share a porteur when they share a digest (same name and same e-mail, or same name and
  same phone), and transitively (:func:`porteurs_of`);
* a fiche without a name, or with a name but neither e-mail nor phone, gets no digest: it is its own
  porteur (a homonym is not enough to merge two people).

Why a derived key rather than a link set by hand: the technicians already type the name, e-mail and
phone, and the same porteur is met by several structures that do not know of each other's fiche; a
link by hand would be missing exactly where it matters.  Normalisation (:func:`normal_name`,
:func:`normal_email`, :func:`normal_phone`) absorbs case, accents, word order and phone formats.

Confidentiality: a digest identifies a person as much as the name does.  Nothing shows, exports or
returns it; only :func:`porteurs_of` reads the table, and it returns groups of fiche ids.  When a
porteur's personal data is erased (:mod:`engine.porteurs`), each digest of the fiche is replaced,
everywhere it appears, by a random token (:func:`pseudonymise`): the fiches stay grouped (so the
yearly figures do not change) but nothing links the group to the person any more.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from engine.store import bulk
from engine.store.keyed import hmac_sha256
from engine.store.schema import porteur_keys, store_secrets

SECRET_NAME = "porteur_key"
#: Compiled once: ``re.sub``/``re.findall`` look their pattern up in ``re``'s cache at every call (two per fiche
#: imported).
_WORD = re.compile(r"[a-z0-9]+")
_NOT_DIGIT = re.compile(r"\D")


def normal_name(name: str | None) -> str:
    """``'  Hélène  DUPUY-Martin '`` → ``'dupuy helene martin'``: no accents, no case, words sorted."""
    if not name:
        return ""
    if name.isascii():  # nothing to decompose nor drop (fiche import: a name per row, most without accents)
        folded = name.casefold()
    else:
        folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
    return " ".join(sorted(_WORD.findall(folded)))


def normal_email(email: str | None) -> str:
    """An e-mail address without spaces, in lower case."""
    return "".join((email or "").split()).casefold()


def normal_phone(phone: str | None) -> str:
    """The digits of a phone number, French international form folded: ``+33 6 …`` → ``06…`` (9 digits at least)."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def digests(
    secret: str, name: str | None, email: str | None, phone: str | None, *, mac: Callable[[bytes], str] | None = None
) -> set[str]:
    """The digests that recognise this porteur (none without a name, or without an e-mail and a phone).

    ``mac``: ``keyed.hmac_sha256(secret)`` made once by a caller of many porteurs (the same digests)."""
    who = normal_name(name)
    if not who:
        return set()
    out = set()
    mac = mac or hmac_sha256(secret.encode("ascii"))
    for kind, value in (("email", normal_email(email)), ("phone", normal_phone(phone))):
        if value:
            out.add(mac(f"{who}\x1f{kind}\x1f{value}".encode()))
    return out


def secret(conn: Connection) -> str:
    """The store's HMAC key (made on first need when a store predates it)."""
    value = conn.execute(select(store_secrets.c.value).where(store_secrets.c.name == SECRET_NAME)).scalar()
    if value is None:
        value = secrets.token_hex(32)
        conn.execute(insert(store_secrets).values(name=SECRET_NAME, value=value))
    return str(value)


def record(
    conn: Connection, porteurs: Mapping[str, Mapping[str, Any]], *, key: str | None = None, new: bool = False
) -> None:
    """(Re)compute the digests of these fiches from their porteurs (``fiche id`` → ``{name, email, phone}``);
    ``new``: fiches just inserted, which have no digest to delete yet."""
    if not porteurs:
        return
    key = key or secret(conn)
    if not new:
        conn.execute(delete(porteur_keys).where(porteur_keys.c.fiche_id.in_(list(porteurs))))
    mac = hmac_sha256(key.encode("ascii"))  # the store's key set up once for every porteur
    rows = [
        {"fiche_id": fiche_id, "digest": d}
        for fiche_id, p in porteurs.items()
        for d in sorted(digests(key, p.get("name"), p.get("email"), p.get("phone"), mac=mac))
    ]
    bulk.insert_rows(conn, porteur_keys, rows)


def pseudonymise(conn: Connection, fiche_id: str) -> None:
    """After an erasure: each digest of the fiche becomes a random token on every fiche that had it."""
    query = select(porteur_keys.c.digest).where(porteur_keys.c.fiche_id == fiche_id)
    old: str
    for old in list(conn.execute(query).scalars()):
        conn.execute(update(porteur_keys).where(porteur_keys.c.digest == old).values(digest=secrets.token_hex(32)))


def porteurs_of(conn: Connection, fiche_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Each fiche that shares its porteur with another → the group's smallest fiche id (others: absent)."""
    rows = conn.execute(select(porteur_keys.c.fiche_id, porteur_keys.c.digest)).all()
    wanted = set(fiche_ids) if fiche_ids is not None else None
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_of: dict[str, str] = {}
    for row in rows:
        fiche_id, digest = str(row.fiche_id), str(row.digest)
        other = first_of.setdefault(digest, fiche_id)
        a, b = find(fiche_id), find(other)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for fiche_id in parent:
        groups.setdefault(find(fiche_id), []).append(fiche_id)
    out = {}
    for members in groups.values():
        if len(members) > 1:
            root = min(members, key=_order)
            out.update({m: root for m in members if wanted is None or m in wanted})
    return out


def _order(fiche_id: str) -> tuple[int, int]:
    """F-2025-0012 sorts before F-2026-0003 and F-2026-0010 after F-2026-0009."""
    _, year, number = fiche_id.split("-")
    return int(year), int(number)
