"""The charter text (charter/charte.md) agrees with the network it describes."""

from __future__ import annotations

import re
from pathlib import Path

from engine import network

CHARTE = (Path(__file__).parent.parent / "charter" / "charte.md").read_text(encoding="utf-8")
RULES = Path(__file__).parent.parent / "rules"


def members_listed() -> list[str]:
    section = CHARTE.split("## Article 7", 1)[1].split("## Article 8", 1)[0]
    return re.findall(r"^- .*\(`([a-z0-9-]+)`\)$", section, flags=re.M)


def test_charter_lists_every_member_once():
    """Article 7 lists the 28 members the seed enumerates (it announces 27), 12 of them communautés de communes."""
    ids = members_listed()
    assert len(ids) == 28
    assert len(set(ids)) == 28
    assert len([i for i in ids if i.startswith("cc-")]) == 12


def test_charter_members_are_the_rules_structures():
    """Every member of the charter has a structure file in the bundled rules, and every structure is a member."""
    assert set(members_listed()) == set(network.load(RULES).structure_ids)


def test_charter_names_the_principles_and_local_networks():
    """The charter states the five principles and the three local networks by their ids."""
    for words in (
        "Co-responsabilité",
        "Libre parole et respect",
        "Confidentialité",
        "Ouverture et transparence",
        "Convivialité",
    ):
        assert f"**{words}**" in CHARTE
    for net in ("thiers", "ambert", "brioude"):
        assert f"`{net}`" in CHARTE
