"""Use case of the monthly meeting's agenda of a local network (``capactif agenda``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.agenda.meeting import Meeting, parse_month
from engine.app import audit
from engine.app.workspace import Workspace
from engine.identity import Identity

__all__ = ["Agenda", "agenda"]


@dataclass
class Agenda:
    """The agenda of one meeting: ``sections`` holds the documented keys (docs/agenda.md), porteurs'
    names only for callers who may see them."""

    meeting: Meeting
    network: str
    sections: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.sections


def agenda(ws: Workspace, who: Identity, network: str, month: str) -> Agenda:
    """Read the store as it stood on the eve of the meeting and build the agenda (one read-only transaction)."""
    from engine.agenda.build import build_agenda
    from engine.alerts.context import caseloads
    from engine.alerts.runner import compute
    from engine.offers.repository import list_contacts, list_offers
    from engine.readmodel import load_fiches, load_views, local_networks_of
    from engine.report import check_network

    net = ws.network
    check_network(network, net.territory)
    meeting = parse_month(month)
    charter = ws.charter
    as_of = meeting.as_of
    with ws.store.transaction() as conn:
        fiches = load_fiches(conn, received_to=as_of)
        views = load_views(
            conn,
            as_of,
            local_networks=local_networks_of(net.territory),
            bounce_count=charter.alert_thresholds["bounced"].count,
            with_names=who.is_coordinator or who.structure is not None,
        )
        offers = list_offers(conn, published_to=as_of)
        contacts = [c for c in list_contacts(conn) if c.at <= as_of]
    rules = ws.compiled_rules
    alerts = compute(views, rules, charter, as_of, viewer=who)
    follow_up = charter.commitment("follow_up_offered").days
    sections = build_agenda(
        meeting,
        network,
        net.territory,
        fiches,
        views,
        alerts,
        offers,
        contacts,
        rules,
        viewer=who,
        follow_up_days=follow_up,
        caseload=caseloads(views),
    )
    audit.record_shown(ws, who, sections, f"agenda {network} {month}")
    return Agenda(meeting, network, sections)
