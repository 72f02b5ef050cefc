"""Numbers read by people follow the language: French writes decimals with a comma (40,7 %), English
with a point (40.7 %); ``--format json`` keeps numbers as numbers (the stable interface).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cli import main
from engine import i18n
from engine.render.charter import _pct
from engine.render.report import days, percent

#: A decimal number written the French way, or the English way, in running text.
FRENCH_DECIMAL = re.compile(r"\b\d+,\d+\b")
ENGLISH_PERCENT = re.compile(r"\b\d+\.\d+ %")


def test_format_decimal_and_percent_follow_the_language():
    """The helpers every renderer uses: comma in French, point in English; trailing zeros trimmed on demand."""
    with i18n.using("fr"):
        assert "40,7 %" == i18n.format_percent(0.4074)
        assert "41 %" == i18n.format_percent(0.4074, 0)
        assert "3,3" == i18n.format_decimal(3.25 + 0.05)
        assert "12,5" == i18n.format_decimal(12.5, 2, trim=True)
        assert "12" == i18n.format_decimal(12.0, 2, trim=True)
    with i18n.using("en"):
        assert "40.7 %" == i18n.format_percent(0.4074)
        assert "12.5" == i18n.format_decimal(12.5, 2, trim=True)


@pytest.mark.parametrize(("language", "expected"), [("fr", "40,7 %"), ("en", "40.7 %")])
def test_report_and_charter_shares(language, expected):
    """The yearly report's and the charter's shares, and a median of days, in each language."""
    with i18n.using(language):
        assert expected == percent(0.4074)
        assert expected == _pct(0.4074)
        assert days(12.5).startswith("12,5" if language == "fr" else "12.5")
        assert "—" == percent(None)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo store and its year (the demo prints shares and a median in months)."""
    path = tmp_path_factory.mktemp("numbers") / "demo.sqlite"
    result = CliRunner().invoke(main, ["demo", "--fiches", "30", "--db", str(path), "--format", "json"])
    assert 0 == result.exit_code, result.output
    start, end = json.loads(result.output)["period"]
    return {"db": str(path), "from": start, "to": end}


def report(demo: dict[str, str], *extra: str, env: dict[str, str] | None = None) -> str:
    args = ["report", "--from", demo["from"], "--to", demo["to"], "--as", "coordinator", "--db", demo["db"]]
    result = CliRunner().invoke(main, [*args, *extra], env=env)
    assert 0 == result.exit_code, result.output
    return result.output


def test_french_report_writes_decimal_commas(demo):
    """`capactif report` in French: every share has a decimal comma, none a decimal point."""
    for fmt in ("table", "markdown", "html"):
        text = report(demo, "--format", fmt)
        assert re.search(r"\b\d+,\d %", text), text
        assert not ENGLISH_PERCENT.search(text), text


def test_english_report_writes_decimal_points(demo):
    """The same report with CAPACTIF_LANG=en writes 40.7 %."""
    text = report(demo, env={"CAPACTIF_LANG": "en"})
    assert ENGLISH_PERCENT.search(text), text
    assert not re.search(r"\b\d+,\d %", text), text


def test_json_keeps_numbers_as_numbers(demo):
    """`--format json` in French: ratios are JSON numbers (0.407), never French text (\"40,7 %\")."""
    data = json.loads(report(demo, "--format", "json"))
    ratios = data["ratios"] if "ratios" in data else data["network"]["ratios"]
    assert ratios and all(v is None or isinstance(v, int | float) for v in ratios.values())


def test_charter_check_shares_in_french(demo):
    """`capactif charter check` in French writes its shares kept with a comma."""
    args = ["charter", "check", "--from", demo["from"], "--to", demo["to"], "--as-of", demo["to"]]
    result = CliRunner().invoke(main, [*args, "--as", "committee", "--db", demo["db"]])
    assert result.exit_code in (0, 1), result.output
    assert re.search(r"\b\d+,\d %", result.output), result.output
    assert not ENGLISH_PERCENT.search(result.output), result.output
