"""The application layer's foundations: configuration resolved in one place, the caller's identity,
and a workspace that reads the rules and opens the store once, on first use.

Front ends (the CLI, the web application) rely on these: a wrong precedence would silently point a
command at another store or another network; a role mistaken for a structure would change what
the caller may see.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import paths
from engine.app import ANONYMOUS, Identity, Workspace, resolve
from engine.errors import InputError
from engine.store import access


def test_options_win_over_environment_which_wins_over_defaults(tmp_path: Path) -> None:
    rules = tmp_path / "r"
    env = {"CAPACTIF_DB": "env.sqlite", "CAPACTIF_RULES": str(rules), "CAPACTIF_AS": "cma-63"}
    from_env = resolve(environ=env)
    assert (from_env.db, from_env.rules_dir, from_env.as_) == ("env.sqlite", rules, "cma-63")
    given = resolve(db="opt.sqlite", rules=tmp_path / "o", as_="committee", environ=env)
    assert (given.db, given.rules_dir, given.as_) == ("opt.sqlite", tmp_path / "o", "committee")


def test_nothing_given_means_default_store_bundled_rules_and_the_public(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./rules, no ./charter here
    config = resolve(environ={})
    assert config.db is None and config.as_ is None
    assert config.rules_dir == paths.bundled("rules")
    assert config.charter_dir == paths.bundled("charter")


def test_empty_environment_values_count_as_unset() -> None:
    config = resolve(environ={"CAPACTIF_DB": "", "CAPACTIF_AS": ""})
    assert config.db is None and config.as_ is None


def test_the_links_address_is_the_option_else_the_environment_else_the_local_server() -> None:
    from engine.app.config import DEFAULT_BASE_URL, base_url

    env = {"CAPACTIF_BASE_URL": "https://capactif.example.org"}
    assert base_url("https://given.example.org", env) == "https://given.example.org"
    assert base_url(None, env) == "https://capactif.example.org"
    assert base_url(None, {"CAPACTIF_BASE_URL": ""}) == DEFAULT_BASE_URL == "http://127.0.0.1:8000"


def test_identity_kinds_and_what_they_are_named() -> None:
    assert Identity.of_structure("cma-63").kind == "structure"
    assert Identity.of_structure("cma-63").structure == "cma-63"
    assert Identity.coordinator().kind == "coordinator" and Identity.coordinator().structure is None
    assert Identity.committee().is_committee and Identity.committee().structure is None
    assert ANONYMOUS.kind == "anonymous" and ANONYMOUS.is_anonymous and ANONYMOUS.label() == "anonymous"


def test_account_and_display_name_never_change_what_the_caller_may_see() -> None:
    signed_in = Identity.of_structure("cma-63", account="u-1", display_name="Marie Dupont")
    assert signed_in == Identity("cma-63")  # same caller for every access rule
    assert access.sees_personal_data(signed_in, {"cma-63"}, consent_network=False)
    assert not access.sees_personal_data(Identity.committee(account="u-2"), {"cma-63"}, consent_network=True)


def test_a_role_is_resolved_without_reading_the_rules(tmp_path: Path) -> None:
    ws = Workspace.open(rules=tmp_path / "missing", as_="coordinator")
    assert ws.identity() == Identity.coordinator()
    assert "network" not in ws.__dict__  # a missing rules directory was never read


def test_an_unknown_structure_is_refused_with_the_known_ones() -> None:
    ws = Workspace.open(as_="cma-36")
    with pytest.raises(InputError) as raised:
        ws.identity()
    assert raised.value.exit_code == 2
    assert "--as" in str(raised.value) and "cma-63" in str(raised.value)


def test_the_rules_are_read_once_per_workspace() -> None:
    ws = Workspace.open()
    assert ws.identity("cma-63") == Identity("cma-63")
    assert ws.network is ws.network and ws.compiled_rules is ws.compiled_rules


def test_the_store_opens_on_first_use_and_closes_with_the_workspace(tmp_path: Path) -> None:
    file = tmp_path / "s.sqlite"
    with Workspace.open(db=str(file)) as ws:
        assert not ws.store_opened and not file.exists()
        assert ws.store is ws.store
        assert file.exists()
    assert not ws.store_opened


def test_store_configured_only_when_named_or_the_default_file_exists(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path))
    assert not resolve(environ={}).store_configured
    assert resolve(db="x.sqlite", environ={}).store_configured
    paths.default_store_file().touch()
    assert resolve(environ={}).store_configured
