"""The monthly meeting's agenda of a local network: ``capactif agenda --network N --month YYYY-MM``.

Entry point: :func:`make_agenda` (one read-only transaction over the store); the meeting's day and
the period it covers: :mod:`engine.agenda.meeting`; the sections: :mod:`engine.agenda.build`;
Markdown and HTML: :mod:`engine.agenda.render`.  Documentation: docs/agenda.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.agenda.meeting import Meeting, meeting_day, parse_month

__all__ = ["Meeting", "make_agenda", "meeting_day", "parse_month"]


def make_agenda(
    db_url: str | None,
    rules_path: str | Path | None,
    charter_path: str | Path | None,
    network: str,
    month: str,
    as_: str | None,
) -> dict[str, Any]:
    """Load the network and charter, read the store as it stood on the eve of the meeting, build the agenda."""
    from engine.agenda.build import build_agenda
    from engine.alerts.context import caseloads
    from engine.alerts.load import load_views, local_networks_of
    from engine.alerts.runner import compute
    from engine.charter import load_charter
    from engine.offers.repository import list_contacts, list_offers
    from engine.report import check_network
    from engine.report.load import load_timelines
    from engine.routing import compile_rules
    from engine.store import access
    from engine.store.service import load_network, opened

    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    check_network(network, net.territory)
    meeting = parse_month(month)
    charter = load_charter(charter_path)
    as_of = meeting.as_of
    with opened(db_url) as store, store.transaction() as conn:
        timelines = load_timelines(conn, received_to=as_of)
        views = load_views(
            conn,
            as_of,
            local_networks=local_networks_of(net.territory),
            bounce_count=charter.alert_thresholds["bounced"].count,
            with_names=who.is_coordinator or who.structure is not None,
        )
        offers = list_offers(conn, published_to=as_of)
        contacts = [c for c in list_contacts(conn) if c.at <= as_of]
    rules = compile_rules(net.rules)
    alerts = compute(views, rules, charter, as_of, viewer=who)
    follow_up = charter.commitment("follow_up_offered").days
    return build_agenda(
        meeting,
        network,
        net.territory,
        timelines,
        views,
        alerts,
        offers,
        contacts,
        rules,
        viewer=who,
        follow_up_days=follow_up,
        caseload=caseloads(views),
    )
