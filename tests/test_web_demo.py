"""capactif demo --serve's accounts: the coordinator, a committee member, one technician per kind of structure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

from engine.app import Workspace, accounts
from tests.web_app import csrf_of, free_port, wait_for_port


def test_demo_accounts_cover_every_kind_of_structure_and_sign_in(store_url):
    with Workspace.open(db=store_url) as ws:
        made = accounts.demo_accounts(ws).accounts
        kinds = {str(spec.kind) for spec in ws.network.rules.structures.values()}
        assert {a.kind for a in made} == kinds | {"coordinator", "committee"}
        assert len({a.email for a in made}) == len(made) == len(kinds) + 2
        assert len({a.password for a in made}) == 1  # one password, printed once
        for account in made:
            signed = accounts.sign_in(ws, account.email, account.password)
            assert signed.session.account.who == account.who
            if account.kind not in ("coordinator", "committee"):
                assert ws.network.rules.structures[account.who].kind == account.kind


def test_demo_serve_prints_the_sign_in_then_serves_the_demo_store(tmp_path):
    """The README's `capactif demo --serve`: a printed account signs in on the served demo store."""
    port = free_port()
    log_file = tmp_path / "demo.log"
    env = {**os.environ, "CAPACTIF_HOME": str(tmp_path / "home"), "CAPACTIF_AS": ""}
    command = [sys.executable, "-c", "import cli; cli.main()", "demo", "--fiches", "30", "--serve", "--port", str(port)]
    with log_file.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        wait_for_port(port, process, log_file.read_text)
        out = log_file.read_text()
        password = re.search(r"mot de passe commun : (\S+)\)", out).group(1)
        assert "coordination@capactif.example" in out
        assert "cma-43@capactif.example" in out  # the first chamber of trades by id
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        base = f"http://127.0.0.1:{port}"
        token = csrf_of(opener.open(base + "/connexion").read().decode())
        form = {"email": "coordination@capactif.example", "password": password, "csrf_token": token}
        home = opener.open(base + "/connexion", data=urllib.parse.urlencode(form).encode()).read().decode()
        assert "coordinateur du réseau" in home
    finally:
        process.terminate()
        process.wait(timeout=30)
