"""`capactif demo` as a new user runs it: a year like the network's 2004 year, and closing commands that work.

The README's first command is `capactif demo`.  It must finish and print its summary; the year it
replays must look like a real one (the 2004 report's proportions, within 15 %); the charter check on
it must show commitments kept at plausible rates; and every command it prints at the end must run
as printed, from a shell, with the `capactif` of the environment the demo ran from.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from engine.app.demo import BILAN_2004, invoked_as

SCRIPT = Path(sys.executable).parent / "capactif"
#: The proportions of the 2004 report the demo is calibrated on: (numerator, denominator).
PROPORTIONS = {
    "with_referent": ("with_referent", "projects_met"),
    "network_effect": ("network_effect", "projects_met"),
    "installed": ("installed", "projects_met"),
    "installed_with_follow_up": ("installed_with_follow_up", "installed"),
    "installed_via_offer": ("installed_via_offer", "installed"),
    "contacts_per_offer": ("offer_contacts", "offers_published"),
}
HEADER = "Pour aller plus loin (chaque commande fonctionne telle quelle) :"


def shell_env(home: Path, *, on_path: bool) -> dict[str, str]:
    """The environment of a user's shell: the demo's data dir, the venv's bin on the PATH or not."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != SCRIPT.parent]
    if on_path:
        path.insert(0, str(SCRIPT.parent))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACTIF_")}
    return {**env, "PATH": os.pathsep.join(path), "CAPACTIF_HOME": str(home)}


def printed_commands(output: str) -> list[str]:
    """The commands under the closing header, one per indented line."""
    lines = output.splitlines()
    start = lines.index(HEADER) + 1
    return [line.strip() for line in lines[start:] if line.startswith("    ")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`capactif demo` exactly as the README's first command, run by the environment's script."""
    home = tmp_path_factory.mktemp("home")
    done = subprocess.run(
        [str(SCRIPT), "demo"], env=shell_env(home, on_path=False), capture_output=True, text=True, timeout=1800
    )
    return home, done


def test_the_readme_demo_finishes_and_prints_its_summary(demo):
    """Exit 0, the store verified, the year's figures beside 2004's, the alerts and a sentence on what they mean."""
    _, done = demo
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Cap Actif" in out.splitlines()[0] and "540 " in out
    assert "Projets rencontrés" in out and "(2004 : 540" in out
    assert "alertes sur" in out and "avant la prochaine réunion" in out
    assert HEADER in out
    # the most frequent alert is named by its French label, never by its id (follow_up_missing, …)
    sentence = next(line for line in out.splitlines() if "la plus fréquente" in line)
    assert re.search(r"la plus fréquente, [a-zà-ÿ' -]+ \(\d+\)", sentence), sentence
    assert "_" not in sentence.split("la plus fréquente")[1], sentence


def test_every_printed_command_runs_as_printed(demo):
    """Each closing command, split as a shell would, runs from another directory: exit 0 (charter check: 0 or 1,
    its 'a commitment was broken'), output, no traceback; the script is named by its path when not on the PATH."""
    home, done = demo
    commands = printed_commands(done.stdout)
    assert len(commands) == 5
    assert all(c.startswith(shlex.quote(str(SCRIPT.resolve())) + " ") for c in commands)
    assert all("--db " in c for c in commands)
    for command in commands:
        run = subprocess.run(
            shlex.split(command), env=shell_env(home, on_path=False), capture_output=True, text=True, cwd=home,
            timeout=600,
        )  # fmt: skip
        allowed = (0, 1) if " charter check " in command else (0,)
        assert run.returncode in allowed, (command, run.stdout[-2000:], run.stderr[-2000:])
        assert run.stdout.strip() and "Traceback" not in run.stderr, command


def test_the_alerts_summary_ends_with_a_command_that_runs_as_printed(demo):
    """The demo's alerts summary ends with the command that lists every alert (the demo's day, as the committee,
    on the demo's store): run from another directory, it lists them all, no name among them."""
    home, done = demo
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "autres alertes : la liste complète avec la commande" in line)
    command = lines[at + 1].strip()
    assert command.startswith(shlex.quote(str(SCRIPT.resolve())) + " alerts --all --as-of ")
    env = shell_env(home, on_path=False)
    listed = subprocess.run(shlex.split(command), env=env, capture_output=True, text=True, cwd=home, timeout=600)
    assert listed.returncode == 0, listed.stderr[-2000:]
    data = subprocess.run(
        [*shlex.split(command), "--format", "json"], env=env, capture_output=True, text=True, cwd=home, timeout=600
    )
    alerts = [a for n in json.loads(data.stdout)["networks"] for a in n["alerts"]]
    assert len(alerts) > 10 and all(a["porteur_name"] is None for a in alerts)
    assert all(a["fiche"] in listed.stdout for a in alerts)


def test_the_demo_year_is_shaped_like_2004(demo):
    """The printed report command's figures: each 2004 proportion within 15 % (relative), months to installation."""
    home, done = demo
    report_command = next(c for c in printed_commands(done.stdout) if " report " in c)
    run = subprocess.run(
        [*shlex.split(report_command), "--format", "json"], env=shell_env(home, on_path=False), capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert abs(figures["projects_met"] - 540) <= 540 * 0.15
    for key in ("offers_published", "offer_contacts"):
        assert abs(figures[key] - BILAN_2004[key]) <= BILAN_2004[key] * 0.15, key
    for name, (num, den) in PROPORTIONS.items():
        demo_share = figures[num] / figures[den]
        share_2004 = BILAN_2004[num] / BILAN_2004[den]
        assert abs(demo_share - share_2004) <= 0.15 * share_2004, (name, demo_share, share_2004)
    assert figures["median_days"]["reception_to_installation"] >= 120  # months, not weeks


def test_the_charter_check_on_the_demo_is_plausible(demo):
    """First meetings are recorded: every commitment is kept at a plausible rate (2004: one installation in
    five followed after creation, so follow-up is the weakest, yet not near zero)."""
    home, done = demo
    command = next(c for c in printed_commands(done.stdout) if " charter check " in c)
    run = subprocess.run(
        [*shlex.split(command), "--format", "json"], env=shell_env(home, on_path=False), capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    kept = {c["id"]: c["share"] for c in json.loads(run.stdout)["commitments"]}
    assert kept["first_meeting"] >= 0.8
    assert kept["referent"] >= 0.7
    assert kept["reception_junction"] >= 0.6
    assert kept["news"] >= 0.7
    assert 0.15 <= kept["follow_up_offered"] <= 0.5


def test_the_commands_say_capactif_when_the_path_finds_it(tmp_path):
    """With the environment's bin on the PATH the demo prints plain `capactif …`, and a shell runs them so."""
    env = shell_env(tmp_path, on_path=True)
    done = subprocess.run(
        [str(SCRIPT), "demo", "--fiches", "30", "--db", str(tmp_path / "d.sqlite")], env=env, capture_output=True,
        text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    commands = printed_commands(done.stdout)
    assert commands and all(c.startswith("capactif ") for c in commands)
    listed = subprocess.run(commands[3], shell=True, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert listed.returncode == 0 and "F-" in listed.stdout, listed.stderr


def test_invoked_as_falls_back_to_the_interpreter(monkeypatch, tmp_path):
    """Run as `python -m cli` from an environment without the script: the commands start with that interpreter."""
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python3"))
    assert invoked_as("-c") == f"{tmp_path / 'bin' / 'python3'} -m cli"
    assert invoked_as(str(SCRIPT)) in ("capactif", shlex.quote(str(SCRIPT.resolve())))


def test_the_demo_is_deterministic(tmp_path):
    """Same seed, same year: the same figures and the same alerts (a different seed, another year)."""

    def figures(name: str, seed: str) -> dict:
        args = ["demo", "--fiches", "120", "--seed", seed, "--db", str(tmp_path / name), "--format", "json"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        return {"report": data["report"], "alerts": data["alerts"]["counts"], "stages": data["stages"]}

    first = figures("a.sqlite", "5")
    assert first == figures("b.sqlite", "5")
    assert first != figures("c.sqlite", "6")
    assert first["report"]["offers_published"] == 4 and first["report"]["projects_met"] == 120
