"""The cache of validated rule sets: a faster start that can never serve stale rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import RulesError
from engine.rules import cache
from engine.rules.loader import load_rules

RULES = Path(__file__).parent.parent / "rules"


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    """A private copy of the bundled rules and a private cache directory."""
    monkeypatch.setenv("CAPACTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CAPACTIF_NO_CACHE", raising=False)
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_second_load_comes_from_the_cache_and_equals_the_first(rules_copy):
    """A validated rule set is cached and the cached copy has the same content."""
    first = load_rules(rules_copy)
    assert cache.get(cache.key(rules_copy)) is not None
    second = load_rules(rules_copy)
    assert first.structures == second.structures
    assert first.policy == second.policy
    assert first.version == second.version


def test_an_edited_file_is_never_served_from_the_cache(rules_copy):
    """Changing one structure file changes the key: the change is seen, not the cached rules."""
    load_rules(rules_copy)
    path = rules_copy / "structures" / "adie.yaml"
    path.write_text(path.read_text().replace("active: true", "active: true\ncapacity: 40"))
    assert 40 == load_rules(rules_copy).structures["adie"].capacity


def test_a_broken_edit_is_reported_even_after_a_cached_load(rules_copy):
    """A file broken after a successful load is reported, never hidden by the cache."""
    load_rules(rules_copy)
    path = rules_copy / "routing.yaml"
    path.write_text(path.read_text() + "\nbogus_key: 1\n")
    with pytest.raises(RulesError, match="champ 'bogus_key' introuvable"):
        load_rules(rules_copy)


def test_the_cache_can_be_turned_off(rules_copy, monkeypatch):
    """CAPACTIF_NO_CACHE=1 neither reads nor writes the cache."""
    monkeypatch.setenv("CAPACTIF_NO_CACHE", "1")
    load_rules(rules_copy)
    assert not (Path(cache._path(cache.key(rules_copy))).exists())
