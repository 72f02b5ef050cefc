"""A stored fiche with its history: what had happened to it by any day (the report, the charter, the agenda).

The store's event log is the record of what happened; a :class:`StoredFiche` answers "what had
happened by day D" from it, so a report for a year gives the same figures whenever it is run: only
events dated on or before the period's end count.  Its events are the one reader's
(:func:`engine.store.history.read`), unchanged.  Roles (``coordinator``, ``committee``) are not
structures: their events never make a structure "act" on a fiche.

What the fiche *was* on a day, as one value (its stage, lead, structures, the facts the alerts
read), is :meth:`StoredFiche.on`: the same :class:`~engine.readmodel.view.FicheView` the alerts
read at scale from the projection (:func:`engine.readmodel.load.load_views`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.identity import ROLES
from engine.privacy import on_fiche, sees_personal_data
from engine.readmodel.replay import view_of
from engine.readmodel.view import FicheView
from engine.store import events as ev
from engine.store.history import Event

Day = dt.date

#: The events by which a structure acts on a fiche (the report's ``network_effect``).
ACTS = frozenset({ev.CONTACT, ev.NOTE, ev.STAGE_CHANGED})
#: What follow-up records about an installed activity (``activity`` on a contact or a note).
ACTIVE, CEASED = "active", "ceased"


def _date(value: Any) -> Day | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def acting(event: Event) -> str | None:
    """The structure that recorded an event (None for a role or nobody)."""
    return None if event.by in (None, *ROLES) else event.by


@dataclass(frozen=True, slots=True)
class StoredFiche:
    """A stored fiche (its current state) and its events, oldest first: one immutable value."""

    id: str
    received: Day
    received_by: str | None
    commune: str
    local_network: str | None
    stage: str
    lead: str | None
    supporting: tuple[str, ...]
    offer: str | None
    consent_network: bool
    porteur_name: str | None
    kind: str = "creation"
    nature: str | None = None
    naf: str | None = None
    needs: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    #: Who the porteur is, for counting porteurs: the first fiche of the porteurs this fiche shares
    #: (:func:`engine.store.porteur_keys.porteurs_of`), else the fiche's own id.  Never shown.
    porteur: str = ""

    @property
    def porteur_id(self) -> str:
        """The porteur's group (the fiche's own id when it shares its porteur with no other fiche)."""
        return self.porteur or self.id

    def on(self, day: Day, local_networks: Mapping[str, str | None]) -> FicheView | None:
        """The fiche as it stood at the end of ``day``: its events dated on or before it, replayed.

        The same value as the alerts read at scale (:func:`engine.readmodel.load.load_views`, from
        the projection), without the porteur's name (the events are read without personal data).
        ``local_networks``: each commune's local network (a fiche that moved since is placed in the
        network of its commune then).  None for a broken history (``capactif db verify`` reports it).
        """
        base = FicheView(
            id=self.id,
            received=self.received,
            received_by=self.received_by,
            commune=self.commune,
            local_network=self.local_network,
            kind=self.kind,
            naf=self.naf,
            nature=self.nature,
            employees=None,
            needs=self.needs,
            publics=(),
            stage=self.stage,
            lead=self.lead,
            supporting=self.supporting,
            installed_on=None,
            follow_up_by=None,
            consent_network=self.consent_network,
            last_event=self.received,
        )
        view = view_of(base, self.until(day), False, local_networks)
        return None if view is base else view

    # --- what had happened by a day ---------------------------------------------------------------

    def until(self, day: Day) -> list[Event]:
        """The events dated on or before ``day``."""
        return [e for e in self.events if e.at <= day]

    def _created(self) -> Mapping[str, Any]:
        for e in self.events:
            if e.kind == ev.CREATED:
                return e.payload.get("fiche") or {}
        return {}

    def leads(self, day: Day) -> list[tuple[Day, str]]:
        """Every lead the fiche had by ``day``: ``(date assigned, structure)``, oldest first."""
        out: list[tuple[Day, str]] = []
        created = self._created()
        if created.get("lead"):
            out.append((self.received, created["lead"]))
        for e in self.until(day):
            if e.kind == ev.LEAD_ASSIGNED and e.payload.get("lead"):
                out.append((e.at, e.payload["lead"]))
        return out

    def first_lead_on(self, day: Day) -> Day | None:
        """When the fiche first had a référent, if it had one by ``day``."""
        leads = self.leads(day)
        return leads[0][0] if leads else None

    def referent_accepted_on(self, day: Day) -> Day | None:
        """When the référent took the fiche in charge, by ``day``: the day it answered 'take' to the
        suggestion (``suggestion_taken`` as lead), else the day a lead was first designated (by the
        structure itself or by the coordinator: the junction is made)."""
        for e in self.until(day):
            if e.kind == ev.SUGGESTION_TAKEN and e.payload.get("role") == ev.LEAD:
                return e.at
        return self.first_lead_on(day)

    def supports(self, day: Day) -> list[tuple[Day, str]]:
        """Every supporting structure assigned by ``day``: ``(date, structure)``."""
        out = [(self.received, s) for s in self._created().get("supporting") or []]
        out += [(e.at, e.payload["structure"]) for e in self.until(day) if e.kind == ev.SUPPORT_ASSIGNED]
        return out

    def lead_changes(self, day: Day) -> int:
        """How many times the lead passed from one structure to another by ``day``."""
        leads = [s for _, s in self.leads(day)]
        return sum(1 for a, b in itertools.pairwise(leads) if a != b)

    def acting_structures(self, day: Day) -> set[str]:
        """The structures that acted on the fiche by ``day``: leads, supports and authors of events."""
        acted = {s for _, s in self.leads(day)} | {s for _, s in self.supports(day)}
        acted |= {s for e in self.until(day) if (s := acting(e))}
        return acted

    def network_effect(self, day: Day) -> bool:
        """Once the fiche had a référent, a structure other than the référent of that day *acted* on it.

        Acting is recording a contact, a note or a decision (a stage change: a financing sought or
        refused, an installation…).  Being listed as supporting (assigned, or answering "take" to a
        suggestion) is not acting, nor is the référent's own work, nor what was recorded before there
        was a référent (the first welcome, counted by ``first_reception``).
        """
        lead = self._created().get("lead")
        had_lead = bool(lead)
        for e in self.until(day):
            if e.kind == ev.LEAD_ASSIGNED:
                lead, had_lead = e.payload.get("lead"), had_lead or bool(e.payload.get("lead"))
            elif e.kind == ev.LEAD_REMOVED:
                lead = None
            elif e.kind in ACTS and had_lead and (who := acting(e)) and who != lead:
                return True
        return False

    def kind_on(self, day: Day) -> str:
        """The kind of project (creation, takeover, development) on ``day``: as created, then as edited."""
        kind = self._created().get("kind") or self.kind
        for e in self.until(day):
            if e.kind == ev.FICHE_EDITED:
                change = (e.payload.get("changes") or {}).get("kind")
                if isinstance(change, Mapping) and change.get("new"):
                    kind = change["new"]
        return kind

    def activity_on(self, anniversary: Day, day: Day) -> str | None:
        """Whether the installed activity was active on ``anniversary``, as recorded by ``day``.

        ``active`` when follow-up recorded the activity as going (``activity: active`` on a contact or
        a note, or the ``developed`` stage) on or after the anniversary, or recorded it ceased only
        after it; ``ceased`` when it recorded the activity ceased on or before it; None (unknown)
        when follow-up recorded nothing that says.
        """
        status = None
        for e in self.until(day):
            said = e.payload.get("activity") if e.kind in (ev.CONTACT, ev.NOTE) else None
            if e.kind == ev.STAGE_CHANGED and e.payload.get("to") == "developed":
                said = ACTIVE
            if said == CEASED:
                return CEASED if e.at <= anniversary else ACTIVE
            if said == ACTIVE and e.at >= anniversary:
                status = ACTIVE
        return status

    def structures_on(self, day: Day) -> set[str]:
        """Every structure that was on the fiche by ``day``: received it, led it or supported it."""
        out = {s for _, s in self.leads(day)} | {s for _, s in self.supports(day)}
        if self.received_by:
            out.add(self.received_by)
        return out

    def stage_changes(self, day: Day) -> list[Event]:
        """The stage changes dated on or before ``day``."""
        return [e for e in self.until(day) if e.kind == ev.STAGE_CHANGED]

    def reached(self, stage: str, day: Day) -> Day | None:
        """When the fiche first entered ``stage`` by ``day`` (the event's date)."""
        for e in self.stage_changes(day):
            if e.payload.get("to") == stage:
                return e.at
        return None

    def installed_on(self, day: Day) -> Day | None:
        """The installation date of the fiche's first installation known by ``day``.

        The date is the one given with the ``install`` trigger (``installed_on``), else the event's.
        It is the fact that counts: an installation on 31 December recorded on 2 January counts in
        December's year.
        """
        for e in self.events:
            if e.kind == ev.STAGE_CHANGED and e.payload.get("to") == "installed":
                installed = _date(e.payload.get("installed_on")) or e.at
                return installed if installed <= day else None
        return None

    def stage_on(self, day: Day) -> str | None:
        """The fiche's stage at the end of ``day`` (None before it was received)."""
        if day < self.received:
            return None
        stage = self._created().get("stage") or "idea"
        for e in self.stage_changes(day):
            stage = e.payload.get("to") or stage
        return stage

    def commune_on(self, day: Day) -> str:
        """The fiche's commune on ``day``: the one recorded at creation, then any change recorded since."""
        commune = self._created().get("commune") or self.commune
        for e in self.until(day):
            changed = e.payload.get("commune") if e.kind != ev.CREATED else None
            if changed:
                commune = changed
        return commune

    # --- confidentiality --------------------------------------------------------------------------

    def porteur_for(self, viewer: Any) -> str | None:
        """The porteur's name as ``viewer`` may see it (None when hidden), by the store's rule."""
        on = on_fiche(self.lead, self.supporting, self.received_by)
        return self.porteur_name if sees_personal_data(viewer, on, self.consent_network) else None


def network_of(fiche: StoredFiche, day: Day, territory: Any) -> str | None:
    """The local network a fiche belonged to on ``day``: its commune's, else the stored one."""
    commune = territory.communes.get(fiche.commune_on(day)) if territory is not None else None
    if commune is not None and commune.local_network:
        return commune.local_network
    return fiche.local_network
