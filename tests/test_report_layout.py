"""The HTML report laid out in a real headless Chromium: on a 1280 px screen, on a 390 px phone and on
paper (print media, then a PDF), no element is wider than the page and no table is cut off or left
scrolling; the funnel's values sit inside their bar or just after it, never across it; the year
before is beside this one; every figure is defined.

The page is the one ``capactif report --format html`` writes for a seeded year (tests/report_seed.py:
fiches from November 2024 to February 2026, so 2024 is there to compare with 2025).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli import main
from engine.report.indicators import INDICATORS
from tests import report_seed as seed
from tests.browser import needs_chromium

#: A4 portrait less Chromium's default print margins (0.4 in each side), in CSS pixels.
A4_CONTENT_WIDTH = 718

#: What sticks out: the page's own scroll width, elements past its right edge, tables wider than their
#: box, and boxes that scroll sideways (a table cut off behind a scroll bar).
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "");
  const all = [...document.body.querySelectorAll("*")];
  const outside = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.left < -0.5 || r.right > width + 0.5);
  };
  // a box cut off: it hides or scrolls content wider than itself (a visually hidden 1 px header aside)
  const cut = (e) => e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1
    && getComputedStyle(e).overflowX !== "visible";
  const fits = (t) => t.getBoundingClientRect().width <= t.parentElement.clientWidth + 0.5;
  return {
    width: width,
    scroll_width: document.documentElement.scrollWidth,
    wider: all.filter(outside).map(name),
    cut: all.filter(cut).map(name),
    tables: [...document.querySelectorAll("table")].map((t) => [name(t), fits(t)]),
  };
}"""


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    """The seeded 2025 report written by the CLI (French, and English with --lang en)."""
    tmp = tmp_path_factory.mktemp("report-layout")
    net = seed.network()
    pages = {}
    with seed.temporary_store("sqlite", tmp) as store:
        with store.transaction() as conn:
            seed.seed_year(conn, net)
        for lang in ("fr", "en"):
            pages[lang] = tmp / f"bilan-2025-{lang}.html"
            args = ["--lang", lang, "report", "--year", "2025", "--format", "html", "-o", str(pages[lang])]
            result = CliRunner().invoke(main, [*args, "--db", store.url])
            assert result.exit_code == 0, result.output
    return pages


def _open(browser, path, width: int, media: str = "screen"):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.emulate_media(media=media)
    page.goto(path.as_uri())
    return page


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_nothing_wider_than_the_screen(chromium_browser, report_page, width):
    """At 1280 px and at 390 px: the page does not scroll sideways, no element sticks out, every table fits
    its box (on a phone the per-network and per-structure rows become cards) and nothing scrolls."""
    page = _open(chromium_browser, report_page["fr"], width)
    try:
        found = page.evaluate(MEASURE)
    finally:
        page.close()
    assert found["scroll_width"] <= found["width"] == width
    assert found["wider"] == []
    assert found["cut"] == []
    assert len(found["tables"]) == 3 and all(fits for _, fits in found["tables"]), found["tables"]


@needs_chromium
def test_print_fits_the_paper_without_scroll_bars(chromium_browser, report_page, tmp_path):
    """In print media at an A4 page's width nothing sticks out and no box scrolls; the PDF is written."""
    page = _open(chromium_browser, report_page["fr"], A4_CONTENT_WIDTH, media="print")
    try:
        found = page.evaluate(MEASURE)
        pdf = tmp_path / "bilan.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.close()
    assert found["scroll_width"] <= found["width"]
    assert found["wider"] == [] and found["cut"] == []
    assert all(fits for _, fits in found["tables"]), found["tables"]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 1


FUNNEL = """() => {
  const svg = document.querySelector("svg.funnel");
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("g.step")].map((g) => {
    const r = (e) => {
      const b = e.getBoundingClientRect();
      return [b.left - box.left, b.right - box.left, b.top - box.top, b.bottom - box.top];
    };
    return {
      key: g.dataset.key,
      name: r(g.querySelector("text.name")),
      bar: r(g.querySelector("rect.bar")),
      value: r(g.querySelector("text.value")),
      inside: g.querySelector("text.value").dataset.inside === "true",
      previous: g.querySelector("text.previous") ? r(g.querySelector("text.previous")) : null,
      previous_bar: g.querySelector("rect.previous") ? r(g.querySelector("rect.previous")) : null,
      font: parseFloat(getComputedStyle(g.querySelector("text.value")).fontSize) * scale,
      width: box.width,
    };
  });
}"""


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_funnel_values_read_cleanly(chromium_browser, report_page, width):
    """Each step's value is inside its bar when the bar is long enough, else just after it: never across
    the bar's end; names stand above the bars; the year before's value follows its thin bar; every text
    is inside the drawing and at least 9 px high."""
    page = _open(chromium_browser, report_page["fr"], width)
    try:
        steps = page.evaluate(FUNNEL)
    finally:
        page.close()
    assert [s["key"] for s in steps] == [
        "projects_met",
        "with_referent",
        "network_effect",
        "installed",
        "installed_with_follow_up",
    ]
    assert {s["inside"] for s in steps} == {True, False}  # the seeded year has long bars and a short one
    for s in steps:
        left, right = s["value"][:2]
        bar_left, bar_right, bar_top = s["bar"][:3]
        if s["inside"]:
            assert bar_left <= left and right <= bar_right, s
        else:
            assert left >= bar_right, s
        assert s["name"][3] <= bar_top + 0.5, s  # the name above its bar
        assert s["previous"] is not None and s["previous"][0] >= s["previous_bar"][1], s
        for text in (s["name"], s["value"], s["previous"]):
            assert 0 <= text[0] and text[1] <= s["width"] + 0.5, s
        assert s["font"] >= 9, s


@needs_chromium
def test_year_before_and_definitions(chromium_browser, report_page):
    """Each figure's card shows 2024 beside 2025; every figure is defined in "Définitions"; English with --lang en."""
    page = _open(chromium_browser, report_page["fr"], 1280)
    try:
        cards = page.eval_on_selector_all(".card", "cs => cs.map(c => [c.id, c.querySelector('.prev')?.textContent])")
        definitions = page.eval_on_selector_all("#definitions dt", "ds => ds.map(d => d.id)")
        heading = page.inner_text("#definitions h2")
        dd = page.eval_on_selector_all("#definitions dd", "ds => ds.map(d => d.textContent.trim())")
        cells = page.eval_on_selector_all("table.figures tbody td .prev", "ps => ps.length")
    finally:
        page.close()
    assert [c[0] for c in cards] == list(INDICATORS)
    assert all(re.fullmatch(r"2024 : \d+", text or "") for _, text in cards), cards
    assert heading == "Définitions" and definitions == [f"def-{k}" for k in INDICATORS]
    assert all(len(text) > 20 for text in dd)
    assert cells > 0
    english = _open(chromium_browser, report_page["en"], 1280)
    try:
        assert english.inner_text("#definitions h2") == "Definitions"
        assert english.get_attribute("html", "lang") == "en"
    finally:
        english.close()


def test_no_previous_year_when_nothing_was_recorded(store, network):
    """The year before an empty store: nothing to compare, no grey figures and no 'En gris' line."""
    from engine.app import Workspace
    from engine.app.report import report
    from engine.identity import Identity
    from engine.render import render

    ws = Workspace.open(db=store.url)
    try:
        result = report(ws, Identity("committee"), year=2025)
    finally:
        ws.close()
    assert result.previous is None
    page = render(result, "html")
    assert 'class="prev"' not in page and "En gris" not in page and 'rect class="previous"' not in page
