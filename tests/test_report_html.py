"""The HTML report: one self-contained file, opened in a real headless Chromium, showing the figures."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli import main
from engine.render.report import render_html
from engine.report import Period, build_report
from tests import report_seed as seed
from tests.browser import chromium, needs_chromium, png_size


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A seeded year's HTML report written by the CLI, and the report dict it came from."""
    tmp = tmp_path_factory.mktemp("html")
    net = seed.network()
    with seed.temporary_store("sqlite", tmp) as store:
        with store.transaction() as conn:
            seed.seed_year(conn, net)
        report = build_report(store, net, Period.year(2025))
        out = tmp / "bilan-2025.html"
        result = CliRunner().invoke(
            main, ["report", "--year", "2025", "--format", "html", "-o", str(out), "--db", store.url]
        )
        assert result.exit_code == 0, result.output
    return out, report


def test_html_is_self_contained(page):
    """No external resource: no http(s) URL is loaded, no script, the CSS and the chart are inline."""
    text = page[0].read_text(encoding="utf-8")
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text)
    assert "<script" not in text and "<link" not in text
    assert "<style>" in text and "<svg" in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text


def test_html_escapes_text():
    """Text from the data is escaped, never run as HTML."""
    report = {
        "period": {"from": "2025-01-01", "to": "2025-12-31", "label": "2025"},
        "network": None,
        **dict.fromkeys(
            [
                "projects_met",
                "with_referent",
                "network_effect",
                "installed",
                "installed_with_follow_up",
                "offers_published",
                "offer_contacts",
                "installed_via_offer",
            ],
            0,
        ),
        "ratios": dict.fromkeys(
            [
                "with_referent",
                "network_effect",
                "installed_with_follow_up",
                "contacts_per_offer",
                "installed_via_offer",
                "abandoned",
                "redirected",
            ]
        ),
        "median_days": {"reception_to_referent": None, "reception_to_installation": None},
        **dict.fromkeys(["developments_installed", "abandoned", "redirected"], 0),
        "survival": {k: {"installed": 0, "known": 0, "active": 0, "share": None} for k in ("one_year", "three_years")},
        "by_network": [],
        "by_structure": [
            {
                "structure": "<b>x</b>",
                **dict.fromkeys(
                    [
                        "projects_met",
                        "with_referent",
                        "network_effect",
                        "installed",
                        "installed_with_follow_up",
                        "offers_published",
                        "offer_contacts",
                        "installed_via_offer",
                    ],
                    0,
                ),
            }
        ],
    }
    assert "&lt;b&gt;x&lt;/b&gt;" in render_html(report)


@needs_chromium
def test_browser_shows_the_figures(page, tmp_path):
    """Chromium renders the page: the eight figures, the funnel steps and every local network are in the DOM."""
    out, report = page
    dom = chromium("--dump-dom", out.as_uri(), tmp=tmp_path).stdout
    assert "<h1>Bilan Cap Actif 2025</h1>" in dom
    for key in ("projects_met", "installed", "installed_via_offer", "offer_contacts"):
        assert re.search(rf'id="{key}"><div class="value">{report[key]}</div>', dom), key
    for key in ("projects_met", "with_referent", "network_effect", "installed", "installed_with_follow_up"):
        step = re.search(rf'<g class="step" data-key="{key}">.*?</g>', dom, re.S)
        assert step and re.search(rf">{report[key]}( · \d+ %)?</text>", step.group(0)), key
    for row in report["by_network"]:
        expected = f'<th scope="row">{row["name"]} ({row["network"]})</th>'
        assert expected in dom.replace("&#x27;", "'").replace("&#39;", "'")


@needs_chromium
def test_browser_phone_screenshot(page, tmp_path):
    """At a phone's width (390 px) Chromium renders the page to a non-empty PNG."""
    shot = tmp_path / "phone.png"
    chromium("--window-size=390,1600", f"--screenshot={shot}", page[0].as_uri(), tmp=tmp_path / "profile")
    assert png_size(shot)[0] == 390
