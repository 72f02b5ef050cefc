"""Loading charter/commitments.yaml: the bundled charter, and every bad file located with a plain message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine import paths
from engine.charter import ALERT_CHECKS, COMMITMENTS, SEVERITIES, load_charter
from engine.errors import CharterError

BUNDLED = Path(__file__).parent.parent / "charter"
GOOD = (BUNDLED / "commitments.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "charter"
    directory.mkdir(parents=True)
    (directory / "commitments.yaml").write_text(text, encoding="utf-8")
    return directory


def problems(directory: Path) -> list[str]:
    with pytest.raises(CharterError) as info:
        load_charter(directory)
    return info.value.lines()


def test_bundled_charter_has_every_commitment_and_check():
    """The bundled charter loads, with every commitment and every alert check the engine knows."""
    charter = load_charter(BUNDLED)
    assert list(COMMITMENTS) == [c.id for c in charter.commitments]
    assert set(ALERT_CHECKS) == set(charter.alert_thresholds)
    assert all(t.severity in SEVERITIES for t in charter.alert_thresholds.values())


def test_bundled_alerts_warn_before_the_commitments_break():
    """Each alert fires no later than the commitment it protects is broken."""
    charter = load_charter(BUNDLED)
    alerts = charter.alert_thresholds
    assert alerts["no_lead"].days <= charter.commitment("referent").days
    assert alerts["follow_up_missing"].days <= charter.commitment("follow_up_offered").days
    news = charter.commitment("news")
    for stage in ("idea", "study", "financing", "installed", "follow_up", "on_hold"):
        assert alerts["stalled"].days_for(stage) <= news.days_for(stage)


def test_thresholds_api_for_the_alerts():
    """The alerts read days, per-stage delays (days as default), counts and severities."""
    charter = load_charter(BUNDLED)
    stalled = charter.alert_thresholds["stalled"]
    assert stalled.days_for("idea") == 45
    assert stalled.days_for("study") == 75
    assert stalled.days_for("abandoned") is None
    assert charter.alert_thresholds["bounced"].count == 3
    assert charter.alert_thresholds["consent_missing"].at_least("warning")
    assert not charter.alert_thresholds["need_uncovered"].at_least("warning")


def test_bad_file_reports_every_problem_located(tmp_path):
    """Unknown ids and fields get a did-you-mean, bad values and missing entries are located."""
    text = GOOD.replace("  first_meeting:", "  frist_meeting:").replace("    severity: warnin", "    severity: warnin")
    text = text.replace("    days: 30\n", "    days: thirty\n").replace("      idea: 60\n", "      idae: 60\n")
    text = text.replace("    count: 3\n", "    count: 3\n    days: 4\n")
    directory = write(tmp_path, text)
    lines = problems(directory)
    src = "charter/commitments.yaml"
    assert (
        f"{src}:10:1: engagement 'first_meeting' manquant : ajoutez-le sous 'commitments:' (voir docs/charter.md)"
        in lines
    )
    assert f"{src}:12:3: engagement 'frist_meeting' introuvable (vouliez-vous dire 'first_meeting' ?)" in lines
    assert f"{src}:19:11: 'days' doit être un nombre entier, pas 'thirty'" in lines
    assert f"{src}:41:7: étape 'idae' introuvable (vouliez-vous dire 'idea' ?)" in lines
    assert (
        f"{src}:76:5: 'days' n'a pas de sens ici (contrôle d’alerte 'bounced' prend 'count: N') : retirez-le" in lines
    )
    assert len(lines) == 5


def test_unknown_field_and_severity(tmp_path):
    """A typo in a field name or a severity is named with the closest valid word."""
    text = GOOD.replace("    severity: warning\n    days: 21", "    severity: warnin\n    dayz: 21")
    lines = problems(write(tmp_path, text))
    assert lines == [
        "charter/commitments.yaml:50:3: contrôle d’alerte 'no_lead' demande 'days: N' (un délai en jours)",
        "charter/commitments.yaml:51:15: severity 'warnin' introuvable (vouliez-vous dire 'warning' ?)",
        "charter/commitments.yaml:52:5: champ 'dayz' introuvable (vouliez-vous dire 'days' ?)",
    ]


def test_closed_stage_and_zero_delay(tmp_path):
    """A closed stage cannot have a delay; a delay must be at least one day."""
    text = GOOD.replace("      idea: 60\n", "      abandoned: 60\n      study: 0\n")
    lines = problems(write(tmp_path, text))
    assert lines == [
        "charter/commitments.yaml:41:7: l'étape 'abandoned' est close : "
        "une fiche close n'est jamais contrôlée, retirez-la",
        "charter/commitments.yaml:42:14: 'study' doit valoir au moins 1, pas '0'",
    ]


def test_check_without_thresholds_takes_none(tmp_path):
    """A severity-only check given a threshold says so instead of ignoring it."""
    text = GOOD.replace("    severity: info\n", "    severity: info\n    count: 2\n")
    assert problems(write(tmp_path, text)) == [
        "charter/commitments.yaml:79:5: 'count' n'a pas de sens ici "
        "(contrôle d’alerte 'need_uncovered' ne prend qu'une gravité) : retirez-le"
    ]


def test_missing_alert_check(tmp_path):
    """Every alert check must be configured: a missing one is named, at the 'alerts:' key."""
    text = GOOD.replace("  consent_missing:\n    severity: critical\n", "")
    assert problems(write(tmp_path, text)) == [
        "charter/commitments.yaml:48:1: contrôle d’alerte 'consent_missing' manquant : ajoutez-le sous 'alerts:' "
        "(voir docs/charter.md)"
    ]


def test_not_yaml_and_not_a_mapping(tmp_path):
    """A YAML syntax error and a file that is not a mapping are reported, located."""
    assert (problems(write(tmp_path, "- a\n- b\n"))) == [
        "charter/commitments.yaml:1:1: commitments.yaml doit contenir les ensembles 'commitments:' et 'alerts:'"
    ]
    lines = problems(write(tmp_path / "x", "commitments: [\n"))
    assert len(lines) == 1 and lines[0].startswith("charter/commitments.yaml:2:1: YAML invalide")


def test_missing_sections(tmp_path):
    """An empty mapping names both required sections."""
    assert problems(write(tmp_path, "{}\n")) == [
        "charter/commitments.yaml:1:1: champ obligatoire 'alerts' manquant",
        "charter/commitments.yaml:1:1: champ obligatoire 'commitments' manquant",
    ]


def test_missing_directory(tmp_path):
    """A charter directory that does not exist is one clear problem."""
    lines = problems(tmp_path / "nowhere")
    assert [f"{tmp_path / 'nowhere'}: répertoire de la charte introuvable : indiquez --charter RÉPERTOIRE"] == lines


def test_charter_dir_precedence(tmp_path, monkeypatch):
    """--charter wins, then $CAPACTIF_CHARTER, then ./charter with a commitments.yaml, then the bundled one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACTIF_CHARTER", raising=False)
    assert paths.bundled("charter") == paths.charter_dir(None)
    write(tmp_path, GOOD)
    assert tmp_path / "charter" == paths.charter_dir(None)
    monkeypatch.setenv("CAPACTIF_CHARTER", "/env/charter")
    assert Path("/env/charter") == paths.charter_dir(None)
    assert Path("/opt/c") == paths.charter_dir("/opt/c")


def test_cli_charter_show_json():
    """charter show --format json lists commitments in file order and the alerts by check."""
    result = CliRunner().invoke(main, ["charter", "show", "--charter", str(BUNDLED), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["source", "commitments", "alerts"]
    assert {"id": "referent", "title": data["commitments"][1]["title"], "days": 30, "per_stage": {}} == (
        data["commitments"][1]
    )
    assert data["alerts"]["bounced"] == {"severity": "warning", "days": None, "per_stage": {}, "count": 3}


def test_cli_charter_show_bad_file_exits_2(tmp_path):
    """A bad commitments.yaml exits 2 with one 'error:' line per problem and no traceback."""
    directory = write(tmp_path, GOOD.replace("    days: 15\n", "    days: -1\n"))
    result = CliRunner().invoke(main, ["charter", "show", "--charter", str(directory)])
    assert result.exit_code == 2
    assert result.output == "erreur : charter/commitments.yaml:14:11: 'days' doit valoir au moins 1, pas '-1'\n"
