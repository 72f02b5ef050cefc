"""charter show and charter check as the committee reads them: the table and Markdown renderings, line by line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests import report_seed as seed

BUNDLED = Path(__file__).parent.parent / "charter"
DAY0 = dt.date(2025, 3, 3)


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def cells(text: str) -> list[list[str]]:
    """The body rows of every rich table in ``text``, each as its stripped cells (folded lines kept apart)."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


@pytest.fixture
def seeded(store, network):
    """Two fiches received 2025-03-03 in Ambert: one led at once (no contact), one contacted on day 2 (no lead)."""
    with store.transaction() as conn:
        led = seed.add(conn, network, received=DAY0, commune="63003", received_by="cma-63")
        seed.assign(conn, network, led, DAY0, by="cma-63", lead="cma-63")
        met = seed.add(conn, network, received=DAY0, commune="63003", received_by="cci-thiers")
        seed.contact(conn, met, DAY0 + dt.timedelta(days=2), by="cci-thiers")
    return store.url, led, met


def check(url: str, *extra: str):
    return run("charter", "check", "--year", "2025", "--as-of", "2026-01-31", "--db", url, *extra)


# --- charter check ------------------------------------------------------------------------------------------------


def test_check_table_is_one_line_per_commitment(seeded):
    """By default: the heading, then one line per commitment (share kept, kept / judged, title, pending),
    then how to see the details; nothing of the fiches."""
    url, _, _ = seeded
    result = check(url, "--as", "committee")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "Engagements de la charte — 2025 (au 2026-01-31)",
        "",
        "    part  tenus / jugés  engagement",
        "  50,0 %      1 / 2      Premier rendez-vous dans les 15 jours suivant le premier contact",
        "  50,0 %      1 / 2      Une structure référente désignée dans les 30 jours suivant le premier contact",
        "       —      0 / 0      Porteur reçu en premier accueil (communauté de communes, Parc) pris en charge par son"
        " référent dans les 21 jours",
        "       —      0 / 0      Un suivi post-création proposé dans les 90 jours suivant l'installation",
        "   0,0 %      0 / 2      Aucun projet actif sans nouvelles au-delà du délai de son étape",
        "",
        "Par réseau local, par structure, et les fiches derrière chaque engagement : --details.",
    ]
    english = run("--lang", "en", "charter", "check", "--year", "2025", "--as-of", "2026-01-31", "--db", url)
    assert english.output.splitlines()[0] == "Charter commitments — 2025 (as of 2026-01-31)"
    assert english.output.splitlines()[-1].endswith("behind each commitment: --details.")


def test_check_line_counts_pending_fiches(seeded):
    """A fiche whose delay still runs is pending: not in 'judged', said at the end of the line."""
    url, _, _ = seeded
    lines = run("charter", "check", "--year", "2025", "--as-of", "2025-03-10", "--db", url).output.splitlines()
    first = " 100,0 %      1 / 1      Premier rendez-vous dans les 15 jours suivant le premier contact (1 en cours)"
    assert first in lines


def test_check_markdown_is_a_committee_document(seeded):
    """--format markdown: a title with period and date, the summary table; --details adds a section per commitment."""
    url, led, met = seeded
    result = check(url, "--format", "markdown", "--as", "committee")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[:9] == [
        "# Engagements de la charte — 2025 (au 2026-01-31)",
        "",
        "| engagement | tenus / jugés | part tenue | en cours | id |",
        "|---|---|---|---|---|",
        "| Premier rendez-vous dans les 15 jours suivant le premier contact | 1 / 2 | 50,0 % | 0 | first_meeting |",
        "| Une structure référente désignée dans les 30 jours suivant le premier contact | 1 / 2 | 50,0 % | 0"
        " | referent |",
        "| Porteur reçu en premier accueil (communauté de communes, Parc) pris en charge par son référent dans les 21"
        " jours | 0 / 0 | — | 0 | reception_junction |",
        "| Un suivi post-création proposé dans les 90 jours suivant l'installation | 0 / 0 | — | 0"
        " | follow_up_offered |",
        "| Aucun projet actif sans nouvelles au-delà du délai de son étape | 0 / 2 | 0,0 % | 0 | news |",
    ]
    assert not any(line.startswith("## ") for line in lines)
    lines = check(url, "--format", "markdown", "--as", "committee", "--details").output.splitlines()
    section = lines.index("## Premier rendez-vous dans les 15 jours suivant le premier contact (first_meeting)")
    assert lines[section + 1 : section + 19] == [
        "",
        "| réseau local | tenus | non tenus | en cours | part tenue |",
        "|---|---|---|---|---|",
        "| ambert | 1 | 1 | 0 | 50,0 % |",
        "| brioude | 0 | 0 | 0 | — |",
        "| thiers | 0 | 0 | 0 | — |",
        "",
        "| structure | tenus | non tenus | en cours | part tenue |",
        "|---|---|---|---|---|",
        "| cci-thiers | 1 | 0 | 0 | 100,0 % |",
        "| cma-63 | 0 | 1 | 0 | 0,0 % |",
        "",
        "| fiche | réseau local | structure | échéance | constat | porteur |",
        "|---|---|---|---|---|---|",
        # the committee never sees the porteur: the cell is empty
        f"| {led} | ambert | cma-63 | 2025-03-18 | aucun au 2026-01-31 |  |",
        "",
        "## Une structure référente désignée dans les 30 jours suivant le premier contact (referent)",
        "",
    ]
    # a commitment nobody was judged on has its network table and no structure or breaking table
    follow = lines.index(
        "## Un suivi post-création proposé dans les 90 jours suivant l'installation (follow_up_offered)"
    )
    assert lines[follow + 7 : follow + 9] == [
        "",
        "## Aucun projet actif sans nouvelles au-delà du délai de son étape (news)",
    ]
    detail = "sans nouvelles depuis le 2025-03-05 (idea, délai 60 jours)"
    news = f"| {met} | ambert | cci-thiers | 2025-05-05 | {detail} |  |"
    assert news in lines


def test_check_markdown_shows_the_porteur_to_its_structure(seeded, store):
    """The structure that broke the commitment sees its porteur's name in the breaking table."""
    url, led, _ = seeded
    with store.transaction() as conn:
        from engine.store import queries

        name = queries.get(conn, led).fiche["porteur"]["name"]
    lines = check(url, "--format", "markdown", "--as", "cma-63", "--details").output.splitlines()
    assert f"| {led} | ambert | cma-63 | 2025-03-18 | aucun au 2026-01-31 | {name} |" in lines


def test_check_table_details_has_a_block_per_commitment(seeded):
    """--details: after the lines, per commitment its title and tables."""
    url, led, met = seeded
    result = check(url, "--as", "committee", "--details")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Engagements de la charte — 2025 (au 2026-01-31)"
    rows = cells(result.output)
    titles = [line for line in lines if line.endswith(")") and not line.startswith(("│", "┃", " "))]
    assert titles == [
        "Engagements de la charte — 2025 (au 2026-01-31)",
        "Premier rendez-vous dans les 15 jours suivant le premier contact (first_meeting)",
        "Une structure référente désignée dans les 30 jours suivant le premier contact (referent)",
        "Porteur reçu en premier accueil (communauté de communes, Parc) pris en charge par son référent dans les 21"
        " jours (reception_junction)",
        "Un suivi post-création proposé dans les 90 jours suivant l'installation (follow_up_offered)",
        "Aucun projet actif sans nouvelles au-delà du délai de son étape (news)",
    ]
    assert [led, "ambert", "cma-63", "2025-03-18", "aucun au 2026-01-31", ""] in rows
    assert [met, "ambert", "cci-thiers", "2025-04-02", "aucun au 2026-01-31", ""] in rows  # referent broken
    assert ["cci-thiers", "1", "0", "0", "100,0 %"] in rows


def test_check_on_an_empty_period_exits_0_with_no_share(store):
    """Nothing received in the period: every share is '—', no breaking table, exit 0."""
    result = run("charter", "check", "--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-07-31",
                 "--db", store.url, "--format", "markdown")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "# Engagements de la charte — 2025-01-01 – 2025-06-30 (au 2025-07-31)"
    assert (
        "| Une structure référente désignée dans les 30 jours suivant le premier contact | 0 / 0 | — | 0 | referent |"
    ) in lines
    assert not any(line.startswith("| fiche |") for line in lines)
    assert not any(line.startswith("| structure |") for line in lines)


# --- charter show -------------------------------------------------------------------------------------------------


def test_show_table_lists_delays_and_thresholds_of_the_bundled_charter():
    """charter show: each commitment with its delays (per stage too), each alert with its severity and threshold."""
    result = run("charter", "show", "--charter", str(BUNDLED))
    assert result.exit_code == 0, result.output
    rows = cells(result.output)
    assert ["first_meeting", "Premier rendez-vous dans les 15 jours suivant", "15 j"] in rows
    news = rows[[r[0] for r in rows].index("news")]
    assert news[2] == "90 j, idea: 60 j, on_hold: 180 j, installed:"  # folded in the cell, next line follows
    assert ["no_lead", "warning", "21 j"] in rows
    assert ["no_competent_structure", "critical", "—"] in rows
    assert ["stalled", "warning", "75 j, idea: 45 j, on_hold: 150 j, installed: 150 j, follow_up: 150 j"] in rows
    assert ["bounced", "warning", "3 fois"] in rows
    assert [r[0] for r in rows if len(r) == 3 and r[1] in ("info", "warning", "critical")] == [
        "no_lead", "no_competent_structure", "stalled", "lead_invalid", "follow_up_missing", "bounced",
        "need_uncovered", "consent_missing", "unanswered",
    ]  # fmt: skip
    assert "Seuils des alertes" in result.output


def test_show_a_tuned_charter_per_stage_only(tmp_path):
    """A commitment with only per-stage delays and a retuned alert are shown as the file says."""
    target = tmp_path / "charter"
    shutil.copytree(BUNDLED, target)
    path = target / "commitments.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    days: 90\n    per_stage:\n      idea: 60", "    per_stage:\n      idea: 30")
    bounced = "  bounced:\n    severity: {}\n    count: {}"
    text = text.replace(bounced.format("warning", 3), bounced.format("critical", 2))
    path.write_text(text, encoding="utf-8")
    table = run("charter", "show", "--charter", str(target))
    assert table.exit_code == 0, table.output
    rows = cells(table.output)
    assert rows[[r[0] for r in rows].index("news")][2].startswith("idea: 30 j, on_hold: 180 j")
    assert ["bounced", "critical", "2 fois"] in rows
    data = json.loads(run("charter", "show", "--charter", str(target), "--format", "json").output)
    news = next(c for c in data["commitments"] if c["id"] == "news")
    assert news["days"] is None and news["per_stage"]["idea"] == 30
    assert data["alerts"]["bounced"] == {"severity": "critical", "days": None, "per_stage": {}, "count": 2}
