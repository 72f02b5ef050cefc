"""Running every check over the stored fiches at a date, from the data: ``capactif alerts``.

:func:`alerts_at` (called by :func:`engine.app.alerts.alerts`): read the fiches as they stood on
``as_of`` (:mod:`engine.readmodel.load`), run each check of :data:`~engine.alerts.checks.CHECKS` on each
fiche, keep what the filters ask for.  Nothing is stored: the same data and date give the same
alerts, and a fiche fixed disappears from the next run.

The caseloads (for capacity) are counted over every fiche, whatever ``--network`` or
``--structure`` show: a structure's capacity does not depend on what the caller looks at.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Connection

from engine.alerts.checks import CHECKS, SCANS, SCOPE_OF, by_scope
from engine.alerts.context import AlertContext, Found, beyond_capacity, led_caseloads
from engine.alerts.model import Alert
from engine.charter import SEVERITIES, Charter
from engine.errors import InputError, Problem
from engine.i18n import N_, _
from engine.readmodel import FicheView, load_views, local_networks_of
from engine.routing import CompiledRules
from engine.store import access
from engine.store.bulk import collector_paused
from engine.vocabulary import unknown

#: How alerts with no local network (a commune outside the three) are grouped.
NO_NETWORK = "(none)"
#: The name of that group.
NO_NETWORK_NAME = N_("outside the local networks")
#: How many alerts the summary shows (``capactif alerts`` without ``--all``, the committee's dashboard).
URGENT = 10


@dataclass(frozen=True)
class AlertFilter:
    """What the caller asked to see; every filter given must hold."""

    network: str | None = None
    structure: str | None = None
    checks: Sequence[str] = ()
    min_severity: str = "info"

    def check(self, net: Any) -> AlertFilter:
        """Refuse unknown local networks, structures, checks and severities, all at once."""
        problems = []
        networks = net.territory.local_networks
        if self.network and self.network not in networks:
            problems.append(Problem("--network", 0, 0, unknown("local network", self.network, sorted(networks))))
        if self.structure and self.structure not in net.structure_ids:
            message = unknown("structure", self.structure, sorted(net.structure_ids))
            problems.append(Problem("--structure", 0, 0, message))
        for c in self.checks:
            if c not in CHECKS:
                problems.append(Problem("--check", 0, 0, unknown("check", c, list(CHECKS))))
        if self.min_severity not in SEVERITIES:
            problems.append(Problem("--min-severity", 0, 0, unknown("severity", self.min_severity, SEVERITIES)))
        if problems:
            raise InputError(problems=problems)
        return self

    def keeps(self, alert: Alert) -> bool:
        """The alert passes every filter given."""
        if self.network and alert.network != self.network:
            return False
        if self.structure and self.structure not in alert.structures:
            return False
        if self.checks and alert.check not in self.checks:
            return False
        return SEVERITIES.index(alert.severity) >= SEVERITIES.index(self.min_severity)

    def to_dict(self) -> dict[str, Any]:
        """``{"network", "structure", "checks", "min_severity"}``."""
        return {
            "network": self.network,
            "structure": self.structure,
            "checks": list(self.checks),
            "min_severity": self.min_severity,
        }


@dataclass(frozen=True)
class Findings:
    """What the checks of one run found, before any :class:`Alert` is made: per check in the output's
    order, its severity and its records (:data:`~engine.alerts.context.Found`), sorted by day then fiche.

    The committee's summary (the counts, the ten most urgent) is read from the records; an alert is made
    (:meth:`AlertContext.made`) only for what is said — the most urgent, or every alert when every alert
    is shown (``--all``, the data formats, the web pages).  The same alerts as making each at once:
    the records keep what the check found and the context it found it in."""

    ctx: AlertContext
    checks: list[tuple[str, str, list[Found]]]

    def __len__(self) -> int:
        return sum(len(found) for _check, _severity, found in self.checks)

    def alerts(self) -> list[Alert]:
        """Every alert, in :func:`sort_key`'s order."""
        made = self.ctx.made
        return [made(check, f) for check, _severity, found in self.checks for f in found]

    def severities(self) -> set[str]:
        """The severities of the alerts found."""
        return {severity for _check, severity, found in self.checks if found}

    def tally(self) -> Counter[tuple[str | None, str, str]]:
        """How many alerts per (network, check, severity): per check, its fiches' local networks counted in C."""
        out: Counter[tuple[str | None, str, str]] = Counter()
        for check, severity, found in self.checks:
            for network, n in Counter(map(_LOCAL_NETWORK, map(_VIEW, found))).items():
                out[network, check, severity] += n
        return out

    def most_urgent(self, limit: int) -> list[Alert]:
        """``sorted(self.alerts(), key=urgency)[:limit]``, made from the first ``limit`` records of each check
        (each check's are sorted by day then fiche, so the first by urgency of a severity are among them)."""
        out: list[Alert] = []
        for severity in reversed(SEVERITIES):  # most serious first
            wanted = limit - len(out)
            if wanted <= 0:
                break
            pool = [
                (f[0], _RANK[check], f[1], check, f)
                for check, of, found in self.checks
                if of == severity
                for f in found[:wanted]
            ]
            pool.sort(key=_URGENCY)
            out += [self.ctx.made(check, f) for *_key, check, f in pool[:wanted]]
        return out


@dataclass
class AlertRun:
    """The alerts of one run, sorted, with what they were computed from: ``found`` the alerts themselves,
    or the checks' :class:`Findings` (:func:`alerts_at`), made into alerts when :attr:`alerts` is read."""

    as_of: dt.date
    rules_version: str
    fiches: int
    found: list[Alert] | Findings
    filters: AlertFilter = field(default_factory=AlertFilter)
    network_names: dict[str, str] = field(default_factory=dict)
    #: :meth:`most_urgent` per limit, computed once (the summary and its rendering both ask).
    _urgent: dict[int, list[Alert]] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: :meth:`_tally`, computed once.
    _tallied: Counter[tuple[str | None, str, str]] | None = field(default=None, init=False, repr=False, compare=False)
    #: The alerts of ``found`` when it is :class:`Findings`, made once.
    _made: list[Alert] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def alerts(self) -> list[Alert]:
        """Every alert, sorted (:func:`sort_key`): made from the findings the first time (the collector
        paused, as :func:`alerts_at` does)."""
        found = self.found
        if not isinstance(found, Findings):
            return found
        if self._made is None:
            with collector_paused():
                self._made = found.alerts()
        return self._made

    @property
    def total(self) -> int:
        """How many alerts, none made."""
        return len(self.found)

    def say_all(self) -> AlertRun:
        """Have every alert say its words now (``--all``, the data formats), the cyclic collector paused:
        150,000 alerts' sentences and routing's proposals keep as many objects as the run itself, and with
        the collector running its full collections traversed all of them again and again."""
        with collector_paused():
            for alert in self.alerts:
                alert.to_dict()
        return self

    def reaches(self, severity: str) -> bool:
        """An alert of ``severity`` or more serious exists (``--fail-on``)."""
        floor = SEVERITIES.index(severity)
        if isinstance(self.found, Findings):
            return any(SEVERITIES.index(s) >= floor for s in self.found.severities())
        return any(SEVERITIES.index(a.severity) >= floor for a in self.found)

    def groups(self) -> list[tuple[str, str, list[Alert]]]:
        """(network id, network name, alerts) per local network, in the territory's order."""
        by: dict[str, list[Alert]] = {}
        for a in self.alerts:
            by.setdefault(a.network or NO_NETWORK, []).append(a)
        order = [*self.network_names, NO_NETWORK]
        return [(n, self.network_names.get(n) or _(NO_NETWORK_NAME), by[n]) for n in order if n in by]

    def most_urgent(self, limit: int = URGENT) -> list[Alert]:
        """The ``limit`` most urgent alerts: the most serious first, then the oldest (``since``), then by fiche."""
        found = self._urgent.get(limit)
        if found is None:
            of = self.found
            found = of.most_urgent(limit) if isinstance(of, Findings) else _most_urgent(of, limit)
            self._urgent[limit] = found
        return list(found)

    def by_network(self) -> list[dict[str, Any]]:
        """Per local network that has alerts (territory's order): ``network``, ``name``, ``total`` and
        ``by_check`` (every check, zeros included) — the counts per check × local network."""
        by: dict[str, dict[str, int]] = {}
        for (network, check, _severity), n in self._tally().items():
            by.setdefault(network or NO_NETWORK, dict.fromkeys(CHECKS, 0))[check] += n
        order = [*self.network_names, NO_NETWORK]
        return [
            {"network": n, "name": self.network_names.get(n) or _(NO_NETWORK_NAME), "total": sum(by[n].values()),
             "by_check": by[n]}
            for n in order
            if n in by
        ]  # fmt: skip

    def summary(self, limit: int = URGENT) -> dict[str, Any]:
        """``{"by_network": [...], "most_urgent": [alert, ...], "more": N}``: what the default output shows,
        ``more`` the alerts left out of ``most_urgent``."""
        urgent = self.most_urgent(limit)
        return {
            "by_network": self.by_network(),
            "most_urgent": [a.to_dict() for a in urgent],
            "more": self.total - len(urgent),
        }

    def counts(self) -> dict[str, Any]:
        """``{"total", "by_severity", "by_check"}`` (every severity and check, zeros included)."""
        by_severity = dict.fromkeys(reversed(SEVERITIES), 0)
        by_check = dict.fromkeys(CHECKS, 0)
        for (_network, check, severity), n in self._tally().items():
            by_severity[severity] += n
            by_check[check] += n
        return {"total": self.total, "by_severity": by_severity, "by_check": by_check}

    def _tally(self) -> Counter[tuple[str | None, str, str]]:
        """How many alerts per (network, check, severity): counted once, in one pass in C (150,000 alerts at
        200,000 fiches), for the counts and the counts per network the summary both shows."""
        if self._tallied is None:
            alerts = self.found
            if isinstance(alerts, Findings):
                self._tallied = alerts.tally()
            else:
                self._tallied = Counter(
                    zip(map(_NETWORK, alerts), map(_CHECK, alerts), map(_SEVERITY, alerts), strict=True)
                )
        return self._tallied

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON (docs/alerts.md): as_of, rules_version, fiches_checked, filters,
        counts, summary{by_network, most_urgent, more}, networks[{network, name, count, alerts[…]}]."""
        return {
            "as_of": self.as_of.isoformat(),
            "rules_version": self.rules_version,
            "fiches_checked": self.fiches,
            "filters": self.filters.to_dict(),
            "counts": self.counts(),
            "summary": self.summary(),
            "networks": [
                {"network": n, "name": name, "count": len(alerts), "alerts": [a.to_dict() for a in alerts]}
                for n, name, alerts in self.groups()
            ],
        }


_RANK = {check: i for i, check in enumerate(CHECKS)}


def sort_key(alert: Alert) -> tuple[Any, ...]:
    """Most serious first, then the charter's order of checks, the oldest, the fiche id."""
    return (-SEVERITIES.index(alert.severity), _RANK[alert.check], alert.since, alert.fiche)


def urgency(alert: Alert) -> tuple[Any, ...]:
    """Most serious first, then the oldest whatever the check, then the charter's order, the fiche id."""
    return (-SEVERITIES.index(alert.severity), alert.since, _RANK[alert.check], alert.fiche)


def _most_urgent(alerts: Sequence[Alert], limit: int) -> list[Alert]:
    """``sorted(alerts, key=urgency)[:limit]`` without the key of every alert (150,000 at 200,000 fiches):
    severity by severity, most serious first, the ``limit`` oldest days of that severity (``heapq`` on
    the days alone), then the alerts on or before the last of those days sorted by :func:`urgency` —
    every alert that can be among the first ``limit`` is in that pool, ties on the day included."""
    out: list[Alert] = []
    for severity in reversed(SEVERITIES):  # most serious first
        if len(out) >= limit:
            break
        same = [a for a in alerts if a.severity == severity]
        if not same:
            continue
        wanted = limit - len(out)
        cutoff = heapq.nsmallest(wanted, map(_SINCE, same))[-1]
        out += sorted((a for a in same if a.since <= cutoff), key=urgency)[:wanted]
    return out


_SINCE = attrgetter("since")
_VIEW = itemgetter(2)
_LOCAL_NETWORK = attrgetter("local_network")
#: A pool entry of :meth:`Findings.most_urgent` by urgency within a severity: day, check, fiche.
_URGENCY = itemgetter(0, 1, 2)
_NETWORK = attrgetter("network")
_CHECK = attrgetter("check")
_SEVERITY = attrgetter("severity")


def compute(
    views: Sequence[FicheView],
    rules: CompiledRules,
    charter: Charter,
    as_of: dt.date,
    flt: AlertFilter | None = None,
    viewer: access.Viewer = access.ANONYMOUS,
) -> list[Alert]:
    """Every alert of every check on ``views`` at ``as_of``, kept by ``flt``, sorted (pure): :func:`find`'s
    alerts, each made."""
    return find(views, rules, charter, as_of, flt, viewer).alerts()


def find(
    views: Sequence[FicheView],
    rules: CompiledRules,
    charter: Charter,
    as_of: dt.date,
    flt: AlertFilter | None = None,
    viewer: access.Viewer = access.ANONYMOUS,
) -> Findings:
    """What every check finds on ``views`` at ``as_of``, kept by ``flt``, sorted (pure), no alert made.

    Each check is asked of the fiches of its scope only (:func:`engine.alerts.checks.by_scope`); the
    checks come out as :func:`sort_key` says, a check's findings by day and fiche (one alert per check and
    fiche: the order does not depend on the order they came in).
    """
    flt = flt or AlertFilter()
    ctx = AlertContext(as_of, dict(charter.alert_thresholds), rules, viewer)
    scopes = by_scope(views)
    ctx.caseload = led_caseloads(scopes["led"])  # every fiche's, whatever the filters
    ctx.over_capacity = beyond_capacity(scopes["led"], rules)
    checks = [(c, fn) for c, fn in CHECKS.items() if not flt.checks or c in flt.checks]
    checks = [(c, fn) for c, fn in checks if ctx.threshold(c).at_least(flt.min_severity)]
    if flt.network:
        scopes = {name: [v for v in of if v.local_network == flt.network] for name, of in scopes.items()}
    by_check: dict[str, list[Found]] = {}
    for check, fn in checks:
        scan = SCANS.get(check)
        scope = scopes[SCOPE_OF[check]]
        if scan is not None:
            found = scan(scope, ctx)
        else:  # a check asked of few fiches: its alerts made as it finds them
            found = [(a.since, a.fiche, v, a) for v in scope if (a := fn(v, ctx)) is not None]
        if flt.structure:  # the other filters chose the checks and fiches asked
            made = ctx.made
            found = [(f[0], f[1], f[2], a) for f in found if flt.keeps(a := made(check, f))]
        by_check[check] = found
    order = sorted(by_check, key=lambda c: (-SEVERITIES.index(ctx.severities[c]), _RANK[c]))
    for found in by_check.values():
        # by day, then fiche: two stable sorts on one item each, cheaper than one on a pair — the first
        # nearly linear, the findings coming in the fiches' order (year, number)
        found.sort(key=_FOUND_FICHE)
        found.sort(key=_FOUND_SINCE)
    return Findings(ctx, [(check, ctx.severities[check], by_check[check]) for check in order])


_FOUND_SINCE = itemgetter(0)
_FOUND_FICHE = itemgetter(1)


def alerts_at(
    conn: Connection,
    net: Any,
    charter: Charter,
    as_of: dt.date,
    flt: AlertFilter | None = None,
    who: access.Viewer = access.ANONYMOUS,
    *,
    replay_all: bool = False,
    rules: CompiledRules | None = None,
) -> AlertRun:
    """The alerts of the store behind ``conn`` on ``as_of`` (the network and charter already loaded;
    ``rules`` the network's compiled rules when the caller has them)."""
    from engine.routing import compile_rules

    flt = flt or AlertFilter()
    rules = rules or compile_rules(net.rules)
    # One bounded job that keeps every view and alert to its end (200,000 fiches: a few million objects,
    # nearly none of them garbage): with the collector running, its full collections traversed the growing
    # heap again and again — about 30 % of the run's CPU at 200,000 fiches (docs/performance.md).
    with collector_paused():
        views = load_views(
            conn,
            as_of,
            bounce_count=charter.alert_thresholds["bounced"].count,
            with_names=who.is_coordinator or who.structure is not None,
            replay_all=replay_all,
            local_networks=local_networks_of(net.territory),
        )
        found = find(views, rules, charter, as_of, flt, who)
    names = {n: ln.name for n, ln in net.territory.local_networks.items()}
    checked = sum(1 for v in views if not flt.network or v.local_network == flt.network)
    return AlertRun(as_of, rules.version, checked, found, flt, names)


def alerts_of_fiches(
    conn: Connection,
    net: Any,
    charter: Charter,
    rules: CompiledRules,
    as_of: dt.date,
    ids: Sequence[str],
    who: access.Viewer = access.ANONYMOUS,
    *,
    caseload: dict[str, int] | None = None,
) -> dict[str, list[Alert]]:
    """The alerts of a few fiches (a page of a technician's list) on ``as_of``, by fiche id.

    Only those fiches are read, so a page costs the same whatever the size of the store.  The
    caseloads for capacity are the store's (every fiche); which of a full structure's fiches were
    assigned after it was full needs every fiche it leads, so that part of ``lead_invalid`` is left
    to the committee's full run (``capactif alerts``).  ``caseload``: the store's, when the caller has it.
    """
    from engine.store import queries

    if not ids:
        return {}
    views = load_views(
        conn,
        as_of,
        bounce_count=charter.alert_thresholds["bounced"].count,
        with_names=False,
        local_networks=local_networks_of(net.territory),
        ids=ids,
    )
    ctx = AlertContext(as_of, dict(charter.alert_thresholds), rules, who)
    ctx.caseload = caseload if caseload is not None else queries.caseload(conn)
    out: dict[str, list[Alert]] = {fiche_id: [] for fiche_id in ids}
    for view in views:
        for fn in CHECKS.values():
            found = fn(view, ctx)
            if found is not None:
                out[view.id].append(found)
    for alerts in out.values():
        alerts.sort(key=sort_key)
    return out
