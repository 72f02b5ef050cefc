"""One read model of a stored fiche (:mod:`engine.readmodel`) serves the alerts, the report, the charter and the agenda.

Random sequences of writes go through the store's repository (the writer of
tests/test_alerts_projection.py).  Then, at dates before, during and after them:

* the fiche on that day read at scale (``load_views``: the projection, the fiches changed since
  replayed), read by replaying every history (``replay_all``) and given by the stored fiche itself
  (:meth:`StoredFiche.on`) are one value;
* the stored fiche's answers about that day (stage, commune, leads, supporting structures, last
  event) agree with that value;
* what each consumer says about the fiche — the alerts (its stage, commune, network), the report's
  facts (first référent, installation, structures), the charter (the structure responsible) and the
  agenda (its stage, lead and structures on the eve of a meeting) — is what the model says.

And no consumer reads the event log or the projection itself: their imports are read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.agenda.build import build_agenda
from engine.agenda.meeting import Meeting
from engine.alerts import AlertFilter, alerts_at
from engine.charter import load_charter
from engine.charter.check import judge
from engine.readmodel import FicheView, StoredFiche, load_fiches, load_views, local_networks_of, network_of
from engine.report.indicators import Period, facts_of
from engine.routing import compile_rules
from engine.store import access, db
from tests.test_alerts_projection import AS_OF, OPS, Writer
from tests.test_architecture import ROOT, imports, modules

COMMITTEE = access.Viewer(access.COMMITTEE)
CHARTER = load_charter(None)


def fields(view: FicheView) -> dict[str, Any]:
    """A view as plain values, without the porteur's name (the stored fiche's events carry none)."""
    return {name: value for name, value in view._asdict().items() if name != "porteur_name"}


def check_views_agree(conn: Any, net: Any, as_of: dt.date, stored: list[StoredFiche]) -> dict[str, FicheView]:
    """The projection's views, the full replay's and the stored fiches' own are one value on ``as_of``."""
    networks = local_networks_of(net.territory)
    fast = {v.id: v for v in load_views(conn, as_of, local_networks=networks)}
    slow = {v.id: v for v in load_views(conn, as_of, local_networks=networks, replay_all=True)}
    own = {f.id: f.on(as_of, networks) for f in stored if f.received <= as_of}
    assert sorted(fast) == sorted(slow) == sorted(own)
    for fiche_id, view in fast.items():
        mine = own[fiche_id]
        assert mine is not None, fiche_id
        assert fields(view) == fields(slow[fiche_id]) == fields(mine), fiche_id
    return fast


def check_history_agrees(f: StoredFiche, view: FicheView, as_of: dt.date, territory: Any) -> None:
    """What the stored fiche says about ``as_of`` is what its view of that day holds."""
    assert f.stage_on(as_of) == view.stage
    assert f.commune_on(as_of) == view.commune
    assert network_of(f, as_of, territory) == view.local_network
    leads = f.leads(as_of)  # the lead the fiche came with (if any), then every assignment
    assert leads[len(leads) - len(view.lead_history) :] == list(view.lead_history)
    assert len(leads) - len(view.lead_history) in (0, 1)
    if view.lead is not None:
        assert leads and view.lead == leads[-1][1]
    assert set(view.supporting) <= {s for _, s in f.supports(as_of)}
    assert view.on_fiche <= f.structures_on(as_of)
    assert view.last_event == max([f.received, *(e.at for e in f.until(as_of))])
    if view.stage == "installed":
        assert f.installed_on(as_of) is not None


def check_consumers_agree(conn: Any, net: Any, as_of: dt.date, stored: list[StoredFiche], views: dict) -> None:
    """The alerts, the report's facts, the charter and the agenda say of each fiche what the model says."""
    by_id = {f.id: f for f in stored}
    for alert in alerts_at(conn, net, CHARTER, as_of, AlertFilter(), COMMITTEE).alerts:
        view = views[alert.fiche]
        assert (alert.stage, alert.commune, alert.network) == (view.stage, view.commune, view.local_network)
        assert alert.stage == by_id[alert.fiche].stage_on(as_of)
    period = Period(dt.date(as_of.year, 1, 1), as_of)
    referent = next(c for c in CHARTER.commitments if c.id == "referent")
    for f in stored:
        if f.received > as_of:
            continue
        facts = facts_of(f, period, net.territory)
        assert facts.first_lead == (f.leads(as_of)[0][0] if f.leads(as_of) else None)
        assert facts.installed_on == f.installed_on(as_of)
        assert facts.structures == frozenset(f.structures_on(as_of))
        outcome = judge(f, referent, period, as_of, net.territory, COMMITTEE)
        if outcome is not None and outcome.due is not None and outcome.due <= as_of:
            leads = f.leads(outcome.due)
            assert outcome.structure == (leads[-1][1] if leads else f.received_by)
    meeting = Meeting(as_of.year, as_of.month)
    eve = meeting.as_of
    on_eve = check_views_agree(conn, net, eve, stored)
    rules = compile_rules(net.rules)
    for network in net.territory.local_networks:
        agenda = build_agenda(
            meeting,
            network,
            net.territory,
            stored,
            on_eve.values(),
            [],
            [],
            [],
            rules,
            viewer=COMMITTEE,
            follow_up_days=30,
        )
        members = [f for f in stored if f.received <= eve and on_eve[f.id].local_network == network]
        assert agenda["fiches"] == len(members)
        for row in agenda["new_fiches"] + agenda["installations"] + agenda["follow_ups_due"]:
            view, f = on_eve[row["fiche"]], by_id[row["fiche"]]
            assert (row["stage"], row["lead"], row["supporting"]) == (view.stage, view.lead, list(view.supporting))
            assert (row["stage"], row["commune"]) == (f.stage_on(eve), f.commune_on(eve))


def check_one_model(store: db.Store, net: Any) -> int:
    """Every check above at every date of :data:`AS_OF`; returns the fiche-days compared."""
    compared = 0
    with store.transaction() as conn:
        stored = load_fiches(conn)
        for as_of in AS_OF:
            views = check_views_agree(conn, net, as_of, stored)
            for f in stored:
                if f.received <= as_of:
                    check_history_agrees(f, views[f.id], as_of, net.territory)
                    compared += 1
            check_consumers_agree(conn, net, as_of, stored, views)
    return compared


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ops=st.lists(OPS, min_size=1, max_size=30))
def test_one_read_model_of_random_histories(network, ops):
    """Hypothesis, SQLite: any sequence of writes; one value per fiche and day, and every consumer agrees with it."""
    with tempfile.TemporaryDirectory() as tmp:
        store = db.open_store(str(Path(tmp) / "r.sqlite"))
        try:
            Writer(store, network).run(ops)
            check_one_model(store, network)
        finally:
            store.dispose()


def test_a_seeded_history_is_compared(tmp_path, network):
    """A fixed sequence (handovers, stage changes, notes by outsiders, moves): fiche-days were compared."""
    store = db.open_store(str(tmp_path / "s.sqlite"))
    try:
        writer = Writer(store, network)
        writer.run(
            [("add", i, i, i if i % 3 else None, i * 9 % 120, i % 4 == 0, i % 2 == 0, i % 3 == 1) for i in range(8)]
        )
        journey = [("assign", 0, 2, 5), ("move", 0, 0, 0, 6), ("move", 0, 1, 0, 40), ("note", 0, 5, True, 50)]
        writer.run([*journey, ("assign", 1, 3, 8), ("assign", 1, 4, 20), ("commune", 2, 3, 30), ("remove_lead", 4, 9)])
        assert check_one_model(store, network) >= 8
    finally:
        store.dispose()


#: The consumers of the read model, and what they must not read themselves.
CONSUMERS = ("engine.alerts", "engine.report", "engine.charter", "engine.agenda", "engine.notify")
OWN_READING = (
    "engine.store.history",
    "engine.store.projection",
    "engine.store.porteur_keys",
    "engine.store.schema.events",
    "engine.store.schema.fiches",
    "engine.store.schema.fiche_projection",
    "engine.store.schema.fiche_supports",
    "engine.store.queries.supports_by_fiche",
)


def test_consumers_read_the_store_only_through_the_read_model():
    """No module of the alerts, the report, the charter, the agenda or the notifications reads the event
    log, the projection or the tables itself; each of them gets its fiches from engine.readmodel."""
    found = []
    users = set()
    for name, path in modules():
        if not name.startswith(CONSUMERS):
            continue
        for target, line in imports(path, name):
            if target.startswith(OWN_READING):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
            if target.startswith("engine.readmodel"):
                users.add(".".join(name.split(".")[:2]))
    assert found == []
    assert users == set(CONSUMERS)
