"""Use case of the committee's alerts: ``capactif alerts`` (and the alerts page of the web application)."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.alerts.runner import AlertFilter, AlertRun, alerts_at
from engine.app import audit
from engine.app.workspace import Workspace
from engine.identity import Identity

__all__ = ["AlertFilter", "AlertRun", "Alerts", "alerts"]


@dataclass
class Alerts:
    """The alerts of one run, whether they reach the caller's ``--fail-on`` severity, and whether the
    caller asked for every alert (``--all``) or the summary (the counts and the most urgent)."""

    run: AlertRun
    fail_on: str | None = None
    full: bool = False
    #: The command that lists every alert of this run (``--all``, the same day, filters, caller and store),
    #: ready to paste: the summary's last line prints it.
    every: str | None = None

    @property
    def exit_code(self) -> int:
        """1 when an alert at or above ``fail_on`` is shown, else 0."""
        return 1 if self.fail_on and self.run.reaches(self.fail_on) else 0

    def to_dict(self) -> dict[str, object]:
        return self.run.to_dict()


def alerts(
    ws: Workspace,
    who: Identity,
    *,
    as_of: dt.date | None = None,
    network: str | None = None,
    structure: str | None = None,
    checks: Sequence[str] = (),
    min_severity: str = "info",
    fail_on: str | None = None,
    replay_all: bool = False,
    full: bool = False,
    program: str = "capactif",
) -> Alerts:
    """The alerts of the store at ``as_of`` (default today), thresholds from the charter, porteurs' names
    only for callers who may see them; the filters are checked first (all problems at once).
    ``full``: every alert is shown (``--all``, or a data format), else the summary's most urgent ones;
    each fiche whose porteur is named among those shown is logged as read (:mod:`engine.app.audit`).
    ``program``: how the printed command calls capactif (:func:`engine.app.demo.invoked_as`)."""
    net = ws.network
    flt = AlertFilter(network=network, structure=structure, checks=tuple(checks), min_severity=min_severity).check(net)
    charter = ws.charter
    day = as_of or dt.date.today()
    with ws.store.transaction() as conn:
        run = alerts_at(conn, net, charter, day, flt, who, replay_all=replay_all, rules=ws.compiled_rules)
    shown = run.say_all().alerts if full else run.most_urgent()
    audit.record_shown(ws, who, [a.to_dict() for a in shown], "alerts")
    return Alerts(run, fail_on, full, every_alert_command(ws, program, day, flt))


def every_alert_command(ws: Workspace, program: str, as_of: dt.date, flt: AlertFilter) -> str:
    """``capactif alerts --all`` with what made this run: its day, its filters, the caller (``--as``), the
    rules and charter named, the store (a SQLite file by its path, a URL without its password)."""
    words = ["alerts", "--all", "--as-of", as_of.isoformat()]
    if flt.network:
        words += ["--network", flt.network]
    if flt.structure:
        words += ["--structure", flt.structure]
    for check in flt.checks:
        words += ["--check", check]
    if flt.min_severity != "info":
        words += ["--min-severity", flt.min_severity]
    config = ws.config
    if config.as_:
        words += ["--as", config.as_]
    if config.rules_explicit:
        words += ["--rules", str(config.rules_dir.resolve())]
    if config.charter_dir.resolve() != paths.bundled("charter").resolve():
        words += ["--charter", str(config.charter_dir.resolve())]
    if config.db is not None:
        words += ["--db", store_argument(ws.store.url)]
    return " ".join([program, *(shlex.quote(w) for w in words)])


def store_argument(url: str) -> str:
    """The store as ``--db`` takes it: a SQLite file as its absolute path, anything else as its URL
    without the password (psycopg then finds it in ``$PGPASSWORD`` or ``~/.pgpass``)."""
    from sqlalchemy.engine import make_url

    made = make_url(url)
    if made.get_backend_name() == "sqlite" and made.database:
        return str(Path(made.database).resolve())
    return made.set(password=None).render_as_string(hide_password=False)
