"""Each alert check at its threshold (day N−1, N, N+1 with --as-of), the fixes that clear it, and rules changes.

Fiches are written with the store's own repository (the functions the CLI calls), on SQLite and
PostgreSQL (the ``store`` fixture); the alerts are computed by :func:`engine.alerts.alerts_at`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine import network as network_module
from engine.alerts import AlertFilter, alerts_at
from engine.charter import load_charter
from engine.fiche import Fiche
from engine.store import access, repository

COORDINATOR = access.Viewer(access.COORDINATOR)
COMMITTEE = access.Viewer(access.COMMITTEE)
DAY = dt.date(2026, 3, 2)
CHARTER = load_charter(None)
T = CHARTER.alert_thresholds


def days(n: int) -> dt.date:
    """``n`` days after DAY."""
    return DAY + dt.timedelta(days=n)


def add(store, net, *, received=DAY, commune="63003", naf="10.71C", kind="creation", needs=(), received_by="cma-63",
        name="Camille Martin", consent=False, stage="idea") -> str:  # fmt: skip
    """Store one fiche (no suggestion recorded); returns its id."""
    fiche = Fiche.model_validate(
        {
            "received": received.isoformat(),
            "received_by": received_by,
            "commune": commune,
            "kind": kind,
            "naf": naf,
            "needs": list(needs),
            "stage": stage,
            "porteur": {"name": name, "email": "camille@example.org", "consent_network": consent},
        },
        context=net.fiche_context(),
    )
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [fiche], who=COORDINATOR, network=net, at=received)
    return change.fiche


def assign(store, net, fiche_id, at, **kw):
    """Assign (lead=…, supports=[…]) as the coordinator on day ``at``."""
    with store.transaction() as conn:
        repository.assign_fiche(conn, fiche_id, who=COORDINATOR, network=net, at=at, by="coordinator", **kw)


def move(store, net, fiche_id, trigger, at, **kw):
    """Move the fiche as the coordinator on day ``at``."""
    with store.transaction() as conn:
        repository.move_fiche(conn, fiche_id, trigger, who=COORDINATOR, network=net, at=at, today=at, **kw)


def note(store, fiche_id, at, by):
    """A note recorded on day ``at`` by ``by`` (written by the coordinator on their behalf)."""
    with store.transaction() as conn:
        repository.note_fiche(conn, fiche_id, "appel", who=COORDINATOR, at=at, by=by, today=at)


def alerts(store, net, as_of, check=None, who=COMMITTEE, charter=CHARTER, **flt):
    """The alerts on ``as_of`` (only ``check`` when given)."""
    checks = (check,) if check else ()
    with store.transaction() as conn:
        run = alerts_at(conn, net, charter, as_of, AlertFilter(checks=checks, **flt), who)
    return run.alerts


def one(store, net, as_of, check, **kw):
    """The single alert of ``check`` on ``as_of``, or None (fails when there are several)."""
    found = alerts(store, net, as_of, check, **kw)
    assert len(found) <= 1, found
    return found[0] if found else None


@pytest.fixture(autouse=True)
def _english():
    """The checks' messages are asserted in English (their msgids); tests/test_alerts_french.py reads the French."""
    from engine import i18n

    with i18n.using("en"):
        yield


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A copy of the bundled rules the test may change (a rules change by the coordinator)."""
    target = tmp_path / "rules"
    shutil.copytree(network_module.load(None).rules_dir, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- no_lead -------------------------------------------------------------------------------------


def test_no_lead_from_day_n(store, network):
    """no_lead: nothing on day N−1, an alert dated day N on day N, one day old on day N+1."""
    n = T["no_lead"].days
    fiche = add(store, network)
    assert one(store, network, days(n - 1), "no_lead") is None
    on_day = one(store, network, days(n), "no_lead")
    assert (on_day.fiche, on_day.since, on_day.days, on_day.severity) == (fiche, days(n), 0, "warning")
    assert on_day.message == f"no référent {n} days after reception (threshold {n} days)"
    later = one(store, network, days(n + 1), "no_lead")
    assert (later.since, later.days) == (days(n), 1)


def test_no_lead_suggests_routing_lead_and_a_fix_clears_it(store, network):
    """The suggested action names routing's lead; once it is assigned the next run has no no_lead."""
    n = T["no_lead"].days
    fiche = add(store, network)
    found = one(store, network, days(n + 3), "no_lead")
    assert found.suggested == ("cma-63",)
    assert found.action == (
        "Assign a référent: Chambre de Métiers et de l'Artisanat du Puy-de-Dôme (routing's suggestion)"
    )
    assert found.command == f"capactif fiche assign {found.fiche} --lead cma-63" and found.suggested == ("cma-63",)
    assert found.structures == ("cma-63",)
    assign(store, network, fiche, days(n + 2), lead="cma-63")
    assert one(store, network, days(n + 3), "no_lead") is None
    # Computed at a date before the assignment, the alert is still there: the history says so.
    assert one(store, network, days(n + 1), "no_lead").fiche == fiche


def test_no_lead_not_for_closed_or_paused_fiches(store, network):
    """A redirected or paused fiche without référent raises no no_lead."""
    n = T["no_lead"].days
    redirected = add(store, network)
    paused = add(store, network)
    move(store, network, redirected, "redirect", days(1))
    move(store, network, paused, "hold", days(1))
    assert alerts(store, network, days(n + 5), "no_lead") == []


# --- no_competent_structure -----------------------------------------------------------------------


def test_no_competent_structure_after_a_rules_change(store, rules_copy):
    """Without a fallback lead, an artisanal project in the Loire has no possible lead: critical from reception."""
    edit(rules_copy / "routing.yaml", "fallback_lead: [adret]", "fallback_lead: []")
    changed = network_module.load(rules_copy)
    fiche = add(store, changed, commune="42039", received_by="adret")
    assert one(store, changed, days(-1), "no_competent_structure") is None  # not received yet
    found = one(store, changed, DAY, "no_competent_structure")
    assert (found.fiche, found.since, found.severity) == (fiche, DAY, "critical")
    assert "no structure of the network can lead" in found.message and "42039 Chalmazel-Jeansagnière" in found.message
    assert one(store, changed, days(1), "no_competent_structure").days == 1
    bundled = network_module.load(None)
    assert one(store, bundled, DAY, "no_competent_structure") is None  # adret is the fallback lead


# --- stalled -------------------------------------------------------------------------------------


def test_stalled_per_stage_threshold(store, network):
    """stalled: N days after the last event, N being the charter's delay for the fiche's stage."""
    fiche = add(store, network)
    assign(store, network, fiche, days(2), lead="cma-63")
    move(store, network, fiche, "start_study", days(5))
    n = T["stalled"].days_for("study")
    assert n != T["stalled"].days_for("idea")
    assert one(store, network, days(5 + n - 1), "stalled") is None
    found = one(store, network, days(5 + n), "stalled")
    assert (found.since, found.days) == (days(5 + n), 0)
    assert found.message == (
        f"no news for {n} days since {days(5).isoformat()} "
        f"(threshold {n} days at stage montage (étude de marché, plan d'affaires))"
    )
    assert found.action == "Contact the porteur and record it: Chambre de Métiers et de l'Artisanat du Puy-de-Dôme"
    assert one(store, network, days(5 + n + 1), "stalled").days == 1


def test_stalled_cleared_by_a_contact(store, network):
    """Any event is news: a contact recorded makes the stalled alert disappear from the next run."""
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    n = T["stalled"].days_for("idea")
    assert one(store, network, days(n + 1), "stalled") is not None
    note(store, fiche, days(n), "cma-63")
    assert one(store, network, days(n + 1), "stalled") is None


# --- lead_invalid --------------------------------------------------------------------------------


def test_lead_invalid_appears_after_a_rules_change(store, network, rules_copy):
    """The lead no longer covers the commune in the new rules: lead_invalid, dated from its assignment."""
    fiche = add(store, network)
    assign(store, network, fiche, days(3), lead="cma-63")
    assert alerts(store, network, days(10), "lead_invalid") == []
    edit(rules_copy / "structures" / "cma-63.yaml", 'departments: ["63"]', 'departments: ["43"]')
    changed = network_module.load(rules_copy)
    assert one(store, changed, days(2), "lead_invalid") is None  # no lead yet on day 2
    found = one(store, changed, days(3), "lead_invalid")
    assert (found.fiche, found.since, found.severity) == (fiche, days(3), "critical")
    assert "cma-63 does not cover commune 63003 Ambert" in found.message
    assert one(store, changed, days(4), "lead_invalid").days == 1


def test_lead_invalid_when_inactive_or_gone(store, network, rules_copy):
    """An inactive lead, then a lead whose file was removed, are both invalid, each said in words."""
    fiche = add(store, network, commune="63430", naf="47.11B", received_by="cci-thiers")
    assign(store, network, fiche, DAY, lead="cci-thiers")
    edit(rules_copy / "structures" / "cci-thiers.yaml", "active: true", "active: false")
    found = one(store, network_module.load(rules_copy), days(1), "lead_invalid")
    assert "cci-thiers not active" in found.message
    (rules_copy / "structures" / "cci-thiers.yaml").unlink()
    gone = network_module.load(rules_copy)
    found = one(store, gone, days(1), "lead_invalid")
    assert "cci-thiers is no longer in the network's rules" in found.message


def test_lead_invalid_over_capacity_only_the_latest(store, network, rules_copy):
    """Over capacity: only the fiches assigned after the lead was full are alerted."""
    edit(rules_copy / "structures" / "cma-63.yaml", "active: true", "active: true\ncapacity: 2")
    limited = network_module.load(rules_copy)
    ids = [add(store, limited) for _ in range(3)]
    for i, fiche in enumerate(ids):
        assign(store, limited, fiche, days(i), lead="cma-63")
    found = alerts(store, limited, days(5), "lead_invalid")
    assert [a.fiche for a in found] == [ids[2]]
    assert "over capacity (3 active fiches as lead, capacity 2)" in found[0].message
    move(store, limited, ids[0], "abandon", days(6))
    assert alerts(store, limited, days(6), "lead_invalid") == []


# --- follow_up_missing ---------------------------------------------------------------------------


def test_follow_up_missing_from_day_n_after_installation(store, network):
    """Installed on day I: alert from I+N while the follow-up has not started; start_follow_up clears it."""
    n = T["follow_up_missing"].days
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    move(store, network, fiche, "start_study", days(1))
    move(store, network, fiche, "install", days(10), installed_on=days(10))
    assert one(store, network, days(10 + n - 1), "follow_up_missing") is None
    found = one(store, network, days(10 + n), "follow_up_missing")
    assert (found.since, found.days, found.suggested) == (days(10 + n), 0, ("cma-63",))
    assert one(store, network, days(10 + n + 1), "follow_up_missing").days == 1
    move(store, network, fiche, "start_follow_up", days(10 + n + 1), follow_up_by="cma-63")
    assert one(store, network, days(10 + n + 1), "follow_up_missing") is None


# --- bounced -------------------------------------------------------------------------------------


def test_bounced_at_k_changes(store, network):
    """K−1 lead changes: nothing; the K-th change raises bounced dated that day, with the chain."""
    k = T["bounced"].count
    fiche = add(store, network, commune="63430", naf="47.11B", received_by="cci-thiers")
    leads = ["cci-thiers", "adret"] * (k + 1)
    for i in range(k + 1):  # the first assignment and k changes, one a day
        assign(store, network, fiche, days(i), lead=leads[i])
    assert one(store, network, days(k - 1), "bounced") is None  # k-1 changes by then
    found = one(store, network, days(k), "bounced")
    assert (found.since, found.days) == (days(k), 0)
    assert found.message.startswith(f"the référent changed {k} times (threshold {k}): cci-thiers → adret")
    assert set(found.structures) == {"cci-thiers", "adret"}
    assign(store, network, fiche, days(k + 1), lead=leads[k + 1])
    assert one(store, network, days(k + 1), "bounced").message.startswith(f"the référent changed {k + 1} times")


# --- need_uncovered ------------------------------------------------------------------------------


def test_need_uncovered_until_a_supporting_structure_is_added(store, network):
    """A declared need nobody on the fiche serves: info alert, routing names who to add; adding it clears it."""
    fiche = add(store, network, needs=["honour_loan", "training"])
    assert one(store, network, days(1), "need_uncovered") is None  # no lead yet: no_lead's business
    assign(store, network, fiche, days(2), lead="cma-63")
    found = one(store, network, days(2), "need_uncovered")
    assert (found.since, found.severity) == (days(2), "info")
    assert found.message == "1 declared need served by no structure on the fiche: prêt d'honneur (honour_loan)"
    assert found.action == "Add Pays d'Ambert Initiative as supporting structure for prêt d'honneur"
    assert found.command == f"capactif fiche assign {found.fiche} --support pfil-ambert"
    assign(store, network, fiche, days(4), supports=["pfil-ambert"])
    assert one(store, network, days(4), "need_uncovered") is None
    assert one(store, network, days(3), "need_uncovered").days == 1


# --- consent_missing -----------------------------------------------------------------------------


def test_consent_missing_when_an_outsider_writes(store, network):
    """A note by a structure not on the fiche, without consent: critical from that day; consent clears it."""
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    note(store, fiche, days(5), "cma-63")
    note(store, fiche, days(9), "cci-ambert")
    assert one(store, network, days(8), "consent_missing") is None
    found = one(store, network, days(9), "consent_missing")
    assert (found.since, found.severity, found.structures) == (days(9), "critical", ("cci-ambert", "cma-63"))
    assert "note recorded by cci-ambert, not on the fiche" in found.message
    assert one(store, network, days(10), "consent_missing").days == 1
    with store.transaction() as conn:
        repository.set_consent(conn, fiche, True, who=COORDINATOR, at=days(11))
    assert one(store, network, days(11), "consent_missing") is None


def test_consent_missing_not_for_a_former_lead_or_the_coordinator(store, network):
    """A former lead's notes (it was on the fiche then) and the coordinator's are no sharing."""
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    note(store, fiche, days(1), "cma-63")
    note(store, fiche, days(2), "coordinator")
    assign(store, network, fiche, days(3), lead="adret")
    assert alerts(store, network, days(4), "consent_missing") == []


def test_consent_missing_for_a_follow_up_structure_off_the_fiche(store, network):
    """A follow-up structure that is not on the fiche reaches the porteur: alert, also once the fiche is closed."""
    fiche = add(store, network)
    assign(store, network, fiche, DAY, lead="cma-63")
    move(store, network, fiche, "start_study", days(1))
    move(store, network, fiche, "install", days(2), installed_on=days(2))
    move(store, network, fiche, "start_follow_up", days(3), follow_up_by="pfil-ambert")
    found = one(store, network, days(3), "consent_missing")
    assert found.since == days(3) and "pfil-ambert is in charge of the follow-up" in found.message
    move(store, network, fiche, "mark_developed", days(4))
    assert one(store, network, days(5), "consent_missing") is not None


def test_consent_missing_not_for_structures_answering_the_suggestion(store, network):
    """The suggested référent and supporting structure answer "Prendre en charge" (the event before the one
    that puts them on the fiche): no sharing, whether the fiche's history is replayed or not."""
    from engine.app.fiches import suggester
    from engine.routing.compile import compile_rules
    from engine.store import suggestions

    fiche = Fiche.model_validate(
        {"received": DAY.isoformat(), "received_by": "cc-ambert", "commune": "63003", "kind": "creation",
         "naf": "10.71C", "needs": ["honour_loan"], "porteur": {"name": "Camille Martin"}},
        context=network.fiche_context(),
    )  # fmt: skip
    suggest = suggester(compile_rules(network.rules))
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [fiche], who=COORDINATOR, network=network, suggester=suggest, at=DAY)
        asked = sorted(suggestions.current(conn, change.fiche), key=lambda a: a[1])
        for structure, _role in asked:
            repository.answer_suggestion(
                conn, change.fiche, "take", who=access.Viewer(structure), suggester=suggest, at=days(1)
            )
    assert len(asked) >= 2
    note(store, change.fiche, days(6), asked[0][0])  # an event after as_of: the history is replayed then
    for as_of in (days(2), days(7)):
        with store.transaction() as conn:
            for replay_all in (False, True):
                run = alerts_at(conn, network, CHARTER, as_of, AlertFilter(), COMMITTEE, replay_all=replay_all)
                assert [a for a in run.alerts if a.check == "consent_missing"] == [], (as_of, replay_all)


# --- the whole run -------------------------------------------------------------------------------


def test_closed_fiches_raise_only_consent_missing(store, network):
    """An abandoned fiche without lead, news or follow-up raises nothing."""
    fiche = add(store, network, needs=["honour_loan"])
    move(store, network, fiche, "abandon", days(1))
    assert alerts(store, network, days(400)) == []


def test_committee_sees_no_names_the_lead_does(store, network):
    """porteur_name: null for the committee and other structures, the name for the lead and the coordinator."""
    fiche = add(store, network, name="Camille Martin")
    assign(store, network, fiche, DAY, lead="cma-63")
    as_of = days(200)

    def names(who):
        return {a.porteur_name for a in alerts(store, network, as_of, who=who)}

    assert names(COMMITTEE) == {None}
    assert names(access.Viewer("cci-thiers")) == {None}
    assert names(access.Viewer("cma-63")) == {"Camille Martin"}
    assert names(COORDINATOR) == {"Camille Martin"}


def test_filters_network_structure_severity(store, network):
    """--network, --structure and --min-severity keep only the matching alerts."""
    ambert = add(store, network)
    thiers = add(store, network, commune="63430", naf="47.11B", received_by="cci-thiers")
    as_of = days(100)
    assert {a.fiche for a in alerts(store, network, as_of, network="thiers")} == {thiers}
    assert {a.fiche for a in alerts(store, network, as_of, structure="cma-63")} == {ambert}
    assert alerts(store, network, as_of, min_severity="critical") == []
    everything = alerts(store, network, as_of)
    assert {a.check for a in everything} == {"no_lead", "stalled"}
