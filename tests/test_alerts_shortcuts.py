"""The alerts' shortcuts change no alert: computed with them and without them, the same alerts.

Three shortcuts keep ``capactif alerts`` from routing every fiche (engine/alerts/context.py):
``no_competent_structure`` asks routing only whether it names a lead (``has_lead``),
``need_uncovered`` routes a fiche only when a missing need could be served in its commune, and
``lead_invalid`` skips the fired rules when no rule is about the lead.  Two more save work per fiche:
``need_uncovered`` takes the needs its structures serve for any fiche as served without asking them
one by one, and routing's ``lead_obstacle`` says the eligibility problems only of a structure that has
one (``eligible``, the same tests as a boolean).  Hypothesis builds fiches of
the synthetic sample with random référents, supporting structures, follow-up structures, needs
and stages (needs that nobody serves in the commune included) on the bundled rules (which have
no rule about the lead), and compares the two computations.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import sample
from engine.alerts.checks import CHECKS, SCANS, SCOPE_OF, SCOPES, by_scope
from engine.alerts.context import AlertContext, beyond_capacity, caseloads, led_caseloads
from engine.alerts.runner import compute, sort_key
from engine.charter import load_charter
from engine.readmodel import FicheView, Sharing
from engine.routing import compile_rules
from engine.routing.eligibility import eligibility_problems, eligible
from engine.vocabulary import ACTIVE_STAGES, NEEDS, STAGES

suggest_module = importlib.import_module("engine.routing.suggest")  # the package exports the function

CHARTER = load_charter(None)
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def fiches(network):
    """200 fiches of the seeded synthetic sample."""
    return list(sample.iter_fiches(network, 200, seed=7, end=AS_OF))


@pytest.fixture(scope="module")
def rules(network):
    return compile_rules(network.rules)


def views_of(fiches, structures: list[str], rng: random.Random) -> list[FicheView]:
    out = []
    for f in rng.sample(fiches, 60):
        lead = rng.choice([None, None, *structures])
        out.append(
            FicheView(
                id=f"F-2026-{len(out) + 1:04d}",
                received=f.received,
                received_by=rng.choice(structures),
                commune=f.commune,
                local_network=None,
                kind=f.kind,
                naf=f.naf,
                nature=f.nature,
                employees=f.employees,
                needs=rng.sample(list(NEEDS), rng.randrange(4)) if rng.random() < 0.5 else list(f.needs),
                publics=list(f.publics),
                stage=rng.choice(ACTIVE_STAGES),
                lead=lead,
                supporting=tuple(rng.sample(structures, rng.randrange(3))),
                installed_on=None,
                follow_up_by=rng.choice([None, None, *structures]),
                consent_network=False,
                last_event=f.received,
                replayed=True,
            )
        )
    return out


def _accompanying_one_by_one(self, lead, supporting, follow_up_by):
    """Every structure on the fiche (active or not) asked need by need, no plain needs taken for granted."""
    structures = self.rules.structures
    present = [structures[s] for s in (lead, *supporting, follow_up_by) if s and s in structures]
    return [s for s in present if s.active], frozenset(), frozenset(NEEDS)


def without_shortcuts(monkeypatch, rules) -> None:
    monkeypatch.setattr(AlertContext, "accompanying", _accompanying_one_by_one)
    monkeypatch.setattr(suggest_module, "eligible", lambda s, fiche: not eligibility_problems(s, fiche, rules))
    monkeypatch.setattr(
        AlertContext, "can_be_led", lambda self, view: self.suggestion(view, caseload=False).lead is not None
    )
    monkeypatch.setattr(AlertContext, "servable", lambda self, commune, need: True)
    original = AlertContext.__post_init__

    def every_rule_may_be_about_the_lead(self):
        original(self)
        self.lead_rules = True

    monkeypatch.setattr(AlertContext, "__post_init__", every_rule_may_be_about_the_lead)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_shortcuts_change_no_alert(fiches, rules, network, seed):
    """Any mix of fiches: the alerts with the shortcuts are the alerts without them."""
    rng = random.Random(seed)
    views = views_of(fiches, sorted(network.structure_ids), rng)
    fast = [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]
    with pytest.MonkeyPatch.context() as patch:
        without_shortcuts(patch, rules)
        slow = [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]
    assert fast == slow
    assert fast, "the sample raises alerts"


def test_the_shortcuts_are_taken(fiches, rules, network):
    """On the sample, the shortcuts really skip work: fewer routing calls than without them."""
    from engine.alerts import context

    calls = {"n": 0}
    original = context.suggest

    def counting(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    views = views_of(fiches, sorted(network.structure_ids), random.Random(3))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "suggest", counting)
        [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]  # every alert said: its routing done
        fast = calls["n"]
        calls["n"] = 0
        without_shortcuts(patch, rules)
        [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]
    assert fast < calls["n"]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_eligible_is_the_absence_of_eligibility_problems(fiches, rules, network, seed):
    """For any fiche of the sample (random stage, headcount, publics, NAF) and every structure of the rules."""
    rng = random.Random(seed)
    for view in views_of(fiches, sorted(network.structure_ids), rng):
        view = view._replace(
            employees=rng.choice([None, 0, 3, 11, 60]),
            publics=tuple(rng.sample(["job_seeker", "young", "woman", "rsa"], rng.randrange(3))),
            naf=rng.choice([view.naf, None, "10.71C", "01.11Z", "47.11B"]),
        )
        for s in rules.structures.values():
            assert eligible(s, view) == (not eligibility_problems(s, view, rules)), (s.id, view)


def varied(views: list[FicheView], structures: list[str], rng: random.Random) -> list[FicheView]:
    """The views at any stage (closed ones too), installed or not, handed from lead to lead, shared with
    structures not on them, with open suggestions: every scope of the checks and fiches outside each."""
    out = []
    for view in views:
        stage = rng.choice([*STAGES])
        history = tuple(
            (view.received + dt.timedelta(days=i), rng.choice(structures)) for i in range(rng.choice([0, 0, 1, 2, 4]))
        )
        shared = () if rng.random() < 0.7 else (Sharing(view.received, rng.choice(structures), "note"),)
        asked = () if rng.random() < 0.7 else ((rng.choice(structures), "lead", view.received),)
        out.append(
            view._replace(
                stage=stage,
                lead=view.lead if stage != "idea" or rng.random() < 0.5 else None,
                installed_on=AS_OF - dt.timedelta(days=rng.choice([10, 400])) if rng.random() < 0.5 else None,
                lead_assignments=len(history),
                lead_history=history,
                shared_beyond=shared,
                suggested=asked,
                consent_network=rng.random() < 0.2,
            )
        )
    return out


def every_check_on_every_fiche(views, rules, as_of):
    """The alerts as the runner made them before scopes: each check asked of each fiche, sorted by sort_key."""
    ctx = AlertContext(as_of, dict(CHARTER.alert_thresholds), rules)
    ctx.caseload = caseloads(views)
    ctx.over_capacity = beyond_capacity(views, rules)
    found = [a for v in views for fn in CHECKS.values() if (a := fn(v, ctx)) is not None]
    return sorted(found, key=sort_key)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_each_check_alerts_only_in_its_scope(fiches, rules, network, seed):
    """A check says None for every fiche outside its scope, so the runner asking it of its scope's fiches
    only (by_scope) gives the alerts of every check asked of every fiche, in the same order."""
    rng = random.Random(seed)
    structures = sorted(network.structure_ids)
    views = varied(views_of(fiches, structures, rng), structures, rng)
    scopes = {name: {v.id for v in of} for name, of in by_scope(views).items()}
    assert set(scopes) == set(SCOPES)
    ctx = AlertContext(AS_OF, dict(CHARTER.alert_thresholds), rules)
    for check, fn in CHECKS.items():
        for view in views:
            if view.id not in scopes[SCOPE_OF[check]]:
                assert fn(view, ctx) is None, (check, view)
    ctx.caseload = caseloads(views)
    assert led_caseloads(by_scope(views)["led"]) == ctx.caseload  # the runner counts the led scope only
    ctx.over_capacity = beyond_capacity(views, rules)
    for check, scan in SCANS.items():  # a scan of many fiches is the scan of each alone (no state between fiches)
        assert [ctx.made(check, f).to_dict() for f in scan(views, ctx)] == [
            a.to_dict() for v in views if (a := CHECKS[check](v, ctx)) is not None
        ], check
    scoped = compute(views, rules, CHARTER, AS_OF)
    assert [a.to_dict() for a in scoped] == [a.to_dict() for a in every_check_on_every_fiche(views, rules, AS_OF)]
    assert {a.check for a in scoped} >= {"bounced", "consent_missing", "stalled"}


@settings(max_examples=200, deadline=None)
@given(
    drawn=st.lists(
        st.tuples(
            st.sampled_from(sorted(CHECKS)),
            st.sampled_from(["critical", "warning", "info"]),
            st.integers(0, 6),  # few days: many ties on the day
            st.integers(1, 40),
        ),
        max_size=60,
    ),
    limit=st.integers(1, 12),
)
def test_the_most_urgent_are_the_first_by_urgency(drawn, limit):
    """``AlertRun.most_urgent`` (severity by severity, the oldest days first) is ``sorted(key=urgency)[:limit]``,
    ties on the severity, the day and the check included."""
    from engine.alerts.model import Alert
    from engine.alerts.runner import AlertRun, urgency

    alerts = [
        Alert(f"F-2026-{n:04d}", None, "63003", "idea", check, severity, AS_OF - dt.timedelta(days=days), days)
        for check, severity, days, n in drawn
    ]
    run = AlertRun(AS_OF, "test", len(alerts), alerts)
    expected = sorted(alerts, key=urgency)[:limit]
    assert [(a.fiche, a.check) for a in run.most_urgent(limit)] == [(a.fiche, a.check) for a in expected]
    assert run.most_urgent(limit) == run.most_urgent(limit)  # computed once, the same list each time


@settings(max_examples=60, deadline=None)
@given(
    drawn=st.lists(
        st.tuples(
            st.sampled_from(list(CHECKS)),
            st.sampled_from(["critical", "warning", "info"]),
            st.sampled_from([None, "", "thiers", "ambert", "brioude", "elsewhere"]),
        ),
        max_size=60,
    ),
)
def test_the_counts_and_the_counts_per_network_are_those_of_the_alerts(drawn):
    """``AlertRun.counts`` and ``by_network`` (one tally per network, check and severity) say what counting the
    alerts one by one says: per severity, per check, per local network in the territory's order (no network,
    or an empty one, under "(none)", last; a network the territory does not name left out of the counts per
    network, as the grouping does), asked twice the same."""
    from engine.alerts.model import Alert
    from engine.alerts.runner import NO_NETWORK, AlertRun

    alerts = [
        Alert(f"F-2026-{n:04d}", network, "63003", "idea", check, severity, AS_OF, 0)
        for n, (check, severity, network) in enumerate(drawn)
    ]
    names = {"thiers": "Thiers", "ambert": "Ambert", "brioude": "Brioude"}
    run = AlertRun(AS_OF, "test", len(alerts), alerts, network_names=names)
    counts = run.counts()
    assert counts["total"] == len(alerts)
    assert counts["by_severity"] == {s: sum(a.severity == s for a in alerts) for s in ("critical", "warning", "info")}
    assert counts["by_check"] == {c: sum(a.check == c for a in alerts) for c in CHECKS}
    expected = []
    for network in [*names, NO_NETWORK]:
        mine = [a for a in alerts if (a.network or NO_NETWORK) == network]
        if mine:
            by_check = {c: sum(a.check == c for a in mine) for c in CHECKS}
            expected.append({"network": network, "total": len(mine), "by_check": by_check})
    assert [{k: n[k] for k in ("network", "total", "by_check")} for n in run.by_network()] == expected
    assert [n["name"] for n in run.by_network() if n["network"] in names] == [
        names[n["network"]] for n in expected if n["network"] in names
    ]
    assert run.counts() == counts


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_stalled_alerts_from_day_n_of_its_stage_s_delay(fiches, rules, network, seed):
    """``stalled``'s scan against the charter's rule written plainly (:func:`common.due`: a delay of N days from
    the last event applies from day N on), for last events on every day of the last 400 (each stage's boundary
    day among them): a '>=' for '>' in the scan is caught."""
    from engine.alerts.checks import stalled
    from engine.alerts.checks.common import due

    rng = random.Random(seed)
    structures = sorted(network.structure_ids)
    views = varied(views_of(fiches, structures, rng), structures, rng)
    dated = [v._replace(last_event=AS_OF - dt.timedelta(days=i % 400)) for i, v in enumerate(views * 3)]
    ctx = AlertContext(AS_OF, dict(CHARTER.alert_thresholds), rules)
    delay = CHARTER.alert_thresholds["stalled"].days_for
    expected = [
        (v.id, since)
        for v in dated
        if v.stage in ACTIVE_STAGES and delay(v.stage) and (since := due(v.last_event, delay(v.stage), AS_OF))
    ]
    found = [(f[1], f[0]) for f in stalled.scan(dated, ctx)]
    assert len(found) == len(expected)
    assert found == expected


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    severities=st.lists(st.sampled_from(["critical", "warning", "info"]), min_size=len(CHECKS), max_size=len(CHECKS)),
    limit=st.integers(1, 30),
    structure=st.sampled_from([None, "cma-63", "cci-thiers"]),
)
def test_the_summary_from_the_findings_is_the_summary_of_the_alerts(
    fiches, rules, network, seed, severities, limit, structure
):
    """What ``capactif alerts`` shows without ``--all`` is read from the checks' findings, no alert made but
    the most urgent (:class:`engine.alerts.runner.Findings`): the total, the counts, the counts per local
    network, the most urgent (any limit, each check at any severity, so that checks of one severity mix
    their days), ``--fail-on`` and the alerts themselves are those of the same run's alerts all made and
    counted one by one (``AlertRun`` of a list) — with and without the structure filter."""
    import dataclasses

    from engine.alerts.runner import AlertFilter, AlertRun, find

    rng = random.Random(seed)
    structures = sorted(network.structure_ids)
    views = [
        v._replace(
            local_network=rng.choice([None, "thiers", "ambert", "brioude"]),
            last_event=AS_OF - dt.timedelta(days=rng.randrange(400)),
        )
        for v in varied(views_of(fiches, structures, rng), structures, rng)
    ]
    thresholds = {
        check: dataclasses.replace(t, severity=severity)
        for (check, t), severity in zip(CHARTER.alert_thresholds.items(), severities, strict=True)
    }
    charter = dataclasses.replace(CHARTER, alert_thresholds=thresholds)
    flt = AlertFilter(structure=structure)
    names = {"thiers": "Thiers", "ambert": "Ambert", "brioude": "Brioude"}
    found = find(views, rules, charter, AS_OF, flt)
    lazy = AlertRun(AS_OF, "test", len(views), found, flt, names)
    made = AlertRun(AS_OF, "test", len(views), found.alerts(), flt, names)
    assert lazy.total == len(made.alerts)
    assert lazy.counts() == made.counts()
    assert lazy.by_network() == made.by_network()
    assert [a.to_dict() for a in lazy.most_urgent(limit)] == [a.to_dict() for a in made.most_urgent(limit)]
    for severity in ("critical", "warning", "info"):
        assert lazy.reaches(severity) == made.reaches(severity)
    assert [a.to_dict() for a in lazy.alerts] == [a.to_dict() for a in made.alerts]
    assert lazy.alerts is lazy.alerts  # made once
    assert made.alerts, "the drawn fiches raise alerts"  # else the comparisons above say nothing
