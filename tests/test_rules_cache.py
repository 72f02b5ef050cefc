"""The cache of validated rule sets: a faster start that can never serve stale rules."""

from __future__ import annotations

import datetime as dt
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


# --- compiled rules (engine/routing/cache.py): what a cold `suggest` routes with --------------------------------


def routed(compiled, count: int = 300) -> list[dict]:
    """Full suggestions for a sample of the network's fiches (every commune's kind of structures)."""
    from engine import network, sample
    from engine.routing import suggest

    fiches = sample.generate(network.load(None), count, seed=7, end=dt.date(2026, 6, 30))
    return [suggest(f, compiled, {"cma-63": 3}, alternatives=2).to_dict() for f in fiches]


def test_compiled_rules_come_from_the_cache_and_route_as_freshly_compiled_ones(rules_copy, monkeypatch):
    from engine.routing import cache as compiled_cache
    from engine.routing import compile_rules

    fresh = compile_rules(load_rules(rules_copy))
    first = compiled_cache.compiled_rules(rules_copy, None, lambda: load_rules(rules_copy))
    assert cache.load(cache.key(rules_copy, compiled_cache.CODE)) is not None
    monkeypatch.setattr(compiled_cache, "compile_rules", lambda *a: pytest.fail("compiled again"))
    second = compiled_cache.compiled_rules(rules_copy, None, lambda: pytest.fail("rules loaded"))
    assert second is not first
    assert second.version == first.version == fresh.version
    assert sorted(second.structures) == sorted(fresh.structures)
    assert routed(second) == routed(fresh)
    assert compiled_cache.compiled_rules(rules_copy, "published:7", lambda: pytest.fail("loaded")).version == (
        "published:7"
    )


def test_an_edited_rules_file_is_never_routed_with_stale_compiled_rules(rules_copy):
    from engine.routing import cache as compiled_cache

    def compiled():
        return compiled_cache.compiled_rules(rules_copy, None, lambda: load_rules(rules_copy))

    assert compiled().structures["adie"].capacity is None
    path = rules_copy / "structures" / "adie.yaml"
    path.write_text(path.read_text().replace("active: true", "active: true\ncapacity: 40"))
    assert compiled().structures["adie"].capacity == 40
    path = rules_copy / "routing.yaml"
    path.write_text(path.read_text() + "\nbogus_key: 1\n")
    with pytest.raises(RulesError, match="champ 'bogus_key' introuvable"):
        compiled()


def test_the_compiled_rules_key_covers_the_code_that_reads_and_compiles_them(rules_copy):
    from engine.routing import cache as compiled_cache

    assert set(cache.CODE) < set(compiled_cache.CODE)
    assert {"routing/compile.py", "plainfiche.py", "territory_spec.py"} <= set(compiled_cache.CODE)
    engine_dir = Path(cache.__file__).parent.parent
    assert all((engine_dir / name).is_file() for name in compiled_cache.CODE)
    assert cache.key(rules_copy, compiled_cache.CODE) != cache.key(rules_copy)


def test_a_workspace_routes_from_the_compiled_cache_without_loading_the_network(rules_copy):
    from engine.app.workspace import Workspace
    from engine.rules.version import rules_version

    with Workspace.open(rules=rules_copy) as ws:
        filled = ws.compiled_rules
        assert "network" in ws.__dict__  # the first time: the rules are loaded, checked, compiled
    with Workspace.open(rules=rules_copy) as ws:
        again = ws.compiled_rules
        assert "network" not in ws.__dict__
        assert again.version == filled.version == rules_version(rules_copy)
        assert routed(again, 100) == routed(filled, 100)
    with Workspace.open(rules=rules_copy) as ws:
        loaded = ws.network  # a use case that loaded the network first: its version, no second git call
        assert ws.compiled_rules.version == loaded.rules.version


def test_communes_and_territory_words_unpickle_whole():
    """The frozen records of compiled rules are unpickled through their constructor (reduce_by_constructor):
    every field comes back, in order, memo included."""
    from engine import network
    from engine.routing import compile_rules

    compiled = compile_rules(network.load(None).rules)
    again = pickle.loads(pickle.dumps(compiled, protocol=5))
    assert again.territory.communes == compiled.territory.communes
    assert again.territory.local_networks == compiled.territory.local_networks
    assert again.territory.intercommunals == compiled.territory.intercommunals
    assert again.territory._by_name == compiled.territory._by_name
    for sid, s in compiled.structures.items():
        assert again.structures[sid].territory_words == s.territory_words
        assert str(again.structures[sid].territory_words) == str(s.territory_words)
    commune = next(iter(compiled.territory.communes.values()))
    assert pickle.loads(pickle.dumps(commune)).local_network == commune.local_network != ""


def test_entries_are_signed_with_keyed_blake2b(rules_copy):
    """The MAC is BLAKE2b-256 keyed with the user's secret (RFC 7693's MAC mode), over the key and the body."""
    import hashlib

    load_rules(rules_copy)
    cache_key = cache.key(rules_copy)
    secret = cache._secret()
    data = Path(cache._path(cache_key)).read_bytes()
    body = data[len(cache.MAGIC) + 32 :]
    expected = hashlib.blake2b(cache_key.encode() + b"\0" + body, key=secret, digest_size=32).digest()
    assert data[len(cache.MAGIC) : len(cache.MAGIC) + 32] == expected
    assert cache._signature(b"\1" * 32, cache_key, body) != expected
    assert cache.compare_digest(expected, bytes(expected)) and not cache.compare_digest(expected, b"\0" * 32)
