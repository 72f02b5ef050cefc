"""The cache of validated rule sets: a faster start that can never serve stale rules."""

from __future__ import annotations

import os
import pickle
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
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
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


class _Payload:
    """A pickle that runs a command when it is loaded (what an attacker would drop in the cache)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_forged_cache_file_never_runs(rules_copy, tmp_path):
    """Whoever can write the cache directory drops a pickle that runs code: it is never unpickled (issue 14,
    item 11), the rules are read from their files instead and the forged entry is replaced."""
    marker = tmp_path / "pwned"
    path = Path(cache._path(cache.key(rules_copy)))
    path.parent.mkdir(parents=True, exist_ok=True)
    forged = pickle.dumps(_Payload(marker))
    for content in (forged, cache.MAGIC + b"\0" * 32 + forged):
        path.write_bytes(content)
        ruleset = load_rules(rules_copy)
        assert not marker.exists()
        assert "adie" in ruleset.structures
    assert cache.get(cache.key(rules_copy)) is not None  # the signed entry written in its place


def test_an_entry_signed_for_other_rules_is_not_served(rules_copy, tmp_path):
    """A valid entry copied under the key of other rules is refused: the rules' content is signed with it."""
    other = tmp_path / "other"
    shutil.copytree(rules_copy, other)
    path = other / "structures" / "adie.yaml"
    path.write_text(path.read_text().replace("active: true", "active: true\ncapacity: 40"))
    load_rules(other)
    Path(cache._path(cache.key(rules_copy))).write_bytes(Path(cache._path(cache.key(other))).read_bytes())
    assert cache.get(cache.key(rules_copy)) is None
    assert load_rules(rules_copy).structures["adie"].capacity != 40


def test_the_secret_is_private_and_a_shared_one_is_not_used(rules_copy, tmp_path):
    """The signing secret is created 0600 outside the cache directory; readable by others, it is not used."""
    load_rules(rules_copy)
    secret = tmp_path / "state" / "capactif" / cache.KEY_FILE
    assert secret.stat().st_mode & 0o777 == 0o600
    assert not secret.is_relative_to(tmp_path / "cache")
    secret.chmod(0o644)
    assert cache.get(cache.key(rules_copy)) is None
