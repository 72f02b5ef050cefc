"""The technician's desk: what a member structure sees and does every day, one function per use case.

Every function takes the :class:`~engine.app.Workspace` and the caller's
:class:`~engine.identity.Identity` first and returns a typed result; the command line
(``capactif fiche answer``) and the web pages (``web/``: "À traiter", "Mes fiches", "Nouvelle
fiche", the fiche page) call them and only render.

* :func:`todo` — the fiches suggested to my structure (as référent or support) that it has not
  answered, oldest request first, with routing's reasons;
* :func:`answer` — "Prendre en charge" / "Pas pour nous" (with a reason): new engine behaviour, see
  :func:`engine.store.repository.answer_suggestion`;
* :func:`caseload` — my fiches by stage, each with its alerts, filtered and paginated;
* :func:`live_suggestion` and :func:`create_fiche` — the new-fiche form: routing's answer for
  partially filled data, then the fiche recorded (received by my structure) with its suggestion;
* :func:`fiche_page` — what I may see of one fiche, its suggestion, its history as a timeline and
  the actions the lifecycle and my role allow now (a refused one with its guard explained);
* :func:`move`, :func:`note`, :func:`consent`, :func:`edit` — the fiche page's actions, each with the
  version the page showed: a change made meanwhile is reported as :class:`ChangedMeanwhile`
  ("modifiée par … entre-temps"), nothing written.

Personal data: the porteur's name, email and phone and the free texts that may name them (summary,
notes, contacts, comments, reasons of a decline) reach only those the store's access rule allows
(:func:`visible_fiche`), the single place this module masks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, cast

from engine.app.workspace import Workspace
from engine.errors import AccessDenied, ConflictError, InputError, Problem
from engine.i18n import _
from engine.identity import Identity
from engine.vocabulary import FARM_LINKS as FARM_LINK_LABELS
from engine.vocabulary import FIELD_LABELS

#: The most rows a list page shows (lists are always paginated).
MAX_PER_PAGE = 100
PER_PAGE = 20


# --- errors the pages show -------------------------------------------------------------------------


class ChangedMeanwhile(ConflictError):
    """The fiche changed since the caller read it (someone else's change won); nothing was written."""

    def __init__(self, fiche: str, by: str | None, version: int) -> None:
        self.fiche, self.by, self.version = fiche, by, version
        who = by or _("someone else")
        super().__init__(
            _(
                "fiche {fiche} was changed by {who} meanwhile (version {version}): nothing was written; "
                "read it again, then make your change again if it still holds"
            ).format(fiche=fiche, who=who, version=version)
        )


class FormErrors(InputError):
    """A form with problems: one message per field (``Problem.source`` is the field's name)."""

    def by_field(self) -> dict[str, list[str]]:
        """Field name → its messages, in the order found."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.source, []).append(p.message)
        return out


# --- shared pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """Which slice of a list: the 1-based page and its size (at most :data:`MAX_PER_PAGE`)."""

    number: int = 1
    size: int = PER_PAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", max(1, int(self.number)))
        object.__setattr__(self, "size", min(MAX_PER_PAGE, max(1, int(self.size))))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def count(self, total: int) -> int:
        """How many pages ``total`` rows make (at least 1)."""
        return max(1, -(-total // self.size))


def _require_structure(who: Identity, what: str) -> str:
    if who.structure is None:
        raise AccessDenied(
            _("{what} is a member structure's list: sign in as a technician of a structure").format(what=what)
        )
    return who.structure


def visible_fiche(fiche: Mapping[str, Any], who: Identity) -> tuple[dict[str, Any], bool]:
    """The fiche dict as ``who`` may see it and whether personal data is shown.

    The one masking place of the desk: the porteur's name, email and phone, and the summary (free
    text that often names them), are blanked for a caller the store's rule does not allow.
    """
    from engine import privacy

    personal = privacy.sees_fiche_personal_data(who, fiche)
    return privacy.mask_fiche(fiche, personal), personal


#: How long the live suggestion and the lists' alerts reuse the caseloads (active fiches per lead):
#: they only matter for capacities, which do not move in seconds; writes always count afresh.
CASELOAD_SECONDS = 5.0


def _caseload(ws: Workspace, conn: Any) -> dict[str, int]:
    """The store's caseloads, counted again only after a write (the chain's head moved), and then at most
    every :data:`CASELOAD_SECONDS` per workspace (a count reads every active fiche)."""
    import time

    from engine.store import queries

    memo = ws.__dict__.setdefault("_desk_caseload", [0.0, None, None])
    now, head = time.monotonic(), _head(conn)
    if memo[1] is None or (head != memo[2] and now - memo[0] > CASELOAD_SECONDS):
        memo[1], memo[0], memo[2] = queries.caseload(conn), now, head
    return dict(memo[1])


def _head(conn: Any) -> int | None:
    """The number of the store's last event (the chain's head): it moves with every write of a fiche."""
    return conn.execute(_head_query()).scalar_one_or_none()


@cache
def _head_query() -> Any:
    """Built once (a list reads the head at every display)."""
    from sqlalchemy import select

    from engine.store.chain import HEAD_ID
    from engine.store.schema import event_chain

    return select(event_chain.c.seq).where(event_chain.c.id == HEAD_ID)


#: How many lists (pages of "À traiter" and "Mes fiches") a workspace keeps between two writes.
LISTS_KEPT = 2_000


def _as_of_last_write(ws: Workspace, conn: Any, key: tuple[Any, ...], read: Any, head: int | None = None) -> Any:
    """``read(conn)``, or what it gave for ``key`` since the store's last write.

    Every write of a fiche appends an event and moves the chain's head (``event_chain``): reading the
    head is one row, so a list that nothing changed since is not read again (its counts over a
    structure's 30,000 fiches, its page).  What is kept must never be changed by the caller.  ``head``:
    the chain's head when the caller read it already in this transaction.
    """
    memo: dict[tuple[Any, ...], Any] = ws.__dict__.setdefault("_desk_lists", {})
    full = (*key, _head(conn) if head is None else head)
    if full in memo:
        return memo[full]
    value = read(conn)
    if len(memo) >= LISTS_KEPT:
        memo.clear()
    memo[full] = value
    return value


def _alerts_of(
    ws: Workspace, conn: Any, today: dt.date, versions: Mapping[str, int], who: Identity, head: int | None = None
) -> dict[str, Any]:
    """The alerts of a page of fiches (:func:`engine.alerts.runner.alerts_of_fiches`), each fiche's kept per
    workspace while its version, the day, the rules and the language stay the same, and either nothing was
    written in the store since (the chain's head has not moved: every input of the alerts is as it was) or
    for at most :data:`CASELOAD_SECONDS` after (another fiche's write may change a capacity alert, which may
    wait that long, as the caseloads do).  Without the first condition a page nobody changes had its
    alerts — ``need_uncovered``'s routing for every listed fiche — computed again inside a request every
    few seconds: the long tail of the lists' response times."""
    import time

    from engine import i18n
    from engine.alerts.runner import alerts_of_fiches

    memo: dict[tuple[Any, ...], tuple[float, int | None, list[Any]]] = ws.__dict__.setdefault("_desk_alerts", {})
    now, head = time.monotonic(), _head(conn) if head is None else head
    context = (today, ws.network.rules.version, i18n.get_language(), who.kind, who.structure)
    out: dict[str, Any] = {}
    missing = []
    for fiche_id, version in versions.items():
        kept = memo.get((fiche_id, version, *context))
        if kept is not None and (kept[1] == head or now - kept[0] <= CASELOAD_SECONDS):
            out[fiche_id] = kept[2]
        else:
            missing.append(fiche_id)
    if missing:
        found = alerts_of_fiches(
            conn, ws.network, ws.charter, ws.compiled_rules, today, missing, who, caseload=_caseload(ws, conn)
        )
        if len(memo) > 10_000:  # a bound: old entries go all at once
            memo.clear()
        for fiche_id in missing:
            out[fiche_id] = found.get(fiche_id, [])
            memo[(fiche_id, versions[fiche_id], *context)] = (now, head, out[fiche_id])
    return out


def _suggester(ws: Workspace) -> Any:
    """Routing over the workspace's rules, compiled once per workspace (declines passed through)."""
    from engine.routing import Declined, suggest

    compiled = ws.compiled_rules

    def run(fiche: Any, caseload: dict[str, int], declined: dict[str, dict[str, str]] | None = None) -> Any:
        return suggest(fiche, compiled, caseload, declined=Declined(**declined) if declined else None)

    return run


def _commune_words(ws: Workspace, code: str) -> str:
    commune = ws.network.territory.communes.get(code)
    return str(commune) if commune is not None else code


# --- what the pages offer to choose from -------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """The vocabularies with their French labels, the territory's communes and the NAF activities.

    What the form offers (checkboxes, and the ``<datalist>`` suggestions of communes and activities
    that work without script), and the labels every desk page shows for identifiers.
    """

    kinds: Mapping[str, str]
    natures: Mapping[str, str]
    needs: Mapping[str, str]
    publics: Mapping[str, str]
    stages: Mapping[str, str]
    communes: tuple[tuple[str, str, tuple[str, ...]], ...]  # INSEE code, name, postal codes
    activities: tuple[tuple[str, str], ...]  # NAF code, label

    def labels(self) -> dict[str, Mapping[str, str]]:
        """The label mappings by name (what the templates read)."""
        return {
            "kinds": self.kinds,
            "natures": self.natures,
            "needs": self.needs,
            "publics": self.publics,
            "stages": self.stages,
            "farm_links": FARM_LINK_LABELS,
            "field_labels": FIELD_LABELS,
        }


def choices(ws: Workspace) -> Choices:
    """The labels and lists the desk's pages offer (the same for every caller: no personal data), made
    once per loaded network (every page asks for them; new rules in force make them again)."""
    network = ws.network
    kept = ws.__dict__.get("_desk_choices")
    if kept is not None and kept[0] is network:
        return cast(Choices, kept[1])
    made = _choices(network)
    ws.__dict__["_desk_choices"] = (network, made)
    return made


def _choices(network: Any) -> Choices:
    from engine import activities
    from engine.vocabulary import KINDS, NATURES, NEEDS, PUBLICS, STAGES

    communes = sorted(network.territory.communes.values(), key=lambda c: (c.name, c.insee))
    return Choices(
        KINDS,
        NATURES,
        NEEDS,
        PUBLICS,
        STAGES,
        tuple((c.insee, c.name, tuple(c.postal_codes)) for c in communes),
        tuple((a.code, a.label) for a in sorted(activities.nomenclature().values(), key=lambda a: a.code)),
    )


@dataclass(frozen=True)
class Found:
    """One answer of a form field's search as the user types: the text to put in the field, the words shown."""

    value: str
    shown: str


#: How many answers a field's search offers under the field.
FOUND_LIMIT = 8


def communes_found(ws: Workspace, text: str, limit: int = FOUND_LIMIT) -> tuple[Found, ...]:
    """The communes the commune field proposes for what was typed: the territory's one search
    (:meth:`engine.territory.Territory.suggest`: name from its start or any word's, former names,
    postal code, INSEE code; accents and case ignored), the most populated first among equals.

    The value is what the form accepts back (``63003 Ambert (63600)``).
    """
    found = ws.network.territory.suggest(text, limit=max(1, min(limit, FOUND_LIMIT)))
    out = []
    for c in found:
        value = f"{c.insee} {c.name}" + (f" ({', '.join(c.postal_codes)})" if c.postal_codes else "")
        out.append(Found(value, value))
    return tuple(out)


def activities_found(text: str, limit: int = FOUND_LIMIT) -> tuple[Found, ...]:
    """The NAF activities the activity field proposes for everyday words (``coiffeur``, ``boulangeries``):
    the same search as ``capactif naf search`` (:func:`engine.app.activities.search_activities`), each
    with its legal nature and whether the nature must be confirmed with the porteur."""
    from engine.app.activities import search_activities
    from engine.vocabulary import NATURES

    out = []
    for m in search_activities(text, limit=max(1, min(limit, FOUND_LIMIT))).matches:
        value = f"{m.code} — {m.label}"
        nature = NATURES.get(m.nature, m.nature)
        if m.needs_confirmation:
            shown = _("{activity} ({nature}, to confirm)").format(activity=value, nature=nature)
        else:
            shown = _("{activity} ({nature})").format(activity=value, nature=nature)
        out.append(Found(value, shown))
    return tuple(out)


# --- À traiter -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One fiche suggested to my structure that waits for my answer."""

    fiche: str
    role: str  # "lead" or "support"
    since: dt.date
    waiting_days: int
    needs_asked: tuple[str, ...]
    reasons: tuple[str, ...]
    received: dt.date
    commune: str
    commune_name: str
    kind: str
    naf: str | None
    nature: str | None
    needs: tuple[str, ...]
    stage: str
    version: int
    porteur_name: str | None
    summary: str | None


@dataclass(frozen=True)
class Todo:
    """My structure's "À traiter": one page of requests, oldest first, and how many there are."""

    structure: str
    requests: tuple[Request, ...]
    total: int
    page: Page
    #: Messages visitors sent through the structure's offers (the public exchange) not yet turned
    #: into a fiche: the desk announces them, "Mes offres" shows them.
    offer_messages: int = 0

    @property
    def pages(self) -> int:
        return self.page.count(self.total)


def todo(ws: Workspace, who: Identity, *, page: Page | None = None, today: dt.date | None = None) -> Todo:
    """The fiches suggested to my structure that it has not answered, oldest request first (and how
    many visitors' messages about its offers wait)."""
    from engine.offers.requests import waiting_count
    from engine.store import records, suggestions

    structure = _require_structure(who, _("To do"))
    page = page or Page()
    today = today or dt.date.today()

    def read(conn: Any) -> tuple[int, list[dict[str, Any]], dict[str, list[str]]]:
        rows = suggestions.open_rows(conn, structure, limit=page.size, offset=page.offset)
        return suggestions.open_count(conn, structure), rows, _supports_of(conn, [r["id"] for r in rows])

    with ws.store.reading() as conn:
        total, rows, supports = _as_of_last_write(ws, conn, ("todo", structure, page.offset, page.size), read)
        # not kept with the page: a visitor's message is not a write of the fiches' chain
        offer_messages = waiting_count(conn, structure)
    out = []
    for row in rows:
        fiche, _personal = visible_fiche(records.from_row(row, supports.get(row["id"], ())), who)
        since = row["since"]
        out.append(
            Request(
                fiche=row["id"],
                role=row["role"],
                since=since,
                waiting_days=(today - since).days,
                needs_asked=tuple(row["needs_asked"] or ()),
                reasons=tuple(row["reasons"] or ()),
                received=row["received"],
                commune=row["commune"],
                commune_name=_commune_words(ws, row["commune"]),
                kind=row["kind"],
                naf=row["naf"],
                nature=row["nature"],
                needs=tuple(row["needs"] or ()),
                stage=row["stage"],
                version=row["version"],
                porteur_name=fiche["porteur"]["name"],
                summary=fiche["summary"],
            )
        )
    _record_reads(ws, who, [r.fiche for r in out if r.porteur_name], "À traiter")
    return Todo(structure, tuple(out), total, page, offer_messages)


def _supports_of(conn: Any, ids: Sequence[str]) -> dict[str, list[str]]:
    from sqlalchemy import select

    from engine.store.schema import fiche_supports

    if not ids:
        return {}
    out: dict[str, list[str]] = {}
    query = (
        select(fiche_supports.c.fiche_id, fiche_supports.c.structure)
        .where(fiche_supports.c.fiche_id.in_(list(ids)))
        .order_by(fiche_supports.c.fiche_id, fiche_supports.c.position)
    )
    for fiche_id, structure in conn.execute(query):
        out.setdefault(fiche_id, []).append(structure)
    return out


# --- answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What an answer did: the fiche's new version, the events, and after a decline who is asked now."""

    fiche: str
    answer: str
    role: str
    version: int
    events: tuple[dict[str, Any], ...]
    next_lead: str | None = None
    next_supporting: tuple[str, ...] = ()
    orphan: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "answer", "role", "version", "events", "next_lead", "next_supporting", "orphan"}``."""
        return {
            "fiche": self.fiche,
            "answer": self.answer,
            "role": self.role,
            "version": self.version,
            "events": [{"kind": e["kind"], "payload": e["payload"]} for e in self.events],
            "next_lead": self.next_lead,
            "next_supporting": list(self.next_supporting),
            "orphan": self.orphan,
        }


def answer(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    reply: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    at: dt.date | None = None,
) -> Answered:
    """ "Prendre en charge" (``take``) or "Pas pour nous" (``decline`` with a ``reason``) for my structure."""
    from engine.store import repository

    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.answer_suggestion(
            conn,
            fiche_id,
            reply,
            who=who,
            suggester=_suggester(ws),
            reason=reason,
            at=at,
            expected_version=expected_version,
        )
        _record_change(ws, who, fiche_id, f"answer: {reply}", conn)
    first = change.events[0]["payload"]
    again = next((e["payload"] for e in change.events if e["kind"] == "suggested"), None)
    return Answered(
        fiche=fiche_id,
        answer=reply,
        role=first["role"],
        version=change.version,
        events=tuple(change.events),
        next_lead=again["lead"] if again else None,
        next_supporting=tuple(again["supporting"]) if again else (),
        orphan=bool(again and again["orphan"]),
    )


class _reporting_conflicts:
    """Turn the store's conflict into :class:`ChangedMeanwhile`, naming who changed the fiche."""

    def __init__(self, ws: Workspace, fiche_id: str, expected_version: int | None) -> None:
        self.ws, self.fiche_id, self.expected = ws, fiche_id, expected_version

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or not isinstance(exc, ConflictError) or isinstance(exc, ChangedMeanwhile):
            return None
        by, version = _last_change(self.ws, self.fiche_id, self.expected)
        raise ChangedMeanwhile(self.fiche_id, by, version) from None


def _last_change(ws: Workspace, fiche_id: str, after: int | None) -> tuple[str | None, int]:
    """Who made the fiche's latest change (after version ``after``), and the fiche's version now."""
    from sqlalchemy import select

    from engine.store.schema import events, fiches

    with ws.store.reading() as conn:
        version = conn.execute(select(fiches.c.version).where(fiches.c.id == fiche_id)).scalar_one_or_none()
        query = select(events.c.by).where(events.c.fiche_id == fiche_id)
        if after is not None:
            query = query.where(events.c.version > after)
        by = conn.execute(query.order_by(events.c.id.desc()).limit(1)).scalar_one_or_none()
    return by, int(version or 0)


# --- Mes fiches ----------------------------------------------------------------------------------

ROLES_ON_FICHE = ("lead", "support", "received")


@dataclass(frozen=True)
class AlertBrief:
    """One alert of a fiche, as a line of the technician's list."""

    check: str
    severity: str
    since: dt.date
    message: str
    action: str


@dataclass(frozen=True)
class CaseFiche:
    """One fiche of my caseload: what the list shows, and its alerts today."""

    fiche: str
    received: dt.date
    commune: str
    commune_name: str
    kind: str
    naf: str | None
    stage: str
    lead: str | None
    supporting: tuple[str, ...]
    role: str  # lead, support or received: how my structure is on it ("" in the coordinator's list)
    porteur_name: str | None
    version: int
    alerts: tuple[AlertBrief, ...]


@dataclass(frozen=True)
class CaseloadFilter:
    """What "Mes fiches" shows: stages (any of them), my role on the fiche, words (id, commune)."""

    stages: tuple[str, ...] = ()
    role: str | None = None
    text: str = ""


@dataclass(frozen=True)
class Caseload:
    """My fiches by stage (counts for every stage), one page of them, newest first (``structure`` None:
    every fiche of the network, the coordinator's list)."""

    structure: str | None
    by_stage: tuple[tuple[str, int], ...]
    fiches: tuple[CaseFiche, ...]
    total: int
    page: Page
    filters: CaseloadFilter

    @property
    def pages(self) -> int:
        return self.page.count(self.total)


def caseload(
    ws: Workspace,
    who: Identity,
    *,
    filters: CaseloadFilter | None = None,
    page: Page | None = None,
    today: dt.date | None = None,
) -> Caseload:
    """My structure's fiches (référent, support, or received by it): counts by stage, a page with alerts.

    For the coordinator, who runs the network and sees what every technician sees: every fiche (the
    role filter does not apply)."""
    from sqlalchemy import func, or_, select

    from engine.store import records
    from engine.store.schema import fiche_supports, fiches
    from engine.vocabulary import STAGES

    structure = None if who.is_coordinator else _require_structure(who, _("My fiches"))
    flt = filters or CaseloadFilter()
    page = page or Page()
    today = today or dt.date.today()
    problems = [
        Problem("stage", 0, 0, _("unknown stage '{stage}'").format(stage=s)) for s in flt.stages if s not in STAGES
    ]
    if flt.role is not None and flt.role not in ROLES_ON_FICHE:
        message = _("unknown role '{role}': lead, support or received").format(role=flt.role)
        problems.append(Problem("role", 0, 0, message))
    if problems:
        raise FormErrors(problems=problems)
    c = fiches.c
    supported = select(fiche_supports.c.fiche_id).where(fiche_supports.c.structure == structure)
    by_role = {"lead": c.lead == structure, "support": c.id.in_(supported), "received": c.received_by == structure}
    text = flt.text.strip()
    extra = [_text_condition(ws, text)] if text else []
    not_lead = or_(c.lead.is_(None), c.lead != structure)
    # The caseload's parts, disjoint so that their counts add up: each one read through its own index.
    parts: list[list[Any]]
    if structure is None:
        parts = [[]]  # the coordinator: every fiche
    elif flt.role:
        parts = [[by_role[flt.role]]]
    else:
        parts = [
            [by_role["lead"]],
            [by_role["received"], not_lead],
            [by_role["support"], not_lead, or_(c.received_by.is_(None), c.received_by != structure)],
        ]
    stages = [c.stage.in_(list(flt.stages))] if flt.stages else []
    order = (c.received.desc(), c.year.desc(), c.number.desc())
    wanted = page.offset + page.size

    def read(conn: Any) -> tuple[dict[Any, int], list[dict[str, Any]], dict[str, list[str]]]:
        counts: dict[Any, int] = {}
        for part in parts:
            part_counts = conn.execute(select(c.stage, func.count()).where(*part, *extra).group_by(c.stage)).all()
            for stage, n in part_counts:
                counts[stage] = counts.get(stage, 0) + int(cast(int, n))
        found: dict[str, dict[str, Any]] = {}
        for part in parts:  # each part's newest ``wanted`` rows hold the union's newest ``wanted``
            query = select(fiches).where(*part, *extra, *stages).order_by(*order).limit(wanted)
            for r in conn.execute(query).mappings():
                found[r["id"]] = dict(r)
        newest = sorted(found.values(), key=lambda r: (r["received"], r["year"], r["number"]), reverse=True)
        rows = newest[page.offset : wanted]
        return counts, rows, _supports_of(conn, [r["id"] for r in rows])

    with ws.store.reading() as conn:
        key = ("caseload", structure, flt, page.offset, page.size)
        head = _head(conn)  # once for both: the same transaction
        counts, rows, supports = _as_of_last_write(ws, conn, key, read, head)
        total = sum(n for stage, n in counts.items() if not flt.stages or stage in flt.stages)
        alerts = _alerts_of(ws, conn, today, {r["id"]: r["version"] for r in rows}, who, head)
    out = []
    for row in rows:
        fiche, _personal = visible_fiche(records.from_row(row, supports.get(row["id"], ())), who)
        if structure is None:
            role = ""
        else:
            role = "lead" if row["lead"] == structure else "support" if structure in fiche["supporting"] else "received"
        out.append(
            CaseFiche(
                fiche=row["id"],
                received=row["received"],
                commune=row["commune"],
                commune_name=_commune_words(ws, row["commune"]),
                kind=row["kind"],
                naf=row["naf"],
                stage=row["stage"],
                lead=row["lead"],
                supporting=tuple(fiche["supporting"]),
                role=role,
                porteur_name=fiche["porteur"]["name"],
                version=row["version"],
                alerts=tuple(
                    AlertBrief(a.check, a.severity, a.since, a.message, a.action) for a in alerts.get(row["id"], [])
                ),
            )
        )
    _record_reads(ws, who, [f.fiche for f in out if f.porteur_name], "Mes fiches" if structure else "Toutes les fiches")
    by_stage = tuple((stage, int(counts.get(stage, 0))) for stage in STAGES)
    return Caseload(structure, by_stage, tuple(out), total, page, flt)


def _text_condition(ws: Workspace, text: str) -> Any:
    """A fiche id (or its start), else a commune (name or code)."""
    from sqlalchemy import false

    from engine.store.schema import fiches

    if text.upper().startswith("F-"):
        return fiches.c.id.like(text.upper() + "%")
    try:
        return fiches.c.commune == ws.network.territory.resolve(text).insee
    except ValueError:
        return false()


# --- the new-fiche form ----------------------------------------------------------------------------

#: The form's fields, in the order they are shown (errors are reported under these names).
FORM_FIELDS = (
    "commune",
    "activity",
    "nature",
    "farm_link",
    "kind",
    "artisan_registered",
    "needs",
    "publics",
    "employees",
    "summary",
    "name",
    "email",
    "phone",
    "consent",
    "received",
)


@dataclass(frozen=True)
class FicheForm:
    """What the technician typed in the new-fiche form (text as given; lists from checkboxes)."""

    commune: str = ""
    activity: str = ""  # a NAF code, possibly followed by its label ("10.71C — Boulangerie…")
    nature: str = ""
    kind: str = ""
    needs: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    employees: str = ""
    summary: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    consent: bool = False
    received: str = ""
    farm_link: str = ""
    #: None: the presumption of :func:`engine.activities.artisan_registered` (a development is
    #: presumed registered, a creation or a takeover is not); True/False: what the technician said.
    artisan_registered: bool | None = None

    @property
    def artisan_presumed(self) -> bool:
        """What the form presumes of the registration at the répertoire des métiers for this kind."""
        from engine import activities

        return activities.artisan_registered(self.kind or None, None)

    @property
    def artisan_checked(self) -> bool:
        """Whether the form's "already registered" box shows ticked (the technician's word, else the presumption)."""
        return self.artisan_presumed if self.artisan_registered is None else self.artisan_registered

    @classmethod
    def of_fiche(cls, fiche: Mapping[str, Any]) -> FicheForm:
        """The form filled with a stored fiche's values (the fiche page's "Modifier la fiche")."""
        porteur = fiche.get("porteur") or {}
        employees = fiche.get("employees")
        return cls(
            commune=str(fiche.get("commune") or ""),
            activity=str(fiche.get("naf") or ""),
            nature=str(fiche.get("nature") or ""),
            kind=str(fiche.get("kind") or ""),
            needs=tuple(fiche.get("needs") or ()),
            publics=tuple(fiche.get("publics") or ()),
            employees="" if employees is None else str(employees),
            summary=str(fiche.get("summary") or ""),
            name=str(porteur.get("name") or ""),
            email=str(porteur.get("email") or ""),
            phone=str(porteur.get("phone") or ""),
            farm_link=str(fiche.get("farm_link") or ""),
            artisan_registered=fiche.get("artisan_registered"),
        )

    @classmethod
    def from_mapping(cls, get: Any, get_list: Any) -> FicheForm:
        """From a form: ``get(name) -> str`` and ``get_list(name) -> list[str]`` (e.g. Starlette's FormData).

        The "already registered" box is ticked or not as the presumption for the kind shown
        (``artisan_registered_shown``, a hidden field: ``yes``/``no``); left as shown, the presumption
        stands (None), changed, it is the technician's word.  Without that field, a ticked box says yes.
        """
        ticked = str(get("artisan_registered") or "") in ("1", "on", "yes", "true")
        shown = str(get("artisan_registered_shown") or "")
        registered: bool | None
        if shown in ("yes", "no"):
            registered = None if ticked == (shown == "yes") else ticked
        else:
            registered = True if ticked else None
        return cls(
            farm_link=str(get("farm_link") or "").strip(),
            artisan_registered=registered,
            commune=str(get("commune") or "").strip(),
            activity=str(get("activity") or "").strip(),
            nature=str(get("nature") or "").strip(),
            kind=str(get("kind") or "").strip(),
            needs=tuple(str(v) for v in get_list("needs")),
            publics=tuple(str(v) for v in get_list("publics")),
            employees=str(get("employees") or "").strip(),
            summary=str(get("summary") or "").strip(),
            name=str(get("name") or "").strip(),
            email=str(get("email") or "").strip(),
            phone=str(get("phone") or "").strip(),
            consent=str(get("consent") or "") in ("1", "on", "yes", "true"),
            received=str(get("received") or "").strip(),
        )


@dataclass(frozen=True)
class ActivityInfo:
    """The activity the form names: its NAF code and label, its legal nature, whether to confirm it."""

    naf: str
    label: str
    nature: str
    confirm: bool
    note: str


@dataclass(frozen=True)
class Proposal:
    """A structure routing proposes (lead or support), with its name, the needs and the reasons."""

    structure: str
    name: str
    needs: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LiveSuggestion:
    """Routing's answer for a partly filled form, or what is still missing to give one."""

    ready: bool
    missing: tuple[str, ...]
    errors: dict[str, list[str]]
    commune: str | None
    activity: ActivityInfo | None
    lead: Proposal | None
    supporting: tuple[Proposal, ...]
    uncovered: tuple[str, ...]
    orphan: bool
    notices: tuple[str, ...]
    #: The question the form asks when the activity's nature is uncertain (``fiche check``'s note):
    #: ``{"naf", "nature", "matched", "note"}``; None when the nature is sure or set by a farm link.
    nature_to_confirm: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON the form's script reads (stable English keys)."""
        return {
            "ready": self.ready,
            "missing": list(self.missing),
            "errors": self.errors,
            "commune": self.commune,
            "activity": None
            if self.activity is None
            else {
                "naf": self.activity.naf,
                "label": self.activity.label,
                "nature": self.activity.nature,
                "confirm": self.activity.confirm,
                "note": self.activity.note,
            },
            "lead": None if self.lead is None else _proposal_dict(self.lead),
            "supporting": [_proposal_dict(p) for p in self.supporting],
            "uncovered": list(self.uncovered),
            "orphan": self.orphan,
            "notices": list(self.notices),
            "nature_to_confirm": dict(self.nature_to_confirm) if self.nature_to_confirm else None,
        }


def _proposal_dict(p: Proposal) -> dict[str, Any]:
    return {"structure": p.structure, "name": p.name, "needs": list(p.needs), "reasons": list(p.reasons)}


def activity_of(text: str) -> ActivityInfo | None:
    """The activity a form's text names by its NAF code (``10.71C``, ``1071C``, ``10.71C — Boulangerie``)."""
    from engine import activities

    if not text.strip():
        return None
    code = activities.normalize_code(text.strip().split()[0].rstrip("—-:,"))
    found = activities.nomenclature().get(code)
    if found is None:
        return None
    finding = activities.nature_of(code)
    return ActivityInfo(code, found.label, finding.nature, finding.needs_confirmation, finding.note)


def _not_an_activity(text: str) -> str:
    """Why the activity field's words are not an activity, with the codes the one search finds for them."""
    found = activities_found(text, limit=3)
    if not found:
        return _("'{text}' is not a NAF code: choose an activity from the list").format(text=text)
    return _("'{text}' is not a NAF code: choose the activity, e.g. {activities}").format(
        text=text, activities="; ".join(f.value for f in found)
    )


def _parse_form(ws: Workspace, form: FicheForm, who: Identity, today: dt.date) -> tuple[dict[str, Any], list[Problem]]:
    """The fiche data of a form and its problems per field (nothing raised)."""
    from engine.vocabulary import FARM_LINKS, KINDS, NATURES, NEEDS, PUBLICS

    problems: list[Problem] = []
    data: dict[str, Any] = {"received": today.isoformat(), "stage": "idea"}
    if form.received:
        try:
            received = dt.date.fromisoformat(form.received)
        except ValueError:
            problems.append(Problem("received", 0, 0, _("write the date as YYYY-MM-DD (e.g. 2026-03-02)")))
        else:
            if received > today:
                message = _("{day} is in the future (today is {today})").format(day=received, today=today)
                problems.append(Problem("received", 0, 0, message))
            data["received"] = received.isoformat()
    if form.commune:
        try:
            data["commune"] = _resolve_commune(ws, form.commune)
        except ValueError as exc:
            problems.append(Problem("commune", 0, 0, str(exc)))
    if form.activity:
        activity = activity_of(form.activity)
        if activity is None:
            problems.append(Problem("activity", 0, 0, _not_an_activity(form.activity)))
        else:
            data["naf"] = activity.naf
    if form.nature:
        if form.nature in NATURES:
            data["nature"] = form.nature
        else:
            problems.append(Problem("nature", 0, 0, _("unknown nature '{nature}'").format(nature=form.nature)))
    if form.kind:
        if form.kind in KINDS:
            data["kind"] = form.kind
        else:
            problems.append(Problem("kind", 0, 0, _("unknown kind of project '{kind}'").format(kind=form.kind)))
    if form.farm_link:
        if form.farm_link in FARM_LINKS:
            data["farm_link"] = form.farm_link
        else:
            message = _("unknown link with a farm '{link}'").format(link=form.farm_link)
            problems.append(Problem("farm_link", 0, 0, message))
    if form.artisan_registered is not None:
        data["artisan_registered"] = form.artisan_registered
    bad = [n for n in form.needs if n not in NEEDS]
    problems += [Problem("needs", 0, 0, _("unknown need '{need}'").format(need=n)) for n in bad]
    data["needs"] = [n for n in form.needs if n in NEEDS]
    bad = [p for p in form.publics if p not in PUBLICS]
    problems += [Problem("publics", 0, 0, _("unknown public '{public}'").format(public=p)) for p in bad]
    data["publics"] = [p for p in form.publics if p in PUBLICS]
    if form.employees:
        if form.employees.isdigit() and int(form.employees) <= 100000:
            data["employees"] = int(form.employees)
        else:
            message = _("write the planned headcount as a whole number (0 or more)")
            problems.append(Problem("employees", 0, 0, message))
    data["summary"] = form.summary
    data["porteur"] = {
        "name": form.name or None,
        "email": form.email or None,
        "phone": form.phone or None,
        "consent_network": form.consent,
    }
    if who.structure:
        data["received_by"] = who.structure
    return data, problems


def _resolve_commune(ws: Workspace, text: str) -> str:
    """A commune from its name, INSEE code, postal code, or postal code and name (``63600 Ambert``).

    The territory's own resolution (engine.territory.Territory.resolve): the same answers and
    messages as in fiche files and on the command line.
    """
    return ws.network.territory.resolve(text).insee


def live_suggestion(ws: Workspace, who: Identity, form: FicheForm, *, today: dt.date | None = None) -> LiveSuggestion:
    """Routing's answer for what the form holds so far (commune and kind suffice); nothing is written."""
    from pydantic import ValidationError

    from engine.fiche import Fiche
    from engine.routing import suggest

    today = today or dt.date.today()
    data, problems = _parse_form(ws, form, who, today)
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.source, []).append(p.message)
    activity = activity_of(form.activity) if "activity" not in errors else None
    commune = data.get("commune")
    missing = tuple(name for name in ("commune", "kind") if name not in data)
    question = _nature_question(activity, form)
    empty = LiveSuggestion(
        False,
        missing,
        errors,
        _commune_words(ws, commune) if commune else None,
        activity,
        None,
        (),
        (),
        False,
        (),
        question,
    )
    if missing:
        return empty
    routing = {k: v for k, v in data.items() if k not in ("porteur", "summary", "received_by")}
    try:
        fiche = Fiche.model_validate(routing, context=ws.network.fiche_context())
    except ValidationError as exc:
        for problem in (_field_problem(e) for e in exc.errors()):
            errors.setdefault(problem.source, []).append(problem.message)
        return replace(empty, errors=errors)
    with ws.store.reading() as conn:
        load = _caseload(ws, conn)
    found = suggest(fiche, ws.compiled_rules, load)
    structures = ws.network.rules.structures
    lead = None
    if found.lead is not None:
        lead = Proposal(found.lead.structure, _name(structures, found.lead.structure), (), tuple(found.lead.reasons))
    supporting = tuple(
        Proposal(s.structure, _name(structures, s.structure), tuple(s.needs), tuple(s.reasons))
        for s in found.supporting
    )
    return LiveSuggestion(
        True,
        (),
        errors,
        _commune_words(ws, fiche.commune),
        activity,
        lead,
        supporting,
        tuple(found.uncovered_needs),
        found.orphan,
        tuple(fiche.notices()),
        question,
    )


def _nature_question(activity: ActivityInfo | None, form: FicheForm) -> dict[str, str] | None:
    """``fiche check``'s "confirm the nature" for the form's activity (asked until the form is sent, the
    technician's answer shown as a ticked choice), unless a farm link makes the activity agricultural
    (Code rural L311-1): then there is nothing to confirm."""
    from engine import activities

    if activity is None or not activity.confirm:
        return None
    if activities.farm_nature(form.farm_link or None, form.publics) is not None:
        return None
    finding = activities.nature_of(activity.naf)
    return {"naf": activity.naf, "nature": finding.nature, "matched": finding.matched, "note": finding.note}


def _name(structures: Mapping[str, Any], sid: str) -> str:
    spec = structures.get(sid)
    return spec.name if spec is not None else sid


@dataclass(frozen=True)
class Created:
    """A fiche recorded from the form: its id, version, and the suggestion recorded with it."""

    fiche: str
    version: int
    lead: str | None
    supporting: tuple[str, ...]
    orphan: bool


def create_fiche(ws: Workspace, who: Identity, form: FicheForm, *, today: dt.date | None = None) -> Created:
    """Record the form's fiche, received by my structure today, with its suggestion.

    Every problem is reported at once by field (:class:`FormErrors`); nothing is written then.
    """
    from pydantic import ValidationError

    from engine.fiche import Fiche
    from engine.store import repository

    if who.structure is None and not who.is_coordinator:
        raise AccessDenied(_("only a member structure or the coordinator records a fiche: sign in as a technician"))
    today = today or dt.date.today()
    data, problems = _parse_form(ws, form, who, today)
    for name in ("commune", "kind"):
        if not getattr(form, name):
            problems.append(Problem(name, 0, 0, _("required: fill it in")))
    if not problems:
        try:
            fiche = Fiche.model_validate(data, context=ws.network.fiche_context())
        except ValidationError as exc:
            problems += [_field_problem(e) for e in exc.errors()]
    if problems:
        raise FormErrors(problems=problems)
    with ws.store.transaction() as conn:
        (change,) = repository.add_fiches(
            conn, [fiche], who=who, network=ws.network, suggester=_suggester(ws), at=today
        )
        _record_change(ws, who, change.fiche, "fiche add (web form)", conn)
    suggested = next(e["payload"] for e in change.events if e["kind"] == "suggested")
    return Created(
        change.fiche, change.version, suggested["lead"], tuple(suggested["supporting"]), bool(suggested["orphan"])
    )


_LOC_FIELD = {"naf": "activity", "porteur": "name"}


def _field_problem(error: Mapping[str, Any]) -> Problem:
    loc = [str(part) for part in error.get("loc", ())]
    name = loc[-1] if loc and loc[0] == "porteur" and len(loc) > 1 else (loc[0] if loc else "form")
    name = _LOC_FIELD.get(name, name)
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if name == "form":  # a check across fields: under the field it names (artisan_registered, farm_link)
        name = next((f for f in ("artisan_registered", "farm_link") if f in message), "form")
    if name not in FORM_FIELDS:
        name = "form"
    return Problem(name, 0, 0, message)


# --- the fiche page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the history, as the timeline shows it (free texts masked when they must be)."""

    at: dt.date
    kind: str
    label: str
    by: str | None
    text: str
    version: int


@dataclass(frozen=True)
class Action:
    """A stage move the fiche page offers: allowed now, or refused with the guard's explanation."""

    trigger: str
    to_stage: str | None
    allowed: bool
    why_not: str | None
    asks: tuple[str, ...]  # fields the move takes: installed_on, follow_up_by


@dataclass(frozen=True)
class DeclineView:
    """A "Pas pour nous" on the fiche: who, for which role, when, and the reason when I may read it."""

    structure: str
    role: str
    at: dt.date
    reason: str | None


@dataclass(frozen=True)
class FichePage:
    """Everything the fiche page shows to ``who`` and what it lets them do."""

    fiche: dict[str, Any]
    version: int
    orphan: bool
    local_network: str | None
    commune_name: str
    personal: bool
    lead: Proposal | None  # the current suggestion
    supporting: tuple[Proposal, ...]
    uncovered: tuple[str, ...]
    suggested_on: dt.date | None
    my_request: str | None  # "lead"/"support" when my structure is asked and has not answered
    declines: tuple[DeclineView, ...]
    timeline: tuple[TimelineEntry, ...]
    can_write: bool
    actions: tuple[Action, ...]
    structures: tuple[tuple[str, str], ...]  # id, name: for the follow-up choice
    rules_version: str | None = None  # the rules the suggestion was made with
    rules_in_force: str | None = None  # the rules the network routes with now
    lead_now: Proposal | None = None  # with the rules in force, when they differ from the suggestion's
    decides_differently: bool = False  # the rules in force would name another référent or supports


def fiche_page(ws: Workspace, who: Identity, fiche_id: str, *, today: dt.date | None = None) -> FichePage:
    """One fiche as ``who`` may see it, with its suggestion, timeline and the actions allowed now."""
    from engine.errors import TransitionNotAllowed
    from engine.lifecycle import lifecycle
    from engine.store import access, queries, suggestions
    from engine.store import events as ev

    today = today or dt.date.today()
    with ws.store.reading() as conn:
        stored = queries.get(conn, fiche_id.strip().upper())
        history = queries.history(conn, stored.id)
        asked = suggestions.current(conn, stored.id)
    declined = suggestions.declines_in(history)  # from the history read above, not a second replay
    fiche, personal = visible_fiche(stored.fiche, who)
    structures = ws.network.rules.structures
    last = next((e for e in reversed(history) if e["kind"] == ev.SUGGESTED), None)
    lead = None
    supporting: tuple[Proposal, ...] = ()
    uncovered: tuple[str, ...] = ()
    suggested_on = None
    if last is not None:
        suggestion = last["payload"].get("suggestion") or {}
        if suggestion.get("lead"):
            sid = suggestion["lead"]["structure"]
            lead = Proposal(sid, _name(structures, sid), (), tuple(suggestion["lead"].get("reasons") or ()))
        supporting = tuple(
            Proposal(s["structure"], _name(structures, s["structure"]), tuple(s["needs"]), tuple(s["reasons"]))
            for s in suggestion.get("supporting") or ()
        )
        uncovered = tuple(suggestion.get("uncovered_needs") or ())
        suggested_on = last["at"] if isinstance(last["at"], dt.date) else dt.date.fromisoformat(str(last["at"]))
    data = stored.fiche
    my_request = None
    if who.structure is not None:
        for (sid, role), _since in asked.items():
            if sid == who.structure and suggestions.is_open(role, sid, data["lead"], data["supporting"], data["stage"]):
                my_request = role
    timeline = tuple(
        TimelineEntry(
            at=e["at"] if isinstance(e["at"], dt.date) else dt.date.fromisoformat(str(e["at"])),
            kind=e["kind"],
            label=ev.kind_label(e["kind"]),
            by=e["by"],
            text=ev.describe(e["kind"], e["payload"], show_text=personal),
            version=int(e["version"]),
        )
        for e in history
    )
    on = access.on_fiche(data["lead"], data["supporting"], data["received_by"])
    can_write = who.is_coordinator or (who.structure is not None and who.structure in on)
    actions: list[Action] = []
    if can_write:
        machine = lifecycle()
        model = stored.model()  # validated once; each trigger is tried on its own copy
        for trigger in machine.allowed_triggers(data["stage"]):
            record = model.model_copy()
            asks: tuple[str, ...] = ()
            options: dict[str, Any] = {}
            if trigger == "install":
                asks = ("installed_on",)
                options["installed_on"] = record.installed_on or today
            if trigger == "start_follow_up":
                asks = ("follow_up_by",)
                options["follow_up_by"] = record.follow_up_by or data["lead"] or who.structure
            try:
                change = machine.fire(record, trigger, at=today, by=who.label(), **options)
            except TransitionNotAllowed as exc:
                actions.append(Action(trigger, None, False, str(exc), asks))
            else:
                actions.append(Action(trigger, change.to_stage, True, None, asks))
    declines = tuple(DeclineView(d.structure, d.role, d.at, d.reason if personal else None) for d in declined)
    if personal:
        _record_reads(ws, who, [stored.id], "fiche page")
    rules_version = (last["payload"].get("rules_version") if last is not None else None) or None
    in_force = ws.network.rules.version
    lead_now, differs = None, False
    if last is not None and rules_version != in_force:
        # the suggestion was made with other rules: would the rules in force decide differently?
        from engine.routing import suggest

        now = suggest(stored.model(), ws.compiled_rules)
        now_lead = now.lead.structure if now.lead else None
        now_supports = sorted(s.structure for s in now.supporting)
        was_lead = lead.structure if lead else None
        differs = now_lead != was_lead or now_supports != sorted(p.structure for p in supporting)
        if now_lead:
            lead_now = Proposal(now_lead, _name(structures, now_lead), (), tuple(now.lead.reasons) if now.lead else ())
    return FichePage(
        rules_version=rules_version,
        rules_in_force=in_force,
        lead_now=lead_now,
        decides_differently=differs,
        fiche=fiche,
        version=stored.version,
        orphan=stored.orphan,
        local_network=stored.local_network,
        commune_name=_commune_words(ws, data["commune"]),
        personal=personal,
        lead=lead,
        supporting=supporting,
        uncovered=uncovered,
        suggested_on=suggested_on,
        my_request=my_request,
        declines=declines,
        timeline=timeline,
        can_write=can_write,
        actions=tuple(actions),
        structures=tuple(sorted((sid, spec.name) for sid, spec in structures.items())),
    )


# --- the fiche page's actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """A change made from the fiche page: the fiche's version afterwards and what was recorded."""

    fiche: str
    version: int
    events: tuple[dict[str, Any], ...]


def move(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    trigger: str,
    *,
    expected_version: int | None,
    comment: str | None = None,
    installed_on: dt.date | None = None,
    follow_up_by: str | None = None,
    at: dt.date | None = None,
) -> Done:
    """Move the fiche to its next stage by ``trigger`` (guards explained when refused)."""
    from engine.store import repository

    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.move_fiche(
            conn,
            fiche_id,
            trigger,
            who=who,
            network=ws.network,
            at=at,
            comment=comment or None,
            installed_on=installed_on,
            follow_up_by=follow_up_by or None,
            expected_version=expected_version,
        )
        _record_change(ws, who, fiche_id, f"move: {trigger}", conn)
    return Done(change.fiche, change.version, tuple(change.events))


def note(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    text: str,
    *,
    expected_version: int | None,
    channel: str | None = None,
    at: dt.date | None = None,
) -> Done:
    """A note, or a contact with the porteur (``channel``: phone, email, meeting…)."""
    from engine.store import repository

    kind = "contact" if channel else "note"
    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.note_fiche(
            conn, fiche_id, text, who=who, kind=kind, channel=channel or None, at=at, expected_version=expected_version
        )
        _record_change(ws, who, fiche_id, kind, conn)
    return Done(change.fiche, change.version, tuple(change.events))


def consent(
    ws: Workspace, who: Identity, fiche_id: str, value: bool, *, expected_version: int | None, at: dt.date | None = None
) -> Done:
    """The porteur agrees (or no longer agrees) to share the fiche with the whole network."""
    from engine.store import repository

    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.set_consent(conn, fiche_id, value, who=who, expected_version=expected_version, at=at)
        _record_change(ws, who, fiche_id, "consent", conn)
    return Done(change.fiche, change.version, tuple(change.events))


def edit_commune(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    commune: str,
    *,
    expected_version: int | None,
    comment: str | None = None,
    at: dt.date | None = None,
) -> Done:
    """The project moved to another commune: recorded, and a fresh suggestion for where it is now."""
    from engine.store import queries, repository
    from engine.store.repository import record_suggestion, server_now

    try:
        code = _resolve_commune(ws, commune)
    except ValueError as exc:
        raise FormErrors(problems=[Problem("commune", 0, 0, str(exc))]) from None
    with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
        change = repository.change_commune(
            conn, fiche_id, code, who=who, network=ws.network, at=at, comment=comment or None,
            expected_version=expected_version,
        )  # fmt: skip
        stored = queries.get(conn, fiche_id)
        found = _suggester(ws)(stored.model(), queries.caseload(conn)).to_dict()
        payload = record_suggestion(
            conn,
            fiche_id,
            change.version,
            found,
            at=at or dt.date.today(),
            by=who.label(),
            now=server_now(conn),
            who=who,
        )
        _set_orphan(conn, fiche_id, bool(payload["orphan"]))
        _record_change(ws, who, fiche_id, "commune", conn)
    return Done(change.fiche, change.version, (*change.events, {"kind": "suggested", "payload": payload}))


_EDIT_OPTION_FIELD = {
    "--commune": "commune",
    "--naf": "activity",
    "--nature": "nature",
    "--kind": "kind",
    "--needs": "needs",
    "--publics": "publics",
    "--employees": "employees",
    "--summary": "summary",
    "--name": "name",
    "--email": "email",
    "--phone": "phone",
    "--farm-link": "farm_link",
    "--artisan-registered": "artisan_registered",
}


def _edit_problem(problem: Problem) -> Problem:
    """A problem of ``edit_fiche`` (named by its ``fiche edit`` option) under the form's field; a check
    across fields (``fiche edit``) under the field its message names (farm link, registration)."""
    name = _EDIT_OPTION_FIELD.get(problem.source)
    if name is None:
        name = next((f for f in ("artisan_registered", "farm_link") if f in problem.message), "form")
    return Problem(name, 0, 0, problem.message)


def edit(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    form: FicheForm,
    *,
    expected_version: int | None,
    comment: str | None = None,
    at: dt.date | None = None,
) -> Done:
    """Any field edited from the fiche page's form: only what differs is changed (old → new kept in the
    history), then a fresh suggestion is recorded (:func:`engine.store.repository.edit_fiche`)."""
    from engine.store import queries, repository

    today = at or dt.date.today()
    data, problems = _parse_form(ws, form, who, today)
    if problems:
        raise FormErrors(problems=problems)
    with ws.store.reading() as conn:
        current = queries.get(conn, fiche_id).fiche
    wanted: dict[str, Any] = {
        "commune": data.get("commune"),
        "naf": data.get("naf"),
        "nature": data.get("nature") or (current["nature"] if data.get("naf") == current["naf"] else None),
        "kind": data.get("kind"),
        "needs": data["needs"],
        "publics": data["publics"],
        "employees": data.get("employees"),
        "summary": data["summary"],
        "porteur.name": data["porteur"]["name"],
        "porteur.email": data["porteur"]["email"],
        "porteur.phone": data["porteur"]["phone"],
        "farm_link": data.get("farm_link"),
    }
    if form.artisan_registered is not None:  # None: the box left as the page showed it
        wanted["artisan_registered"] = form.artisan_registered
    changes = {}
    for name, value in wanted.items():
        old = (
            (current.get("porteur") or {}).get(name.split(".", 1)[1])
            if name.startswith("porteur.")
            else current.get(name)
        )
        if name in ("commune", "kind") and value is None:
            continue  # required fields left empty keep their value
        if name == "nature" and value is None:
            continue  # derived again from the activity by the store
        if name == "artisan_registered":
            if old is not value:
                changes[name] = value
        elif (old or None) != (value or None) and not (isinstance(old, list) and list(old) == list(value or [])):
            changes[name] = value
    if not changes:
        raise FormErrors(problems=[Problem("form", 0, 0, _("nothing to change: the form holds the fiche's values"))])
    try:
        with _reporting_conflicts(ws, fiche_id, expected_version), ws.store.transaction(fiche_id) as conn:
            change = repository.edit_fiche(
                conn, fiche_id, changes, who=who, network=ws.network, suggester=_suggester(ws), at=at,
                comment=comment or None, expected_version=expected_version,
            )  # fmt: skip
            _record_change(ws, who, fiche_id, "edit: " + ", ".join(sorted(changes)), conn)
    except InputError as exc:
        if isinstance(exc, (FormErrors, ChangedMeanwhile)) or not exc.problems:
            raise
        raise FormErrors(problems=[_edit_problem(p) for p in exc.problems]) from None
    return Done(change.fiche, change.version, tuple(change.events))


def _set_orphan(conn: Any, fiche_id: str, orphan: bool) -> None:
    from sqlalchemy import update

    from engine.store.schema import fiches

    conn.execute(update(fiches).where(fiches.c.id == fiche_id).values(orphan=orphan))


def _record_reads(ws: Workspace, who: Identity, fiche_ids: Sequence[str], where: str) -> None:
    """The access log: ``who`` was shown the personal data of these fiches (on the page ``where``)."""
    from engine.app import audit

    if fiche_ids:
        audit.record_reads(ws, who, fiche_ids, where)


def _record_change(ws: Workspace, who: Identity, fiche_id: str, what: str, conn: Any) -> None:
    """The access log: ``who`` changed the fiche (in the change's own transaction)."""
    from engine.app import audit

    audit.record_change(ws, who, [fiche_id], what, conn=conn)
