"""The offers' texts as technicians read them: offer list's table, offer show (description, closing, installations
through the offer), offer match for a fiche (with or without the porteur's name) and when nothing matches."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import main

OFFERS = """\
- kind: takeover
  title: Boulangerie à reprendre
  description: Four à bois, clientèle fidèle
  commune: Ambert
  naf: 10.71C
  published_on: 2025-03-14
  published_in: Villages Magazine
  published_by: pfil-ambert
- kind: sought
  title: Un médecin pour Job
  commune: Job
  published_on: 2025-04-01
  published_in: site du Parc
- kind: sought
  title: Épicerie de village
  commune: "43117"
  nature: commercial
  published_on: 2025-04-02
  published_in: Villages Magazine
"""

TAKEOVER = """\
received: 2025-03-01
received_by: cma-63
commune: Ambert
kind: takeover
naf: 10.71C
lead: cma-63
offer: O-2025-0001
porteur: {name: Jeanne Martin}
"""

FARM = """\
received: 2025-03-01
received_by: cma-63
commune: "63430"
kind: creation
naf: 01.11Z
porteur: {name: Paul Roux}
"""


def run(url: str, *args: str):
    result = CliRunner().invoke(main, [*args, "--db", url], env={"CAPACTIF_AS": ""})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def offers(store_url, tmp_path):
    """Three offers (one closed), a takeover fiche that answered the bakery (linked to it) and was installed,
    a farm in Thiers.

    The takeover's référent is on its fiche from the start: its study is dated 2025-04-03, and a
    backdated move needs the référent on that day (``--assign`` would designate it today).
    """
    (tmp_path / "offers.yaml").write_text(OFFERS, encoding="utf-8")
    (tmp_path / "takeover.yaml").write_text(TAKEOVER, encoding="utf-8")
    (tmp_path / "farm.yaml").write_text(FARM, encoding="utf-8")
    run(store_url, "offer", "add", str(tmp_path / "offers.yaml"), "--as", "coordinator")
    run(store_url, "fiche", "add", str(tmp_path / "takeover.yaml"), str(tmp_path / "farm.yaml"), "--assign",
        "--as", "cma-63")  # fmt: skip
    run(store_url, "offer", "contact", "O-2025-0001", "F-2025-0001", "--date", "2025-04-02", "--note", "appelle lundi",
        "--as", "cma-63")  # fmt: skip
    run(store_url, "fiche", "move", "F-2025-0001", "start_study", "--date", "2025-04-03", "--as", "cma-63")
    run(store_url, "fiche", "move", "F-2025-0001", "install", "--date", "2025-06-01", "--as", "cma-63")
    run(store_url, "offer", "close", "O-2025-0003", "--date", "2025-09-30", "--reason", "reprise faite",
        "--as", "coordinator")  # fmt: skip
    return store_url


def test_list_table_one_line_per_offer_with_its_state(offers):
    """offer list: id, open or closed on a day, short kind, title, commune, network, NAF, when, where, contacts."""
    lines = run(offers, "offer", "list").splitlines()
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert rows == [
        ["O-2025-0001", "ouverte", "à reprendre", "Boulangerie à reprendre", "63003", "ambert", "10.71C", "2025-03-14",
         "Villages Magazine", "1"],
        ["O-2025-0002", "ouverte", "recherchée", "Un médecin pour Job", "63179", "ambert", "", "2025-04-01",
         "site du Parc", "0"],
        ["O-2025-0003", "close le 2025-09-30", "recherchée", "Épicerie de village", "43117", "brioude", "",
         "2025-04-02", "Villages Magazine", "0"],
    ]  # fmt: skip
    assert lines[-1] == "3 offres."


def test_show_an_offer_with_its_contact_and_installation(offers):
    """offer show to the fiche's structure: description, the contact with name and note, installed via the offer."""
    assert run(offers, "offer", "show", "O-2025-0001", "--as", "cma-63").splitlines() == [
        "O-2025-0001 — entreprise à reprendre: Boulangerie à reprendre (63003 Ambert), Villages Magazine du 2025-03-14",
        "  réseau local: ambert",
        "  activité: 10.71C (artisanale)",
        "  description: Four à bois, clientèle fidèle",
        "  publiée dans Villages Magazine le 2025-03-14 par pfil-ambert",
        "  ouverte",
        "contacts (1):",
        "  2025-04-02  F-2025-0001 — Jeanne Martin (activité installée, installée le 2025-06-01 (par l'intermédiaire "
        "de l'offre)), noté par cma-63 — appelle lundi",
        "installations par l'intermédiaire de l'offre: 1",
    ]


def test_show_a_closed_offer_without_naf(offers):
    """A closed offer says when and why (why only to the coordinator and its publisher: the reason may name the
    porteur); only a nature: '—' for its NAF; published by the coordinator: no 'par'."""
    committee = run(offers, "offer", "show", "O-2025-0003", "--as", "committee").splitlines()
    assert "  close le 2025-09-30" in committee
    lines = run(offers, "offer", "show", "O-2025-0003", "--as", "coordinator").splitlines()
    assert lines[1:] == [
        "  réseau local: brioude",
        "  activité: — (commerciale)",
        "  publiée dans Villages Magazine le 2025-04-02",
        "  close le 2025-09-30: reprise faite",
        "contacts (0):",
        "installations par l'intermédiaire de l'offre: 0",
    ]


def test_committee_sees_the_contact_without_name_or_note(offers):
    """The committee reads the same contact line without the porteur's name and the note."""
    text = run(offers, "offer", "show", "O-2025-0001", "--as", "committee")
    assert "Jeanne" not in text and "appelle lundi" not in text
    line = "  2025-04-02  F-2025-0001 (activité installée, installée le 2025-06-01 (par l'intermédiaire de l'offre))"
    assert f"{line}, noté par cma-63" in text.splitlines()


def test_match_a_fiche_names_its_porteur_only_to_its_structure(offers):
    """offer match FICHE: a head with the fiche (its porteur's name for cma-63), then each offer ranked with reasons."""
    lines = run(offers, "offer", "match", "F-2025-0001", "--date", "2025-05-01", "--as", "cma-63").splitlines()
    assert lines[0] == (
        "Offres pour la fiche F-2025-0001 — Jeanne Martin (reprise / transmission, 63003 Ambert, NAF 10.71C), "
        "au 2025-05-01:"
    )
    assert lines[1] == (
        "1. O-2025-0001 — entreprise à reprendre: Boulangerie à reprendre (63003 Ambert), "
        "Villages Magazine du 2025-03-14"
    )
    assert "     - déjà en contact depuis le 2025-04-02" in lines
    assert lines[lines.index("     - déjà en contact depuis le 2025-04-02") + 1].startswith("2. O-2025-0002 — ")
    committee = run(offers, "offer", "match", "F-2025-0001", "--date", "2025-05-01", "--as", "committee")
    assert committee.splitlines()[0].startswith("Offres pour la fiche F-2025-0001 (reprise / transmission, ")


def test_match_says_when_nothing_matches(offers):
    """A farm in Thiers matches no offer; an offer nobody is looking for matches no fiche: both say so."""
    assert run(offers, "offer", "match", "F-2025-0002", "--date", "2025-05-01").splitlines() == [
        "Offres pour la fiche F-2025-0002 (création, 63430 Thiers, NAF 01.11Z), au 2025-05-01:",
        "  aucune correspondance.",
    ]
    assert run(offers, "offer", "match", "O-2025-0002", "--date", "2025-05-01").splitlines() == [
        "Fiches pour l'offre O-2025-0002 — activité recherchée par une commune: Un médecin pour Job (63179 Job), "
        "site du Parc du 2025-04-01, au 2025-05-01:",
        "  aucune correspondance.",
    ]
