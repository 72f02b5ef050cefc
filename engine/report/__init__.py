"""The yearly report to the committee and funders: the network's eight figures, their funnel and delays.

Entry point: :func:`build_report` (one read-only transaction over the store).  Definitions of each
figure: :mod:`engine.report.indicators` and docs/report.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine import limits
from engine.errors import InputError, Problem
from engine.i18n import _
from engine.report.indicators import INDICATORS, LABELS, Period, label, yearly_report
from engine.vocabulary import unknown

__all__ = ["INDICATORS", "LABELS", "Period", "build_report", "check_network", "label", "period_of"]


def period_of(year: int | None, start: dt.date | None, end: dt.date | None, *, today: dt.date | None = None) -> Period:
    """The period of ``--year`` or ``--from``/``--to`` (default: the current year); conflicts are input errors."""
    problems = []
    if year is not None and (start or end):
        problems.append(Problem("--year", 0, 0, _("give either --year or --from/--to, not both")))
    if (start is None) != (end is None):
        problems.append(Problem("--from" if start is None else "--to", 0, 0, _("--from and --to go together")))
    if start and end and start > end:
        problems.append(Problem("--from", 0, 0, _("{start} is after --to {end}").format(start=start, end=end)))
    first, last = limits.DATE_FLOOR, dt.date(limits.YEAR_CEILING, 12, 31)
    for option, day in (("--from", start), ("--to", end)):
        if day is not None and not first <= day <= last:
            message = _("{day} is outside the years capactif reports on ({first} to {last})")
            problems.append(Problem(option, 0, 0, message.format(day=day, first=first.year, last=last.year)))
    if problems:
        raise InputError(problems=problems)
    if start and end:
        return Period(start, end)
    return Period.year(year if year is not None else (today or dt.date.today()).year)


def check_network(network: str | None, territory: Any) -> None:
    """Refuse an unknown local network with the closest id."""
    if network and network not in territory.local_networks:
        raise InputError(
            problems=[Problem("--network", 0, 0, unknown("local network", network, sorted(territory.local_networks)))]
        )


def build_report(store: Any, net: Any, period: Period, *, network: str | None = None) -> dict[str, Any]:
    """Read the store and compute the report for ``period`` (optionally one local network)."""
    from engine.offers.repository import list_contacts, list_offers
    from engine.offers.requests import unlinked_contacts
    from engine.readmodel import load_fiches

    check_network(network, net.territory)
    with store.transaction() as conn:
        fiches = load_fiches(conn, received_to=period.end)
        offers = list_offers(conn, published_to=period.end)
        contacts = list_contacts(conn)
        requests = unlinked_contacts(conn)
    from engine.rules.ruleset import first_reception_structures

    return yearly_report(
        fiches,
        offers,
        contacts,
        period,
        net.territory,
        network=network,
        structures=sorted(net.structure_ids),
        first_reception=first_reception_structures(net.rules),
        requests=requests,
    )
