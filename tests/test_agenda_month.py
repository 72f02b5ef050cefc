"""capactif agenda on a seeded month (SQLite and PostgreSQL): every section, the month boundary, a fiche that moves.

The Ambert meeting of March 2025 is on Monday 3 March; the previous one was on Monday 3 February; the
next is on Tuesday 1 April.  The agenda is prepared with what was recorded up to Sunday 2 March.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cli import main
from engine.errors import InputError
from engine.render.agenda import render_html, render_markdown
from engine.store.db import open_store
from tests import report_seed as seed
from tests.agenda_seed import AMBERT, D, make_agenda, seed_month


@pytest.fixture
def month(store_url, network):
    """The seeded month (tests/agenda_seed.py); returns the fiche and offer ids by role."""
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            ids = seed_month(conn, network)
    finally:
        store.dispose()
    return ids


def agenda(store_url, network="ambert", month="2025-03", who="coordinator"):
    return make_agenda(store_url, None, None, network, month, who)


def fiches(section) -> list[str]:
    return [row["fiche"] for row in section]


def test_meeting_dates(month, store_url):
    """The agenda says when the meeting is and which days it covers."""
    a = agenda(store_url)
    assert (a["network"], a["month"], a["meeting"], a["previous_meeting"], a["next_meeting"], a["as_of"]) == (
        "ambert",
        "2025-03",
        "2025-03-03",
        "2025-02-03",
        "2025-04-01",
        "2025-03-02",
    )


def test_new_fiches_and_the_month_boundary(month, store_url):
    """New fiches: received from the previous meeting's day (included) to the eve of this meeting (included)."""
    new = fiches(agenda(store_url)["new_fiches"])
    assert new == [month["first_day"], month["moved_in"], month["moves_later"], month["eve"]]
    assert month["before"] not in new and month["meeting_day"] not in new
    april = fiches(agenda(store_url, month="2025-04")["new_fiches"])
    assert april == [month["meeting_day"]]


def test_new_fiches_carry_the_suggestion(month, store_url):
    """Each new fiche has routing's suggested lead with its reasons and its suggested supports."""
    first = agenda(store_url)["new_fiches"][0]
    assert first["suggested_lead"]["structure"] == "cma-63"
    assert first["suggested_lead"]["reasons"][0].startswith("compétente comme référente pour la nature")
    assert first["suggested_supports"] == [{"structure": "pfil-ambert", "needs": ["honour_loan"]}]
    assert (first["lead"], first["orphan"], first["uncovered_needs"]) == (None, False, [])


def test_fiches_to_share_out(month, store_url):
    """No lead yet and a lead plus supporting structures suggested: to share out, older fiches included."""
    shared = agenda(store_url)["to_share_out"]
    assert fiches(shared) == [month["before"], month["first_day"]]
    assert shared[0]["structures"][:2] == [
        {"structure": "cma-63", "role": "lead", "needs": []},
        {"structure": "pfil-ambert", "role": "support", "needs": ["honour_loan"]},
    ]


def test_a_fiche_that_changes_local_network_is_on_the_right_agenda(month, store_url):
    """A fiche follows its commune on the eve of the meeting: moved in before, it is Ambert's; moved out after, too."""
    ambert = fiches(agenda(store_url)["new_fiches"])
    thiers = fiches(agenda(store_url, network="thiers")["new_fiches"])
    assert month["moved_in"] in ambert and month["moved_in"] not in thiers
    assert month["moves_later"] in ambert and month["moves_later"] not in thiers
    assert thiers == [month["thiers"]]
    moved = next(r for r in agenda(store_url)["new_fiches"] if r["fiche"] == month["moved_in"])
    assert (moved["commune"], moved["commune_name"]) == (AMBERT, "Ambert")
    april_thiers = make_agenda(store_url, None, None, "thiers", "2025-04", "coordinator")
    assert month["moves_later"] in fiches(april_thiers["to_share_out"]) + fiches(april_thiers["alerts"])


def test_alerts_are_the_network_fiches_alerts(month, store_url):
    """Alerts come from engine.alerts on the eve of the meeting, only for the network's fiches."""
    alerts = agenda(store_url)["alerts"]
    assert {(a["fiche"], a["check"]) for a in alerts} >= {(month["before"], "no_lead"), (month["first_day"], "no_lead")}
    assert month["thiers"] not in fiches(alerts)
    assert all(a["since"] <= "2025-03-02" for a in alerts)


def test_installations_and_follow_ups_due(month, store_url):
    """Installed since the last meeting (and whether through an offer); follow-ups due before the next meeting."""
    a = agenda(store_url)
    assert [(r["fiche"], r["installed_on"], r["via_offer"]) for r in a["installations"]] == [
        (month["installed_via"], "2025-02-15", True)
    ]
    assert [(r["fiche"], r["due"], r["overdue"]) for r in a["follow_ups_due"]] == [
        (month["overdue"], "2025-02-18", True),
        (month["due_soon"], "2025-03-10", False),
    ]


def test_new_offers_and_contacts(month, store_url):
    """The network's offers published since the last meeting, and the contacts recorded on its offers."""
    a = agenda(store_url)
    assert [o["id"] for o in a["offers"]] == [month["recent_offer"]]
    assert [o["commune_name"] for o in a["offers"]] == ["Ambert"]
    assert "| 63003 Ambert |" in render_markdown(a)
    assert [(c["offer"], c["fiche"], c["at"]) for c in a["offer_contacts"]] == [
        (month["older_offer"], month["contact_in_month"], "2025-02-20")
    ]


def test_names_hidden_from_the_committee(month, store_url):
    """The committee sees no porteur's name anywhere; the structure that received them does."""
    committee = agenda(store_url, who="committee")
    text = json.dumps(committee)
    assert "Porteur " not in text
    mine = agenda(store_url, who="cma-63")
    assert all(r["porteur_name"] and r["porteur_name"].startswith("Porteur ") for r in mine["new_fiches"])
    assert "Porteur " not in render_markdown(committee) and "Porteur " not in render_html(committee)


def test_unknown_network_and_bad_month(month, store_url):
    """Unknown local network and malformed month are input errors naming the option."""
    with pytest.raises(InputError) as caught:
        make_agenda(store_url, None, None, "amber", "2025-03", None)
    assert caught.value.lines() == ["--network: réseau local 'amber' introuvable (vouliez-vous dire 'ambert' ?)"]
    with pytest.raises(InputError, match="--month: '2025-3' n'est pas un mois"):
        make_agenda(store_url, None, None, "ambert", "2025-3", None)


def test_agenda_cli_markdown_html_json(month, store_url, tmp_path):
    """The CLI: Markdown by default, a self-contained HTML file with -o, JSON with the documented keys."""
    runner = CliRunner()
    base = ["agenda", "--network", "ambert", "--month", "2025-03", "--db", store_url, "--as", "committee"]
    md = runner.invoke(main, base)
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# Réseau local d'Ambert (ambert) — réunion du lundi 3 mars 2025\n")
    assert "## 1. Nouvelles fiches depuis la dernière réunion (4)" in md.output
    assert f"| à surveiller | {month['before']} | sans référent |" in md.output
    out = tmp_path / "agenda.html"
    html = runner.invoke(main, [*base, "--format", "html", "-o", str(out)])
    assert html.exit_code == 0, html.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"<script|<link|src=|href=|url\(|https?://", page)
    assert page.count('<li class="fiche"') == 4 + 2
    for section in ("new_fiches", "to_share_out", "alerts", "installations", "follow_ups_due", "offers"):
        assert f'<section id="{section}">' in page
    data = json.loads(runner.invoke(main, [*base, "--format", "json"]).output)
    assert list(data) == [
        "network",
        "name",
        "month",
        "meeting",
        "previous_meeting",
        "next_meeting",
        "from",
        "to",
        "as_of",
        "rules_version",
        "fiches",
        "new_fiches",
        "to_share_out",
        "alerts",
        "installations",
        "follow_ups_due",
        "offers",
        "offer_contacts",
    ]
    bad = runner.invoke(main, ["agenda", "--network", "ambert", "--month", "03/2025", "--db", store_url])
    assert (bad.exit_code, bad.output.strip()) == (
        2,
        "erreur : --month: '03/2025' n'est pas un mois : écrivez AAAA-MM, par ex. 2025-03",
    )


def test_to_do_items_are_sentences_not_command_lines(month, store_url):
    """The alerts' "à faire" reads as a sentence naming structures by name; the command line stays in JSON."""
    a = agenda(store_url, who="committee")
    before = next(x for x in a["alerts"] if x["fiche"] == month["before"] and x["check"] == "no_lead")
    assert before["action"] == (
        "Attribuer un référent : Chambre de Métiers et de l'Artisanat du Puy-de-Dôme (suggestion du réseau)"
    )
    assert before["command"] == f"capactif fiche assign {month['before']} --lead cma-63"
    for rendered in (render_markdown(a), render_html(a)):
        assert "capactif " not in rendered
        assert "Attribuer un référent : Chambre de Métiers" in rendered


def test_long_sections_fold(month, store_url):
    """A section longer than the fold shows its first items, then "… et K autres" (Markdown) or a <details>
    holding the others (HTML): nothing is lost from the page, the meeting starts from the first ones."""
    a = agenda(store_url, who="committee")
    count = len(a["alerts"])
    assert count > 2
    markdown = render_markdown(a, fold=2)
    section = markdown.split("## 3. Alertes")[1].split("## 4.")[0]
    assert sum(line.startswith("| ") for line in section.splitlines()) == 1 + 2  # header and two alerts
    assert f"… et {count - 2} autres (toutes : --format html ou json)" in section
    assert "… et" not in render_markdown(a)  # the seeded month is short: nothing folds at the default
    page = render_html(a, fold=2)
    alerts = page.split('<section id="alerts">')[1].split("</section>")[0]
    shown, folded = alerts.split("<details>")
    assert shown.count('<li class="alert"') == 2
    assert f"<summary>… et {count - 2} autres</summary>" in folded
    assert folded.count('<li class="alert"') == count - 2
    new = page.split('<section id="new_fiches">')[1].split("</section>")[0]
    assert new.count('<li class="fiche"') == len(a["new_fiches"]) and "<details>" in new


def test_agenda_in_english(month, store_url):
    """--lang en: the headings, dates and words of the agenda in English; ids and data unchanged."""
    runner = CliRunner()
    base = ["--lang", "en", "agenda", "--network", "ambert", "--month", "2025-03", "--db", store_url]
    base += ["--as", "committee"]
    md = runner.invoke(main, base).output
    assert md.startswith("# Réseau local d'Ambert (ambert) — meeting of Monday 3 March 2025\n")
    assert "## 1. New fiches since the last meeting (4)" in md and "## 3. Alerts (" in md
    assert f"| to watch | {month['before']} | no référent |" in md
    assert "Assign a référent: Chambre de Métiers" in md
    for french in ("réunion du", "Rien à signaler", "reçue le", "à surveiller", "Attribuer"):
        assert french not in md
    page = runner.invoke(main, [*base, "--format", "html"]).output
    assert '<html lang="en">' in page and "found: " in page and "to do: " in page


def test_same_store_same_agenda(month, store_url):
    """Deterministic: two runs give the same text."""
    assert render_markdown(agenda(store_url)) == render_markdown(agenda(store_url))


def test_fiche_edit_commune_is_an_event_the_store_replays(store_url, network):
    """fiche edit --commune: a commune_changed event, the local network follows, db verify agrees; bad input exits 2."""
    store = open_store(store_url)
    try:
        with store.transaction() as conn:
            fid = seed.add(conn, network, received=D(2025, 2, 10), commune=AMBERT, received_by="cma-63")
    finally:
        store.dispose()
    runner = CliRunner()
    base = ["--db", store_url]
    args = ["fiche", "edit", fid, "--commune", "Thiers", "--date", "2025-02-20", "--as", "cma-63", *base]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith(f"{fid} (version 2):\n  commune: 63003 → 63430 (réseau local thiers)\n")
    assert "  suggestion: référent cma-63" in result.output  # fiche edit records a fresh suggestion
    listed = json.loads(runner.invoke(main, ["fiche", "list", "--network", "thiers", "--format", "json", *base]).output)
    assert [f["id"] for f in listed] == [fid]
    assert runner.invoke(main, ["db", "verify", *base]).exit_code == 0
    again = runner.invoke(main, args)
    assert (again.exit_code, again.output.strip()) == (2, f"erreur : --commune: la fiche {fid} est déjà à 63430 Thiers")
    other = runner.invoke(main, ["fiche", "edit", fid, "--commune", "Ambert", "--as", "cci-thiers", *base])
    assert other.exit_code == 2 and "cci-thiers ne peut pas modifier" in other.output
