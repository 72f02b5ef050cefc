"""An alert says its words (message, action, structures, suggestions, command) when first read.

``capactif alerts`` without ``--all`` shows the counts and the ten most urgent alerts: the sentences and
routing's proposals of the others are never needed, so an alert keeps the check's function that says
them and calls it the first time one of them is read (engine/alerts/model.py).  These tests hold that
the words read later are the words said at once, in the language of the run whatever the language
when read, that the summary says only what it shows, and that an alert says its words once.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from engine import sample
from engine.alerts.context import AlertContext
from engine.alerts.runner import AlertRun, compute
from engine.charter import load_charter
from engine.i18n import using
from engine.readmodel import FicheView
from engine.routing import compile_rules
from engine.vocabulary import ACTIVE_STAGES

CHARTER = load_charter(None)
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def views(network) -> list[FicheView]:
    """300 fiches of the synthetic sample with random référents, supporting structures and stages."""
    rng = random.Random(11)
    structures = sorted(network.structure_ids)
    out = []
    for f in sample.iter_fiches(network, 300, seed=7, end=AS_OF):
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
                needs=tuple(f.needs),
                publics=tuple(f.publics),
                stage=rng.choice([*ACTIVE_STAGES, "installed"]),
                lead=rng.choice([None, *structures]),
                supporting=tuple(rng.sample(structures, rng.randrange(3))),
                installed_on=f.received if rng.random() < 0.3 else None,
                follow_up_by=rng.choice([None, None, *structures]),
                consent_network=False,
                last_event=f.received,
                replayed=True,
            )
        )
    return out


@pytest.fixture(scope="module")
def rules(network):
    return compile_rules(network.rules)


def test_words_read_later_are_the_words_said_at_once_in_the_language_of_the_run(views, rules):
    with using("fr"):
        at_once = [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]
        later = compute(views, rules, CHARTER, AS_OF)
    with using("en"):
        english = [a.to_dict() for a in compute(views, rules, CHARTER, AS_OF)]
        read_in_english = [a.to_dict() for a in later]
    assert read_in_english == at_once
    assert english != at_once, "the sample's alerts have words that French and English say differently"
    assert {a["check"] for a in at_once} >= {"no_lead", "stalled", "need_uncovered", "follow_up_missing"}


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """The ids of the fiches whose alerts said their words, one entry each time an alert speaks."""
    spoken: list[str] = []
    original = AlertContext.alert

    def counting(self, view, check, since, words):
        def counted():
            spoken.append(view.id)
            return words()

        return original(self, view, check, since, counted)

    monkeypatch.setattr(AlertContext, "alert", counting)
    return spoken


def test_the_summary_says_only_the_alerts_it_shows_and_each_alert_speaks_once(views, rules, said):
    alerts = compute(views, rules, CHARTER, AS_OF)
    run = AlertRun(AS_OF, rules.version, len(views), alerts)
    run.counts()
    run.by_network()
    assert said == []
    summary = run.summary(limit=5)
    assert len(said) == len(summary["most_urgent"]) == 5
    assert len(alerts) > 100
    first = [a.to_dict() for a in alerts]
    assert len(said) == len(alerts)
    assert [a.to_dict() for a in alerts] == first
    assert len(said) == len(alerts), "an alert says its words once"


def test_say_all_says_every_alert_once_and_gives_the_collector_back(views, rules, said):
    """``--all`` and the data formats: every alert said in one step (the collector paused, then running)."""
    import gc

    run = AlertRun(AS_OF, rules.version, len(views), compute(views, rules, CHARTER, AS_OF))
    assert run.say_all() is run
    assert len(said) == len(run.alerts) > 100
    assert gc.isenabled()
    run.to_dict()
    assert len(said) == len(run.alerts)
