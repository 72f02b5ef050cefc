"""``capactif charter check``: for each commitment, the share of fiches for which it was kept.

Each commitment is judged on the fiches it concerns in the period, from their events as known on
``as_of``:

* ``first_meeting`` and ``referent``: fiches received in the period; kept when a contact (or a lead)
  is dated within ``days`` of reception; *pending* while the delay runs; *not applicable* when the
  fiche was closed (abandoned, redirected) before the delay ended without it;
* ``reception_junction``: fiches received in the period by a structure of first reception (a
  communauté de communes, the Parc: they receive porteurs and never lead); kept when the référent
  takes the fiche in charge (:meth:`StoredFiche.referent_accepted_on`) within ``days`` of reception;
* ``follow_up_offered``: fiches installed in the period; kept when ``follow_up`` is reached within
  ``days`` of the installation date; pending and not applicable likewise;
* ``news``: fiches in an active stage at some time in the period; broken when, within the period
  (and before ``as_of``), the fiche stayed longer than its stage's delay without any event.

"Within N days" counts day N.  The share is kept / (kept + broken); pending fiches are listed in
the counts but not in the share.  A broken commitment is attributed to the local network of the
fiche's commune on the due date and to the structure responsible then: the lead, else the
structure that received the porteur.  Porteurs' names follow the store's rule
(:func:`engine.store.access.sees_personal_data`): the committee never sees them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.charter.model import Charter, Commitment
from engine.i18n import _, ngettext
from engine.readmodel import StoredFiche, network_of
from engine.report.indicators import Period
from engine.store import events as ev
from engine.vocabulary import ACTIVE_STAGES

KEPT, BROKEN, PENDING, NOT_APPLICABLE = "kept", "broken", "pending", "not_applicable"
_CLOSED_EARLY = ("abandoned", "redirected")


@dataclass(frozen=True)
class Outcome:
    """How one fiche did on one commitment."""

    fiche: str
    status: str
    due: dt.date | None
    network: str | None
    structure: str | None
    detail: str = ""
    porteur: str | None = None


def _late(done: dt.date | None, start: dt.date, as_of: dt.date) -> str:
    """What broke a delay: 'after 40 days', or 'none by 2026-01-31' when it never happened."""
    if done is not None:
        return ngettext("after {n} day", "after {n} days", (done - start).days).format(n=(done - start).days)
    return _("none by {date}").format(date=as_of.isoformat())


def _closed_by(t: StoredFiche, day: dt.date) -> bool:
    return any(t.reached(stage, day) is not None for stage in _CLOSED_EARLY)


def _responsible(t: StoredFiche, day: dt.date) -> str | None:
    leads = t.leads(day)
    return leads[-1][1] if leads else t.received_by


def _deadline(t: StoredFiche, start: dt.date, done: dt.date | None, days: int, as_of: dt.date) -> tuple[str, dt.date]:
    due = start + dt.timedelta(days=days)
    if done is not None and done <= due:
        return KEPT, due
    if as_of <= due:
        return PENDING, due
    if _closed_by(t, due):
        return NOT_APPLICABLE, due
    return BROKEN, due


def judge(
    t: StoredFiche,
    c: Commitment,
    period: Period,
    as_of: dt.date,
    territory: Any,
    viewer: Any,
    first_reception: frozenset[str] = frozenset(),
) -> Outcome | None:
    """The outcome of one fiche on one commitment, or None when the commitment does not concern it.

    ``first_reception``: the structures of first reception (communautés de communes, the Parc).
    """
    end = min(period.end, as_of)
    detail = ""
    if c.id == "reception_junction":
        if t.received_by not in first_reception or t.received not in period or t.received > as_of:
            return None
        done = t.referent_accepted_on(as_of)
        status, due = _deadline(t, t.received, done, c.days or 0, as_of)
        if status == BROKEN:
            detail = _late(done, t.received, as_of)
    elif c.id in ("first_meeting", "referent"):
        if t.received not in period or t.received > as_of:
            return None
        if c.id == "first_meeting":
            contacts = [e.at for e in t.until(as_of) if e.kind == ev.CONTACT and e.at >= t.received]
            done = min(contacts) if contacts else None
        else:
            done = t.first_lead_on(as_of)
        status, due = _deadline(t, t.received, done, c.days or 0, as_of)
        if status == BROKEN:
            detail = _late(done, t.received, as_of)
    elif c.id == "follow_up_offered":
        installed = t.installed_on(as_of)
        if installed is None or installed not in period:
            return None
        status, due = _deadline(t, installed, t.reached("follow_up", as_of), c.days or 0, as_of)
        if status == BROKEN:
            done = t.reached("follow_up", as_of)
            detail = _late(done, installed, as_of)
    elif c.id == "news":
        found = _news(t, c, period.start, end)
        if found is None:
            return None
        status, due, detail = found  # type: ignore[assignment]
    else:  # pragma: no cover - the loader refuses unknown ids
        return None
    return Outcome(
        fiche=t.id,
        status=status,
        due=due,
        network=network_of(t, due or t.received, territory),
        structure=_responsible(t, due or end),
        detail=detail,
        porteur=t.porteur_for(viewer) if status == BROKEN else None,
    )


def _news(t: StoredFiche, c: Commitment, start: dt.date, end: dt.date) -> tuple[str, dt.date | None, str] | None:
    """First gap without news longer than the stage's delay that ends inside [start, end], if any."""
    if t.received > end:
        return None
    history = sorted(t.until(end), key=lambda e: e.at)
    if not history:
        return None
    stage = "idea"
    marks: list[tuple[dt.date, str]] = []
    for e in history:
        if e.kind == ev.CREATED:
            stage = (e.payload.get("fiche") or {}).get("stage") or "idea"
        elif e.kind == ev.STAGE_CHANGED:
            stage = e.payload.get("to") or stage
        marks.append((e.at, stage))
    active_in_period = any(s in ACTIVE_STAGES and d >= start for d, s in marks) or (t.stage_on(start) in ACTIVE_STAGES)
    if not active_in_period:
        return None
    for i, (day, stage) in enumerate(marks):
        limit = c.days_for(stage)
        if limit is None:
            continue
        following = marks[i + 1][0] if i + 1 < len(marks) else None
        breach = day + dt.timedelta(days=limit + 1)
        if (following is None or following >= breach) and start <= breach <= end:
            detail = _("no news since {date} ({stage}, delay {days} days)")
            return BROKEN, breach, detail.format(date=day.isoformat(), stage=stage, days=limit)
    return KEPT, None, ""


def _share(kept: int, broken: int) -> float | None:
    return round(kept / (kept + broken), 4) if kept + broken else None


def _counts(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    tally = dict.fromkeys((KEPT, BROKEN, PENDING, NOT_APPLICABLE), 0)
    for o in outcomes:
        tally[o.status] += 1
    return {**tally, "share": _share(tally[KEPT], tally[BROKEN])}


def check_charter(
    fiches: Iterable[StoredFiche],
    charter: Charter,
    period: Period,
    as_of: dt.date,
    territory: Any,
    viewer: Any,
    structures: Iterable[str] = (),
    first_reception: Iterable[str] = (),
) -> dict[str, Any]:
    """The check as a JSON-ready dict (keys documented in docs/charter.md).

    ``first_reception``: the structures of first reception (for ``reception_junction``).
    """
    fiches = list(fiches)
    receivers = frozenset(first_reception)
    result = []
    for c in charter.commitments:
        outcomes = [o for t in fiches if (o := judge(t, c, period, as_of, territory, viewer, receivers)) is not None]
        networks = sorted(set(territory.local_networks) | {o.network for o in outcomes if o.network})
        structure_ids = sorted(set(structures) | {o.structure for o in outcomes if o.structure})
        result.append(
            {
                **c.to_dict(),
                **_counts(outcomes),
                "by_network": [{"network": n, **_counts(o for o in outcomes if o.network == n)} for n in networks],
                "by_structure": [
                    {"structure": s, **_counts(o for o in outcomes if o.structure == s)}
                    for s in structure_ids
                    if any(o.structure == s for o in outcomes)
                ],
                "breaking": [
                    {
                        "fiche": o.fiche,
                        "network": o.network,
                        "structure": o.structure,
                        "due": o.due.isoformat() if o.due else None,
                        "detail": o.detail,
                        "porteur": o.porteur,
                    }
                    for o in outcomes
                    if o.status == BROKEN
                ],
            }
        )
    return {"period": period.to_dict(), "as_of": as_of.isoformat(), "commitments": result}
