"""``capactif demo``: the main job, start to finish, on a fresh embedded store, as a network's year.

A new SQLite file (``<data dir>/demo.sqlite``, replaced on every run) receives the synthetic fiches
of :mod:`engine.sample`: the demo's **year** (365 days up to ``end``, ``--fiches`` of them) and the
six months before it (half as many), whose projects carry on into the year as real ones do.  Each day
is replayed in order, as the network's structures would record it:

* the porteur is **met** (a contact: the first meeting) by the structure that received them, most
  within the charter's 15 days;
* about four in ten get a **référent**: the structure suggested answers "Prendre en charge" (and the
  supporting structures suggested take their part), then the project moves on over **months** —
  study, financing (sometimes refused), installation; about one installation in five is followed
  after creation, and follow-up records whether the activity is still going a year on;
* the others close after the first welcome (abandoned, redirected outside the network) or pause;
* on about half of the projects with a référent a supporting structure **acts** (a contact): the
  network effect;
* the technicians keep the projects alive with contacts between the steps;
* twenty **activity offers** are published in the year; porteurs get in touch (contacts on their
  fiches, and one-off enquiries through the public exchange), and three take over an offer's business.

The proportions are those of the network's 2004 report (:data:`BILAN_2004`); the demo prints the
year's report beside it, the committee's alerts, and the commands to look further (with ``--db``).
``tests/test_demo_year.py`` holds the demo's report within 15 % of each 2004 proportion.

The demo never touches the network's store: it writes to ``--db`` when given (not ``$CAPACTIF_DB``)
or to its own file.
"""

from __future__ import annotations

import datetime as dt
import random
import shlex
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import paths
from engine.alerts.runner import AlertRun
from engine.app.workspace import Workspace
from engine.identity import Identity
from engine.routing.compile import CompiledRules
from engine.routing.suggest import Suggestion
from engine.store import access, db, queries, repository
from engine.store.verify import verify
from engine.vocabulary import ACTIVE_STAGES

DEMO_FILE = "demo.sqlite"
NEWEST = 5

#: The network's 2004 report (the seed's "Bilan de l'année 2004"): what the demo's year looks like.
BILAN_2004: dict[str, int] = {
    "projects_met": 540,
    "with_referent": 220,
    "network_effect": 115,
    "installed": 88,
    "installed_with_follow_up": 17,
    "offers_published": 20,
    "offer_contacts": 85,
    "installed_via_offer": 3,
}
#: The six months before the year: their projects carry on into it (installations, follow-ups).
LEAD_IN_DAYS = 183
#: For 540 projects met: offers published in the year, contacts recorded on fiches, one-off enquiries
#: through the public exchange, installations through an offer (scaled to ``--fiches``).
OFFERS, FICHE_CONTACTS, ENQUIRIES, OFFER_INSTALLS = 20, 62, 23, 3


@dataclass(order=True)
class _Action:
    """One thing that happens to one fiche on one day of the replayed year."""

    day: dt.date
    order: int
    step: int
    fiche: int = field(compare=False)
    what: str = field(compare=False)
    options: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class DemoResult:
    """What the demo did and what it shows."""

    store: str
    seed: int
    period: tuple[dt.date, dt.date]
    fiches: int
    events: int
    stages: dict[str, int]
    caseload: dict[str, int]
    orphans: list[str]
    no_lead: int
    verified: bool
    newest: list[Suggestion]
    rules: CompiledRules
    alerts: AlertRun | None = None
    #: Fiches received in the six months before the year.
    fiches_before: int = 0
    #: The year's report (:func:`engine.report.build_report`): the figures of docs/report.md.
    report: dict[str, Any] = field(default_factory=dict)
    #: Commands to look further, ready to paste (the ``capactif`` that ran the demo, ``--db``).
    next_commands: list[str] = field(default_factory=list)
    #: Fiches in an active stage on the last day (what the alerts are counted against).
    active: int = 0
    #: The command listing every alert of :attr:`alerts` (the summary's last line), ready to paste.
    alerts_every: str | None = None

    def to_dict(self) -> dict[str, Any]:
        figures = {k: self.report.get(k) for k in BILAN_2004} if self.report else {}
        return {
            "store": self.store,
            "seed": self.seed,
            "period": [self.period[0].isoformat(), self.period[1].isoformat()],
            "fiches": self.fiches,
            "fiches_before": self.fiches_before,
            "events": self.events,
            "stages": self.stages,
            "caseload": self.caseload,
            "orphans": self.orphans,
            "no_lead": self.no_lead,
            "verified": self.verified,
            "newest_suggestions": [s.to_dict() for s in self.newest],
            "report": {**figures, "ratios": self.report.get("ratios"), "median_days": self.report.get("median_days")}
            if self.report
            else None,
            "bilan_2004": BILAN_2004,
            "alerts": self.alerts.to_dict() if self.alerts is not None else None,
            "active": self.active,
            "next_commands": self.next_commands,
        }


def demo_path() -> Path:
    """Where the demo's store lives: ``<data dir>/demo.sqlite``."""
    return paths.data_dir() / DEMO_FILE


def fresh_store(db_url: str | None) -> db.Store:
    """A new demo store: the demo file deleted and created again, or the given (empty) database."""
    if db_url is None:
        path = demo_path()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = str(path)
    store = db.open_store(db_url, check=False)
    db.upgrade(store)
    return store


def invoked_as(argv0: str | None = None) -> str:
    """How to run this environment's ``capactif`` from a shell: ``capactif`` when that is what the PATH
    finds, else the script's absolute path, else ``python -m cli`` with this interpreter.

    ``argv0`` is ``sys.argv[0]`` of the process (the script that was run, when it was ``capactif``).
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    ran = Path(argv0)
    script = ran if ran.stem == "capactif" and ran.is_file() else Path(sys.executable).parent / "capactif"
    if script.is_file():
        found = shutil.which("capactif")
        if found and Path(found).resolve() == script.resolve():
            return "capactif"
        return shlex.quote(str(script.resolve()))
    return f"{shlex.quote(sys.executable)} -m cli"


def next_commands(program: str, store: str, period: tuple[dt.date, dt.date], fiche: str | None) -> list[str]:
    """The commands the demo's closing lines print: each runs as printed, on the demo's store."""
    where = f"--db {shlex.quote(store)}"
    year = f"--from {period[0].isoformat()} --to {period[1].isoformat()}"
    out = [
        f"{program} report {year} {where}",
        f"{program} charter check {year} --as-of {period[1].isoformat()} --as committee {where}",
        f"{program} alerts --as committee {where}",
        f"{program} fiche list --as coordinator {where}",
    ]
    if fiche:
        out.append(f"{program} fiche show {fiche} --as coordinator {where}")
    return out


def run_demo(
    ws: Workspace,
    db_url: str | None = None,
    *,
    fiches: int = 540,
    seed: int = 2026,
    end: dt.date | None = None,
    program: str = "capactif",
) -> DemoResult:
    """Replay a synthetic year (and the six months before it) on a fresh store and summarise it (one
    transaction: all or nothing).

    ``db_url`` is ``--db`` only: without it the demo's own file, never the configured store.
    ``program``: how the printed commands call capactif (:func:`invoked_as`).
    """
    from engine import sample
    from engine.report import Period, build_report
    from engine.routing import suggest

    end = end or dt.date.today()
    start = end - dt.timedelta(days=364)
    net = ws.network
    compiled = ws.compiled_rules
    year = sample.generate(net, fiches, seed=seed, end=end, returning=0.03)
    before_count = round(fiches * LEAD_IN_DAYS / 365)
    before = sample.generate(
        net, before_count, seed=seed + 7, end=start - dt.timedelta(days=1), days=LEAD_IN_DAYS, returning=0.03
    )
    items = sorted([*before, *year], key=lambda f: f.received)
    rng = random.Random(seed + 1)
    scale = fiches / BILAN_2004["projects_met"]
    offers = _offers(net, rng, start, round(OFFERS * scale))
    items = _answer_offers(items, offers, rng, min(OFFER_INSTALLS, round(OFFER_INSTALLS * scale)))
    store = fresh_store(db_url)
    try:
        with store.transaction() as conn:
            published = _publish(conn, net, offers)
            contacts = _offer_contacts(
                items, published, rng, end, round(FICHE_CONTACTS * scale), round(ENQUIRIES * scale)
            )
            plan = _plan(items, rng, end) + contacts
            _replay(conn, net, items, sorted(plan), compiled, end, random.Random(seed + 2))
            verification = verify(conn)
            stored = queries.list_fiches(conn)
            load = queries.caseload(conn)
            newest = sorted(stored, key=lambda s: (s.fiche["received"], s.id))[-NEWEST:]
            suggestions = [suggest(s.model(), compiled, load) for s in newest]
            alerts = committee_alerts(conn, ws, end)
        figures = build_report(store, net, Period(start, end))
    finally:
        store.dispose()
    shown = db.display(store.url)
    return DemoResult(
        store=shown,
        seed=seed,
        period=(start, end),
        fiches=len(year),
        fiches_before=len(before),
        events=verification.events,
        stages=dict(sorted(Counter(s.fiche["stage"] for s in stored).items())),
        caseload=load,
        orphans=[s.id for s in stored if s.orphan],
        no_lead=sum(1 for s in stored if not s.fiche["lead"]),
        verified=not verification.differences,
        newest=suggestions,
        rules=compiled,
        alerts=alerts,
        report=figures,
        next_commands=next_commands(
            program, _store_argument(store.url), (start, end), newest[-1].id if newest else None
        ),
        active=sum(1 for s in stored if s.fiche["stage"] in ACTIVE_STAGES),
        alerts_every=f"{program} alerts --all --as-of {end.isoformat()} --as committee "
        f"--db {shlex.quote(_store_argument(store.url))}",
    )


def _store_argument(url: str) -> str:
    """The store as ``--db`` takes it: a SQLite file as its path, anything else as its URL (no password)."""
    from sqlalchemy.engine import make_url

    made = make_url(url)
    if made.get_backend_name() == "sqlite" and made.database:
        return made.database
    return db.display(url)


def committee_alerts(conn: Any, ws: Workspace, today: dt.date) -> AlertRun:
    """The committee's alerts on the demo's last day (the workspace's charter, as the committee)."""
    from engine.alerts.runner import alerts_at

    return alerts_at(conn, ws.network, ws.charter, today, who=Identity.committee(), rules=ws.compiled_rules)


# --- each fiche's journey ------------------------------------------------------------------------

#: Share of fiches whose porteur gets a référent (2004: 220 porteurs of 540 projects).
P_REFERENT = 0.42
#: Of the projects with a référent, those on which a supporting structure acts (when there is one).
P_SUPPORT_ACTS = 0.78
#: What becomes of a project with a référent: installed, abandoned, redirected; the rest carries on.
P_INSTALL, P_ABANDON, P_REDIRECT = 0.54, 0.1, 0.04
#: Of the installations, those followed after creation (2004: 17 of 88).
P_FOLLOW_UP = 0.21
#: What becomes of a porteur without a référent, after the first welcome.
_WITHOUT_REFERENT = (("abandon", 0.62), ("redirect", 0.33), ("hold", 0.05))
_CHANNELS = ("phone", "email", "meeting", "visit")


class _Quota:
    """True for a share ``p`` of the calls, spread evenly (a golden-ratio sequence from a seeded start).

    The demo's proportions must hold on any seed and any number of fiches: independent draws would
    wander by a few points on a few hundred fiches; this keeps each within a fiche or two of its share.
    """

    def __init__(self, p: float, rng: random.Random) -> None:
        self.p, self.x = p, rng.random()

    def __call__(self) -> bool:
        self.x = (self.x + 0.6180339887498949) % 1.0
        return self.x < self.p


class _Quotas:
    """One :class:`_Quota` per decision and group of fiches (made on first use, from the plan's generator).

    A decision's share holds within each group: the year's creations and takeovers, its developments,
    the projects of the months before or after it — not only over all of them together.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.quotas: dict[str, _Quota] = {}

    def __call__(self, name: str, p: float) -> bool:
        quota = self.quotas.get(name)
        if quota is None:
            quota = self.quotas[name] = _Quota(p, self.rng)
        return quota()


def _plan(items: list[Any], rng: random.Random, end: dt.date) -> list[_Action]:
    """Each fiche's journey through the year: dates drawn the way projects really move (months)."""
    actions: list[_Action] = []
    quotas = _Quotas(rng)
    start = end - dt.timedelta(days=364)
    for index, item in enumerate(items):
        steps = _journey(item, rng, (start, end), quotas)
        actions += [_Action(day, order, n, index, what, options) for n, (day, order, what, options) in enumerate(steps)]
    return [a for a in actions if a.day <= end]


def _journey(
    item: Any, rng: random.Random, year: tuple[dt.date, dt.date], q: _Quotas
) -> list[tuple[dt.date, int, str, dict[str, Any]]]:
    """One fiche's steps: (day, order within the day, what, options).  Quotas decide the shares; the
    installations of the demo's ``year`` and the others draw from separate quotas, so the year holds its share."""
    end = year[1]
    day = item.received
    out: list[tuple[dt.date, int, str, dict[str, Any]]] = [(day, 0, "add", {})]
    late = rng.random() < 0.1
    met = day + dt.timedelta(days=rng.randrange(15, 35) if late else rng.randrange(0, 12))
    out.append((met, 1, "meet", {"channel": "meeting"}))
    if not (q("referent", P_REFERENT) or item.offer):
        trigger = _pick(rng, _WITHOUT_REFERENT)
        lingers = rng.random() < 0.04
        closed = day + dt.timedelta(days=rng.randrange(30, 70) if lingers else rng.randrange(4, 20))
        out.append((max(closed, met + dt.timedelta(days=1)), 2, "close", {"trigger": trigger}))
        if trigger == "hold":  # a paused project: the structure that met the porteur calls now and then
            _keep_in_touch(out, rng, closed, end, every=(80, 140), what="call")
        return out
    day = max(met, day + dt.timedelta(days=rng.randrange(2, 20)))
    out.append((day, 2, "take", {}))
    out.append((day + dt.timedelta(days=rng.randrange(0, 8)), 3, "supports", {}))
    if q("acts", P_SUPPORT_ACTS):
        out.append((day + dt.timedelta(days=rng.randrange(15, 120)), 4, "act", {}))
    moves = _moves(item, rng, day, q, year)
    last = day
    for when, trigger in moves:
        last = _keep_in_touch(out, rng, last, when)
        out.append((when, 5, "move", {"trigger": trigger}))
        last = when
        if trigger != "install":
            continue
        if not q(f"follow_up/{_group(item, when, year)}", P_FOLLOW_UP):
            if rng.random() < 0.6:  # news of the activity a few months on, without a formal follow-up
                out.append((when + dt.timedelta(days=rng.randrange(90, 140)), 4, "touch", {"channel": "phone"}))
            continue
        out.append((when + dt.timedelta(days=rng.randrange(7, 30)), 5, "move", {"trigger": "start_follow_up"}))
        for years in (1, 2, 3):
            check = when + dt.timedelta(days=365 * years + rng.randrange(0, 30))
            status = "ceased" if rng.random() < 0.12 else "active"
            out.append((check, 6, "check", {"activity": status}))
            if status == "ceased":
                break
    if moves and moves[-1][1] in ("install", "abandon", "redirect"):
        return out
    _keep_in_touch(out, rng, last, end)
    return out


def _group(item: Any, day: dt.date, year: tuple[dt.date, dt.date]) -> str:
    """The quota group of a project's step: developments apart, and the demo's year apart from the months around."""
    kind = "development" if item.kind == "development" else "activity"
    return f"{kind}/{'year' if year[0] <= day <= year[1] else 'other'}"


def _moves(
    item: Any, rng: random.Random, day: dt.date, q: _Quotas, year: tuple[dt.date, dt.date]
) -> list[tuple[dt.date, str]]:
    """The stage changes of a project with a référent: months of study, often financing, then its outcome.

    The dates are drawn first; whether the project installs is then a quota among the projects whose
    installation would fall in the demo's ``year`` (and another among the others), so the year's installations
    are the share they should be, whatever the dates drawn.
    """
    out: list[tuple[dt.date, str]] = []
    if item.offer:  # a porteur taking over an offer's business: a short, sure path
        out.append((day := day + dt.timedelta(days=rng.randrange(7, 20)), "start_study"))
        out.append((day := day + dt.timedelta(days=rng.randrange(40, 70)), "seek_financing"))
        out.append((day + dt.timedelta(days=rng.randrange(30, 60)), "install"))
        return out
    if rng.random() < P_REDIRECT:
        out.append((day + dt.timedelta(days=rng.randrange(20, 90)), "redirect"))
        return out
    study = day + dt.timedelta(days=rng.randrange(10, 50))
    studied = study + dt.timedelta(days=rng.randrange(40, 150))
    path: list[tuple[dt.date, str]] = [(study, "start_study")]
    installed = studied
    if rng.random() < 0.7:  # most projects need financing; some are refused once and rework their plan
        path.append((studied, "seek_financing"))
        installed = studied + dt.timedelta(days=rng.randrange(30, 100))
        if rng.random() < 0.15:
            path.append((installed, "refuse_financing"))
            path.append((installed := installed + dt.timedelta(days=rng.randrange(30, 60)), "seek_financing"))
            installed += dt.timedelta(days=rng.randrange(20, 60))
    if q(f"install/{_group(item, installed, year)}", P_INSTALL):
        return [*path, (installed, "install")]
    if rng.random() < P_ABANDON / (1 - P_INSTALL):
        return [(study, "start_study"), (studied, "abandon")]
    return path[:2]  # carries on: still studying, or seeking financing


def _keep_in_touch(
    out: list[Any],
    rng: random.Random,
    since: dt.date,
    until: dt.date,
    *,
    every: tuple[int, int] = (25, 50),
    what: str = "touch",
) -> dt.date:
    """Contacts between two steps further apart than ``every`` allows, as a référent keeps in touch (most of
    the time); ``what``: ``touch`` by the référent, ``call`` by the structure that met the porteur."""
    day = since
    while (until - day).days > every[1]:
        day += dt.timedelta(days=rng.randrange(*every))
        if rng.random() < 0.9:
            out.append((day, 4, what, {"channel": rng.choice(_CHANNELS)}))
    return day


def _pick(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random()
    for value, p in weights:
        if draw < p:
            return value
        draw -= p
    return weights[-1][0]


# --- offers ---------------------------------------------------------------------------------------

_OFFER_TITLES = (
    ("takeover", "Boulangerie-pâtisserie à reprendre", "10.71C"),
    ("takeover", "Épicerie de village à reprendre", "47.11B"),
    ("sought", "La commune cherche un médecin généraliste", "86.21Z"),
    ("takeover", "Garage automobile à céder", "45.20A"),
    ("takeover", "Salon de coiffure à reprendre", "96.02A"),
    ("sought", "Multiple rural : la commune cherche un gérant", "47.11C"),
    ("takeover", "Menuiserie à transmettre", "16.23Z"),
    ("sought", "Local commercial pour un restaurant", "56.10A"),
    ("takeover", "Exploitation caprine à reprendre", "01.45Z"),
    ("takeover", "Hôtel-restaurant à céder", "55.10Z"),
)


@dataclass(frozen=True)
class _Offer:
    """An offer to publish in the demo's year."""

    kind: str
    title: str
    naf: str
    commune: str
    published_on: dt.date
    published_by: str | None


def _offers(net: Any, rng: random.Random, start: dt.date, count: int) -> list[_Offer]:
    """``count`` offers over the year's first eleven months, published by the Parc and the communautés."""
    communes = sorted(net.territory.communes.values(), key=lambda c: c.insee)
    weights = [max(c.population, 1) for c in communes]
    publishers = sorted(s for s in net.structure_ids if s == "parc" or s.startswith("cc-"))
    out = []
    for n in range(count):
        kind, title, naf = _OFFER_TITLES[n % len(_OFFER_TITLES)]
        commune = rng.choices(communes, weights)[0]
        day = start + dt.timedelta(days=rng.randrange(0, 330))
        out.append(_Offer(kind, title, naf, commune.insee, day, rng.choice(publishers) if publishers else None))
    return sorted(out, key=lambda o: o.published_on)


def _answer_offers(items: list[Any], offers: list[_Offer], rng: random.Random, count: int) -> list[Any]:
    """A porteur met soon after each of the first ``count`` offers takes it over: their fiche is linked to it."""
    out = list(items)
    taken: set[int] = set()
    for number, offer in enumerate(offers[:count], start=1):
        fits = [
            i
            for i, f in enumerate(out)
            if i not in taken
            and offer.published_on + dt.timedelta(days=5) <= f.received <= offer.published_on + dt.timedelta(days=45)
        ]
        if not fits:
            continue
        index = rng.choice(fits)
        taken.add(index)
        kind = "takeover" if offer.kind == "takeover" else "creation"
        out[index] = out[index].model_copy(update={"offer": _offer_id(offer, number, offers), "kind": kind})
    return out


def _offer_id(offer: _Offer, number: int, offers: list[_Offer]) -> str:
    """The id the store will give the offer: numbered by publication year, in publication order."""
    rank = sum(1 for o in offers[:number] if o.published_on.year == offer.published_on.year)
    return f"O-{offer.published_on.year:04d}-{rank:04d}"


def _publish(conn: Any, net: Any, offers: list[_Offer]) -> list[Any]:
    from engine.offers import repository as offers_repo

    coordinator = access.Viewer(access.COORDINATOR)
    return [
        offers_repo.add_offer(
            conn,
            net,
            coordinator,
            kind=o.kind,
            title=o.title,
            commune=o.commune,
            published_on=o.published_on,
            published_in="Villages Magazine",
            naf=o.naf,
            published_by=o.published_by,
        )
        for o in offers
    ]


def _offer_contacts(
    items: list[Any], offers: list[Any], rng: random.Random, end: dt.date, on_fiches: int, enquiries: int
) -> list[_Action]:
    """Porteurs who get in touch about the year's offers: ``on_fiches`` contacts recorded on their fiche (those
    linked to an offer first), ``enquiries`` one-off messages through the public exchange."""
    if not offers:
        return []
    actions = []
    linked = {f.offer: i for i, f in enumerate(items) if f.offer}
    pairs: set[tuple[str, int]] = set()
    for offer_id, index in linked.items():
        actions.append(_Action(items[index].received, 1, 9, index, "offer_contact", {"offer": offer_id}))
        pairs.add((offer_id, index))
    for _attempt in range(on_fiches * 20):
        if len(pairs) >= on_fiches:
            break
        offer = rng.choice(offers)
        day = offer.published_on + dt.timedelta(days=rng.randrange(3, 60))
        candidates = [i for i, f in enumerate(items) if day - dt.timedelta(days=90) <= f.received <= day]
        if day > end or not candidates:
            continue
        index = rng.choice(candidates)
        if (offer.id, index) in pairs:
            continue
        pairs.add((offer.id, index))
        actions.append(_Action(day, 7, 9, index, "offer_contact", {"offer": offer.id}))
    for n in range(enquiries):
        offer = rng.choice(offers)
        day = min(end, offer.published_on + dt.timedelta(days=rng.randrange(1, 45)))
        actions.append(_Action(day, 8, 9, -1, "enquiry", {"offer": offer.id, "n": n}))
    return actions


# --- replaying the plan ---------------------------------------------------------------------------


def _replay(
    conn: Any, net: Any, items: list[Any], plan: list[_Action], compiled: Any, end: dt.date, rng: random.Random
) -> None:
    from engine.app.fiches import suggester as fiches_suggester
    from engine.errors import InputError, TransitionNotAllowed
    from engine.offers import repository as offers_repo
    from engine.offers import requests as offer_requests
    from engine.store import suggestions

    coordinator = access.Viewer(access.COORDINATOR)
    ids: dict[int, str] = {}
    suggester = fiches_suggester(compiled)

    for action in plan:
        if action.what == "enquiry":
            n = action.options["n"]
            offer_requests.add_request(
                conn, action.options["offer"], name="Visiteur du site", email=f"visiteur{n}@example.org", phone=None,
                message="Bonjour, cette offre m'intéresse : est-elle toujours disponible ?", consent=True,
                sender=f"demo-{n}", now=dt.datetime.combine(action.day, dt.time(10), dt.UTC),
            )  # fmt: skip
            continue
        item = items[action.fiche]
        if action.what == "add":
            who = access.Viewer(item.received_by) if item.received_by else coordinator
            (change,) = repository.add_fiches(conn, [item], who=who, network=net, suggester=suggester, at=action.day)
            ids[action.fiche] = change.fiche
            continue
        fiche_id = ids[action.fiche]
        current = queries.get(conn, fiche_id)
        lead = current.fiche["lead"]
        try:
            if action.what == "meet":
                by = item.received_by or access.COORDINATOR
                _contact(conn, fiche_id, "premier rendez-vous", by, action, end)
            elif action.what == "offer_contact":
                offers_repo.add_contact(conn, coordinator, action.options["offer"], fiche_id, action.day, today=end)
            elif action.what == "close":
                if not lead:
                    repository.move_fiche(
                        conn, fiche_id, action.options["trigger"], who=coordinator, network=net, at=action.day,
                        by=item.received_by or access.COORDINATOR, today=end,
                    )  # fmt: skip
            elif action.what == "take":
                asked = suggestions.current(conn, fiche_id)
                leads = [s for s, role in asked if role == "lead"]
                if leads and not lead:
                    repository.answer_suggestion(
                        conn, fiche_id, "take", who=access.Viewer(leads[0]), suggester=suggester, at=action.day
                    )
            elif action.what == "supports":
                for structure, role in suggestions.current(conn, fiche_id):
                    if role == "support" and rng.random() < 0.97:
                        repository.answer_suggestion(
                            conn, fiche_id, "take", who=access.Viewer(structure), suggester=suggester, at=action.day
                        )
            elif action.what == "call":
                if not lead and current.fiche["stage"] == "on_hold":
                    _contact(
                        conn, fiche_id, "nouvelles du porteur", item.received_by or access.COORDINATOR, action, end
                    )
            elif not lead:
                continue  # never taken in charge: its journey stops at the first welcome
            elif action.what == "act":
                others = [s for s in current.fiche["supporting"] if s != lead]
                if others:
                    _contact(conn, fiche_id, "rendez-vous avec le porteur", others[0], action, end)
            elif action.what == "touch":
                _contact(conn, fiche_id, "point d'étape avec le porteur", lead, action, end)
            elif action.what == "check":
                if current.fiche["stage"] in ("follow_up", "developed"):
                    by = current.fiche["follow_up_by"] or lead
                    _contact(conn, fiche_id, "visite de suivi", by, action, end, activity=action.options["activity"])
            else:
                trigger = action.options["trigger"]
                installed_on = action.day if trigger == "install" else None
                repository.move_fiche(
                    conn, fiche_id, trigger, who=coordinator, network=net, at=action.day, by=lead, today=end,
                    installed_on=installed_on,
                )  # fmt: skip
        except (TransitionNotAllowed, InputError):
            continue  # the journey was drawn without the guards; a refused step is simply skipped


def _contact(
    conn: Any, fiche_id: str, text: str, by: str, action: _Action, end: dt.date, *, activity: str | None = None
) -> None:
    repository.note_fiche(
        conn, fiche_id, text, who=access.Viewer(access.COORDINATOR), kind="contact",
        channel=action.options.get("channel", "visit"), at=action.day, by=by, today=end, activity=activity,
    )  # fmt: skip
