"""A fiche's view on a day from its events: the one replay behind :class:`~engine.readmodel.view.FicheView`.

The state comes from the store's replay (:func:`engine.store.history.states`, which checks every
stage change against the lifecycle), the history facts from the projection's own
:func:`engine.store.projection.step` over the same steps (:func:`engine.store.projection.of_history`):
the facts a ``fiche_projection`` row holds are computed by the same code, so reading a view from the
projection or from the events gives one value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from engine.privacy import on_fiche
from engine.readmodel.view import FOLLOW_UP, FicheView, Sharing
from engine.store import events as ev
from engine.store import history as log
from engine.store.projection import Facts, of_history


def facts_fields(
    lead: str | None,
    received: dt.date,
    follow_up_by: str | None,
    on: set[str],
    facts: Facts,
) -> dict[str, Any]:
    """The view's history fields from a fiche's facts (its projection row, or its replay up to the day).

    ``on``: the structures on the fiche that day (a follow-up structure outside them shares the fiche).
    """
    shared = {s: Sharing(at, s, kind) for at, s, kind in facts.shared}
    if follow_up_by and follow_up_by not in on and follow_up_by not in shared:
        shared[follow_up_by] = Sharing(facts.follow_up_set or received, follow_up_by, FOLLOW_UP)
    return {
        "last_event": facts.last_event,
        "lead_since": facts.lead_since if lead else None,
        "assignment_since": facts.assignment_since,
        "lead_assignments": len(facts.lead_history),
        "lead_history": tuple(facts.lead_history),
        "shared_beyond": tuple(sorted(shared.values(), key=lambda s: (s.at, s.structure))),
        "replayed": True,
    }


def suggested_of(asked: Mapping[tuple[str, str], str]) -> tuple[tuple[str, str, dt.date], ...]:
    """A current suggestion (``(structure, role) -> first asked``, ISO days) as the view holds it, sorted."""
    return tuple(sorted((s, role, dt.date.fromisoformat(since)) for (s, role), since in asked.items()))


def _day(value: Any) -> dt.date | None:
    """A date from an event (a date, or ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def view_of(
    base: FicheView,
    history: Iterable[Any],
    with_names: bool,
    local_networks: Mapping[str, str | None],
) -> FicheView:
    """The view of a fiche rebuilt from its history (rows with kind, at, by, payload), oldest first.

    ``base``: the fiche as stored (its id, reception, current commune, local network and kind: what
    the history may not repeat); returned as it is when the history is broken (``capactif db verify``
    reports it).  A fiche that moved since is placed in the local network of its commune then.
    """
    rows = list(history)
    if not rows or rows[0].kind != ev.CREATED:
        return base
    replay = log.states(rows)  # the one replay of a history (engine.store.history)
    state = replay.rebuilt.state
    asked: ev.Suggested = {}
    for step in replay.steps:
        if step.event.kind == ev.SUGGESTED:
            asked = ev.next_suggested(asked, step.event.payload, _day(step.event.at) or base.received)
    porteur = state.get("porteur") or {}
    installed = state.get("installed_on")
    commune = state.get("commune") or base.commune
    local_network = base.local_network
    if commune != base.commune:
        local_network = local_networks.get(commune) or None
    lead, supporting, received_by = state.get("lead"), tuple(state.get("supporting") or ()), state.get("received_by")
    follow_up_by = state.get("follow_up_by")
    facts = of_history(base.received, replay.steps)
    return FicheView(
        id=base.id,
        received=base.received,
        received_by=received_by,
        commune=commune,
        local_network=local_network,
        kind=state.get("kind") or base.kind,
        naf=state.get("naf"),
        nature=state.get("nature"),
        employees=state.get("employees"),
        artisan_registered=state.get("artisan_registered"),
        needs=tuple(state.get("needs") or ()),
        publics=tuple(state.get("publics") or ()),
        stage=state.get("stage") or "idea",
        lead=lead,
        supporting=supporting,
        installed_on=dt.date.fromisoformat(installed) if isinstance(installed, str) else installed,
        follow_up_by=follow_up_by,
        consent_network=bool(porteur.get("consent_network")),
        porteur_name=porteur.get("name") if with_names else None,
        suggested=suggested_of(asked),
        **facts_fields(lead, base.received, follow_up_by, on_fiche(lead, supporting, received_by), facts),
    )
