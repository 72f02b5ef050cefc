"""The agenda's HTML page opened in a real headless Chromium, as a technician or a committee member sees it.

The seeded month of tests/agenda_seed.py (Ambert, meeting of Monday 3 March 2025), written by
``capactif agenda --format html -o FILE``, once for the committee and once for the coordinator.
"""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from cli import main
from engine.render.agenda import sections
from tests import report_seed as seed
from tests.agenda_seed import make_agenda, seed_month
from tests.browser import chromium, needs_chromium, phone_layout, png_size

TITLE = "Réseau local d'Ambert (ambert) — réunion du lundi 3 mars 2025"


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The pages written by the CLI for the committee and the coordinator, the committee's agenda, the seeded ids."""
    tmp = tmp_path_factory.mktemp("agenda-html")
    net = seed.network()
    pages = {}
    with seed.temporary_store("sqlite", tmp) as store:
        with store.transaction() as conn:
            ids = seed_month(conn, net)
        for who in ("committee", "coordinator"):
            pages[who] = tmp / f"agenda-{who}.html"
            args = ["agenda", "--network", "ambert", "--month", "2025-03", "--format", "html"]
            result = CliRunner().invoke(main, [*args, "-o", str(pages[who]), "--db", store.url, "--as", who])
            assert result.exit_code == 0, result.output
        agenda = make_agenda(store.url, None, None, "ambert", "2025-03", "committee")
    return pages, agenda, ids


def shown(page, tmp) -> str:
    """The page's DOM after Chromium rendered it, entities decoded (what a reader sees, with the tags)."""
    return html.unescape(chromium("--dump-dom", page.as_uri(), tmp=tmp).stdout)


def new_fiches(dom: str) -> dict[str, str]:
    """Each new fiche's id and the text of its list item, in the page's order."""
    section = re.search(r'<section id="new_fiches">(.*?)</section>', dom, re.S)
    assert section, "no new_fiches section in the page"
    items = re.split(r'<li class="fiche" data-fiche="', section.group(1))[1:]
    return {item.split('"', 1)[0]: item for item in items}


@needs_chromium
def test_browser_shows_the_title_sections_and_new_fiches(month, tmp_path):
    """Chromium shows the network and month in the title, each section heading, each new fiche with its lead."""
    pages, agenda, ids = month
    dom = shown(pages["committee"], tmp_path)
    assert f"<title>{TITLE}</title>" in dom
    assert f"<h1>{TITLE}</h1>" in dom
    headings = re.findall(r"<h2>(.*?)</h2>", dom)
    assert headings == [heading for heading, _ in sections(agenda)]
    assert headings[0] == "1. Nouvelles fiches depuis la dernière réunion (4)"
    assert headings[2] == "3. Alertes (5)"
    fiches = new_fiches(dom)
    assert list(fiches) == [ids["first_day"], ids["moved_in"], ids["moves_later"], ids["eve"]]
    for fid, item in fiches.items():
        assert "référent suggéré : <b>cma-63</b> — compétente comme référente pour la nature 'artisanal'" in item, fid
    assert "appuis suggérés : pfil-ambert (prêt d'honneur)" in fiches[ids["first_day"]]


@needs_chromium
def test_browser_hides_porteurs_names_from_the_committee(month, tmp_path):
    """The committee's page names no porteur; the coordinator's page, from the same store, does."""
    pages, _, ids = month
    committee = shown(pages["committee"], tmp_path / "committee")
    coordinator = shown(pages["coordinator"], tmp_path / "coordinator")
    assert "Porteur " not in committee
    assert f"<b>{ids['first_day']}</b>" in committee
    assert re.search(rf"<b>{ids['first_day']} \(Porteur [0-9a-f]+\)</b>", coordinator)


@needs_chromium
def test_browser_phone_width(month, tmp_path):
    """At 390 px: a PNG that wide, no page-wide sideways scrolling, every alert's finding and action on screen."""
    pages, agenda, _ = month
    shot = tmp_path / "phone.png"
    chromium("--window-size=390,2400", f"--screenshot={shot}", pages["committee"].as_uri(), tmp=tmp_path / "profile")
    assert png_size(shot) == (390, 2400)
    texts = [TITLE.split(" — ")[0], *(a["message"] for a in agenda["alerts"]), *(a["action"] for a in agenda["alerts"])]
    layout = phone_layout(pages["committee"], texts, tmp=tmp_path)
    assert layout["scroll_width"] <= layout["width"] <= 390
    assert layout["overflowing"] == []
    assert layout["not_shown"] == []
