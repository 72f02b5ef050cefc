"""The porteur's personal data kept outside the chained event payloads, so that it can be erased.

Why: the event log is a hash chain (:mod:`engine.store.chain`) that nobody may rewrite, yet a porteur
may ask that their name, e-mail, phone and what was written about them be erased (GDPR art. 17),
and the charter's retention period erases them anyway.  Both hold because a payload never holds a
personal value: :func:`split` replaces each one by ``None`` (``""`` for a summary) and records under
the payload's ``$personal`` key a reference ``{"key", "digest"}``; the value itself goes to the
``personal_data`` table with a random salt, and ``digest`` is HMAC-SHA-256(salt, value).

* Reading a history joins the values back (:func:`join`); a reader that does not gets no personal
  data at all, which is the safe default.
* ``db verify`` recomputes each digest (:func:`check`): a value changed in ``personal_data`` is named.
* Erasing deletes the rows: the digest left in the chain cannot be reversed (the salt is gone with
  the value) and the chain still verifies.

One row per payload (since 2026-12-01, issue 19): the personal values of one payload share one
``personal_data`` row — its value is the JSON object ``{path: value}`` (:func:`bundle_text`), under one
random key and one salt — and the payload's ``$personal`` says so in a compact form,
``{"key": <the row's key>, "digests": {path: digest}}`` (with ``"at": {path: [parts]}`` for a path whose
parts hold a dot, such as an edit's ``porteur.name``); each digest is still HMAC-SHA-256(salt, that path's
value), so ``db verify`` names the very value that was changed.  :func:`refs_of` gives every form as one
reference per path (``{"key", "digest", "at", "bundle": true}``).  Rows written before hold one value each
(``$personal`` maps each path to its own ``{"key", "digest", "at"}``) and read as before.  Why: ``fiche
import`` wrote four rows (four keys, four salts, each under two indexes) per fiche, and four references of
150 bytes each into every chained payload; erasure deletes a fiche's rows either way.

What is personal: every string under a key of :data:`PERSONAL_KEYS`, at any depth of a payload (the
``created`` event's ``fiche.summary`` and ``fiche.porteur.name|email|phone``, a note's or contact's
``text``, a move's ``comment``, a declined suggestion's ``reason``…).  The rule is by key, not by
event kind, so that a new kind of event with free text is protected without a change here.
"""

from __future__ import annotations

import copy
import hmac
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring as _quoted
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select

from engine.i18n import _
from engine.store import bulk
from engine.store.keyed import hmac_sha256
from engine.store.schema import personal_data

#: Payload keys whose string values are personal data (at any depth).
PERSONAL_KEYS = frozenset({"name", "email", "phone", "summary", "text", "comment", "reason", "note"})
#: The payload key listing the references to ``personal_data``.
REFS = "$personal"


@dataclass(frozen=True)
class Value:
    """One stored personal value."""

    fiche_id: str
    salt: str
    value: str


def digest(salt: str, value: str) -> str:
    """HMAC-SHA-256 of the value under its salt (hex)."""
    return hmac.digest(salt.encode("ascii"), value.encode("utf-8"), "sha256").hex()


def placeholder(path: str) -> Any:
    """What a payload holds in place of a personal value: ``""`` for a summary (as a fiche without one), else None.

    The same wherever the summary appears (the created fiche, an edit's old and new values), so a
    history replayed after an erasure agrees with itself.
    """
    return "" if "summary" in path.split(".") else None


def split(
    payload: Mapping[str, Any], fiche_id: str, *, token: Callable[[], str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The payload to store (personal values replaced by references) and its ``personal_data`` row (none
    when it holds no personal value, else one: see the module docstring).

    The payload is copied as it is walked (one pass, no ``deepcopy`` first: ``fiche import`` splits
    one ``created`` payload per row); the caller's payload is never changed.  ``token``: where the row's
    64 random hex digits (its salt, then its key) come from: by default ``os.urandom``; a writer of many
    payloads passes one :func:`tokens` (the same randomness, read in fewer calls).
    """
    found: list[tuple[list[str], str, str]] = []  # (at, path, value) of each personal value, in walk order
    stored = _created(payload, found) if type(payload) is dict and len(payload) == 2 else None
    if stored is None:
        found.clear()
        stored = _walked(payload, found)
    return _bundled(stored, found, fiche_id, token)


def _walked(payload: Mapping[str, Any], found: list[tuple[list[str], str, str]]) -> dict[str, Any]:
    """The generic walk of :func:`split`: every key of every dict, at any depth (see the module docstring)."""

    def walk(node: dict[Any, Any], parts: list[str], inside: bool) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, value in node.items():
            # "porteur.name" (a fiche_edited change) is personal like "name"; so is every string under it.
            if isinstance(value, str):
                if value and (inside or _is_personal_key(key)):
                    at = [*parts, str(key)]
                    path = ".".join(at)
                    found.append((at, path, value))
                    out[key] = placeholder(path)
                else:
                    out[key] = value
            elif value is None or isinstance(value, int | float):
                out[key] = value
            elif isinstance(value, dict) and key != REFS:
                out[key] = walk(value, [*parts, str(key)], inside or _is_personal_key(key))
            else:
                out[key] = _copy(value)
        return out

    return walk(dict(payload), [], False)


#: The keys of a ``created`` payload's fiche that are not personal (a fiche dict, ``records.to_dict``), and
#: the porteur's.
_FICHE_PLAIN = frozenset(
    {"id", "received", "received_by", "commune", "kind", "naf", "nature", "employees", "artisan_registered",
     "farm_link", "needs", "publics", "stage", "lead", "supporting", "installed_on", "follow_up_by", "held_from",
     "offer", "consent_network"}
)  # fmt: skip
_PORTEUR_PERSONAL = frozenset({"name", "email", "phone"})
_KEPT = frozenset({type(None), bool, int, float, str})


def _created(payload: dict[str, Any], found: list[tuple[list[str], str, str]]) -> dict[str, Any] | None:
    """:func:`_walked` of a ``created`` payload (``{"fiche": {…}, "local_network": …}``, one per ``fiche import``
    row), by its known shape: the same stored payload and values in the same order, or None for any other
    shape (the generic walk decides).  Why: the generic walk tests every key of every dict for personal data,
    about 40 µs of a row's 330; ``tests/test_store_personal_split.py`` holds both to the same result."""
    fiche = payload.get("fiche")
    if type(fiche) is not dict or "local_network" not in payload:
        return None
    stored: dict[str, Any] = {}
    for top, node in payload.items():
        if top == "local_network":
            if type(node) not in _KEPT:
                return None
            stored[top] = node
            continue
        out: dict[str, Any] = {}
        for key, value in fiche.items():
            kind = type(value)
            if key in _FICHE_PLAIN:
                if kind in _KEPT:
                    out[key] = value
                elif kind is list:  # a list of scalars (needs, publics, supporting): its types tested in C
                    out[key] = value.copy() if not value or set(map(type, value)) <= _KEPT else _copy(value)
                else:
                    return None
            elif key == "summary" and kind in _KEPT:
                if kind is str and value:
                    found.append((["fiche", "summary"], "fiche.summary", value))
                    out[key] = ""
                else:
                    out[key] = value
            elif key == "porteur" and kind is dict:
                porteur: dict[str, Any] = {}
                for name, item in value.items():
                    if type(item) not in _KEPT:
                        return None
                    if name in _PORTEUR_PERSONAL:
                        if type(item) is str and item:
                            found.append((["fiche", "porteur", name], f"fiche.porteur.{name}", item))
                            item = None
                    elif name not in _FICHE_PLAIN:
                        return None
                    porteur[name] = item
                out[key] = porteur
            elif key == "porteur" and value is None:
                out[key] = None
            else:
                return None
        stored[top] = out
    return stored


def _bundled(
    stored: dict[str, Any], found: list[tuple[list[str], str, str]], fiche_id: str, token: Callable[[], str] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The stored payload with its references, and its one ``personal_data`` row (none without a value)."""
    if not found:
        return stored, []
    random = (token or _token)()
    salt, ref = random[:32], random[32:]
    mac = hmac_sha256(salt.encode("ascii"))  # the salt's HMAC set up once for the payload's values
    values: dict[str, str] = {}
    digests: dict[str, str] = {}
    dotted: dict[str, list[str]] = {}
    for at, path, value in found:
        values[path] = value
        digests[path] = mac(value.encode("utf-8"))
        if len(at) != path.count(".") + 1:  # a part holds a dot: the path alone does not say where the value was
            dotted[path] = at
    stored[REFS] = {"key": ref, "digests": digests, "at": dotted} if dotted else {"key": ref, "digests": digests}
    return stored, [{"key": ref, "fiche_id": fiche_id, "salt": salt, "value": _strings_object(values)}]


#: The reference's flag saying its value is one entry of its row's JSON object (:func:`bundle_text`).
BUNDLE = "bundle"
_BUNDLE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def bundle_text(values: Mapping[str, str]) -> str:
    """The stored text of one payload's personal values: the JSON object ``{path: value}``."""
    return _BUNDLE_JSON.encode(values)


def _strings_object(values: dict[str, str]) -> str:
    """:func:`bundle_text` of a dict of strings (:func:`split`'s paths and values): each quoted by the encoder's
    own string function (``json.encoder.encode_basestring``, non-ASCII kept) and joined, in half the encoder's
    time (one call for a payload's four values, once per ``fiche import`` row)."""
    return "{" + ",".join([f"{_quoted(path)}:{_quoted(value)}" for path, value in values.items()]) + "}"


def value_at(found: Value, path: str, ref: Mapping[str, Any], parsed: dict[str, Any] | None = None) -> str | None:
    """The personal value a reference names in its stored row: the row's value, or for a ``bundle`` reference
    the ``path`` entry of the row's JSON object (None when the row no longer holds it as text).
    ``parsed``: a memo of rows' objects by key, for a caller reading several paths of one row."""
    if not ref.get(BUNDLE):
        return found.value
    memo = parsed if parsed is not None else {}
    key = str(ref["key"])
    if key not in memo:
        try:
            memo[key] = json.loads(found.value)
        except ValueError:
            memo[key] = None
    entries = memo[key]
    value = entries.get(path) if isinstance(entries, dict) else None
    return value if isinstance(value, str) else None


def count_values(text: str) -> int:
    """How many personal values a stored row holds: the entries of a bundle's JSON object of texts, else one
    (a row written before bundles; for ``db verify``'s count of values no event refers to)."""
    if text.startswith("{"):
        try:
            entries = json.loads(text)
        except ValueError:
            return 1
        if isinstance(entries, dict) and entries and all(isinstance(v, str) for v in entries.values()):
            return len(entries)
    return 1


def _token() -> str:
    """64 random hex digits: a salt and a key (as ``secrets.token_hex(16)`` twice, in one call)."""
    return os.urandom(32).hex()


def tokens(batch: int = 256) -> Callable[[], str]:
    """A source of :func:`split`'s random hex digits for one bulk write, reading ``os.urandom`` for ``batch``
    values at a time instead of once per value.

    Why: ``fiche import`` splits one payload with personal values per row, and each ``os.urandom`` is a
    system call (on this shared VM about a microsecond and a half).  The
    bytes are the kernel's as before; each token is handed out once; a source belongs to the one call
    that made it (never shared between threads)."""
    pool: list[str] = []

    def draw() -> str:
        if not pool:
            text = os.urandom(32 * batch).hex()
            pool.extend(text[i : i + 64] for i in range(len(text) - 64, -1, -64))
        return pool.pop()

    return draw


@cache
def _is_personal_key(key: Any) -> bool:
    """Whether a payload key names personal data (its last dotted part is one of :data:`PERSONAL_KEYS`)."""
    return str(key).rsplit(".", 1)[-1] in PERSONAL_KEYS


def _copy(value: Any) -> Any:
    """A deep copy of a payload value: scalars as they are, a list of scalars by ``list``, else ``deepcopy``."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list) and all(v is None or isinstance(v, str | int | float) for v in value):
        return list(value)
    return copy.deepcopy(value)


def refs_of(payload: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The payload's references (an empty dict for a payload without personal data or a bad one)."""
    refs = payload.get(REFS) if isinstance(payload, Mapping) else None
    if not isinstance(refs, Mapping):
        return {}
    key, digests = refs.get("key"), refs.get("digests")
    if isinstance(key, str) and isinstance(digests, Mapping):  # one row for the payload (the module docstring)
        dotted = refs.get("at")
        ats = dotted if isinstance(dotted, Mapping) else {}
        return {
            str(path): {"key": key, "digest": digest, "at": ats.get(path) or str(path).split("."), BUNDLE: True}
            for path, digest in digests.items()
            if isinstance(digest, str)
        }
    # one row per value, each path its own reference (written before 2026-12-01), or the first form of a bundle
    return {p: r for p, r in refs.items() if isinstance(r, Mapping) and isinstance(r.get("key"), str)}


def join(payload: Mapping[str, Any], values: Mapping[str, Value], *, owned: bool = False) -> dict[str, Any]:
    """The payload with its personal values put back (an erased one stays ``None``/``""``); no ``$personal``.

    ``owned``: the payload was decoded for this call alone (a row just read), so its nested values are
    changed in place instead of copied first — no one else holds them.
    """
    out = {k: v for k, v in payload.items() if k != REFS}
    refs = refs_of(payload)
    if not refs:
        return out
    if not owned:
        out = copy.deepcopy(out)
    parsed: dict[str, Any] = {}
    for path, ref in refs.items():
        found = values.get(ref["key"])
        if found is None:
            continue
        value = value_at(found, path, ref, parsed)
        if value is None:
            continue
        node: Any = out
        where = ref.get("at")
        *parents, last = where if isinstance(where, list) and where else path.split(".")
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[last] = value
    return out


def check(payload: Mapping[str, Any], values: Mapping[str, Value], fiche_id: str) -> list[str]:
    """What is wrong with a payload's personal data: a value changed, or one of another fiche."""
    problems = []
    parsed: dict[str, Any] = {}
    for path, ref in refs_of(payload).items():
        found = values.get(ref["key"])
        if found is None:
            continue  # erased: the caller checks that an erasure was recorded
        if found.fiche_id != fiche_id:
            problems.append(
                _("the personal value '{path}' belongs to another fiche ({fiche})").format(
                    path=path, fiche=found.fiche_id
                )
            )
            continue
        value = value_at(found, path, ref, parsed)
        if value is None or not hmac.compare_digest(digest(found.salt, value), str(ref.get("digest"))):
            problems.append(_("the personal value '{path}' was changed outside capactif").format(path=path))
    return problems


def missing(payload: Mapping[str, Any], values: Mapping[str, Value]) -> list[str]:
    """The paths of the payload's personal data that are no longer stored (erased or deleted)."""
    return [path for path, ref in refs_of(payload).items() if ref["key"] not in values]


def store(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert ``personal_data`` rows (from :func:`split`)."""
    bulk.insert_rows(conn, personal_data, rows)


def load(conn: Connection, fiche_ids: Iterable[str] | None = None) -> dict[str, Value]:
    """The stored personal values (of ``fiche_ids`` when given), by key."""
    query = _values()
    out: dict[str, Value] = {}
    if fiche_ids is None:
        chunks: list[list[str] | None] = [None]
    else:
        ids = sorted(set(fiche_ids))
        chunks = [ids[i : i + 1000] for i in range(0, len(ids), 1000)]
    for chunk in chunks:
        params = {}
        if chunk is None:
            q = query
        elif len(chunk) == 1:  # one fiche (its page): "=", built once
            q, params = _one_fiche_values(), {"fiche_id": chunk[0]}
        else:  # an IN list is expanded into the SQL text at each execution
            q = query.where(personal_data.c.fiche_id.in_(chunk))
        for row in conn.execute(q, params):
            out[row.key] = Value(row.fiche_id, row.salt, row.value)
    return out


def _values() -> Any:
    return select(personal_data.c.key, personal_data.c.fiche_id, personal_data.c.salt, personal_data.c.value)


@cache
def _one_fiche_values() -> Any:
    """One fiche's personal values, built once (every fiche page reads them)."""
    return _values().where(personal_data.c.fiche_id == bindparam("fiche_id"))


def erase(conn: Connection, fiche_id: str) -> int:
    """Delete every personal value of a fiche; returns how many."""
    return conn.execute(delete(personal_data).where(personal_data.c.fiche_id == fiche_id)).rowcount or 0
