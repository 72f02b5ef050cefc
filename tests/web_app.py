"""Running the web application in tests: a seeded store with accounts, a signed-in client, a live server.

Use from a test module (pytest fixtures are plain imports)::

    from tests.web_app import web, live_server  # noqa: F401 (fixtures)

    def test_something(web):
        client = web.client("on")                      # signed in as the technician on the fiche
        page = client.get(f"/fiches/{web.fiche}")
        assert web.personal_data_in(page.text) == []

``web`` runs on both backends (through ``store_url``).  Its store holds one fiche (``web.fiche``)
received and led by ``cma-63``, supported by ``pfil-ambert``, whose porteur (no consent to share)
has a name, an e-mail, a phone, and a summary and a note naming them (:data:`PERSONAL`), and a
second fiche received by ``cci-thiers`` (``web.other_fiche``).  Accounts, all with
:data:`PASSWORD`, one per role of the route × role tests (:data:`ROLES`):

========== ============================ =====================================================
role       e-mail                       who
========== ============================ =====================================================
anonymous  (none)                       nobody signed in
committee  comite@test.example          the committee
on         cma63@test.example           cma-63, on web.fiche (its lead and receiver)
off        ccithiers@test.example       cci-thiers, not on web.fiche
coordinator coordination@test.example   the coordinator
disabled   ancien@test.example          cma-63, signed in, then disabled (its session ends)
========== ============================ =====================================================

``live_server`` runs ``capactif serve`` in its own process on 127.0.0.1 and a free port over the
same kind of store (SQLite), for browser tests; it is stopped by its process id at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from engine.app import Workspace, accounts
from engine.app.fiches import suggester
from engine.fiche import Fiche
from engine.identity import Identity
from engine.offers import repository as offers_repository
from engine.offers import requests as offers_requests
from engine.routing import compile_rules
from engine.store import repository
from web.app import create_app
from web.pages import CSRF_FIELD

PASSWORD = "mot de passe de test 2026"
PORTEUR = {
    "name": "Apolline Vérité-Secrète",
    "email": "apolline.secrete@example.org",
    "phone": "04 73 98 76 54",
}
#: Strings that must never appear where the porteur's data is forbidden (name, parts of it, e-mail, phone).
PERSONAL = ("Apolline", "Vérité-Secrète", "Secrète", "apolline.secrete", "04 73 98 76 54")
SUMMARY = "Boulangerie au levain d'Apolline Vérité-Secrète à Ambert"
NOTE = "Appel avec Apolline Vérité-Secrète : plan de financement à revoir"

ROLES = ("anonymous", "committee", "on", "off", "coordinator", "disabled")
EMAILS = {
    "committee": "comite@test.example",
    "on": "cma63@test.example",
    "off": "ccithiers@test.example",
    "coordinator": "coordination@test.example",
    "disabled": "ancien@test.example",
}
_ACCOUNTS = {
    "committee": ("Jean Élu", None, "committee"),
    "on": ("Marie Dupont", "cma-63", None),
    "off": ("Paul Commerce", "cci-thiers", None),
    "coordinator": ("Claire Coordination", None, "coordinator"),
    "disabled": ("Ancien Technicien", "cma-63", None),
}
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The application's clock in tests: a time that only moves when the test says so."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page's forms carry."""
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class WebClient(TestClient):
    """A test client that can sign in and send forms with the page's CSRF token."""

    def csrf(self, path: str | None = None) -> str:
        """The CSRF token of the forms of ``path`` (fetched now); by default the session's, or the visitor's."""
        if path is None:
            home = self.get("/").text
            return csrf_of(home) if CSRF_FIELD in home else csrf_of(self.get("/connexion").text)
        return csrf_of(self.get(path).text)

    def sign_in(self, email: str, password: str = PASSWORD):
        token = self.csrf("/connexion")
        return self.post(
            "/connexion", data={"email": email, "password": password, CSRF_FIELD: token}, follow_redirects=False
        )

    def submit(self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = None, **kw):
        """POST a form with the session's (or the visitor's) CSRF token, unless ``csrf`` is given."""
        token = self.csrf() if csrf is None else csrf
        body = dict(data or {})
        if token:
            body[CSRF_FIELD] = token
        return self.post(path, data=body, follow_redirects=False, **kw)


@dataclass
class WebApp:
    """A seeded store, the application over it, its clock, and signed-in clients by role."""

    store_url: str
    app: Starlette
    clock: Clock
    ws: Workspace
    fiche: str
    other_fiche: str
    clients: dict[str, WebClient] = field(default_factory=dict)

    def client(self, role: str = "anonymous", *, base_url: str = "http://testserver", fresh: bool = False) -> WebClient:
        """A client signed in as ``role`` (one of :data:`ROLES`); ``anonymous`` is not signed in.

        Clients are kept and shared; ``fresh`` makes a new one (a new session), for a request that
        could end the session (signing out) or that changes something.
        """
        key = f"{role}@{base_url}" + (f"#{len(self.clients)}" if fresh else "")
        if key not in self.clients:
            client = WebClient(self.app, base_url=base_url)
            client.__enter__()
            if role not in ("anonymous", "disabled"):
                response = client.sign_in(EMAILS[role])
                assert response.status_code == 303, response.text
            elif role == "disabled":
                response = client.sign_in(EMAILS[role])
                assert response.status_code == 303, response.text
                accounts.disable_user(self.ws, Identity.coordinator(), EMAILS[role], now=self.clock())
                accounts.disable_user(self.ws, Identity.coordinator(), EMAILS[role], disabled=False, now=self.clock())
            self.clients[key] = client
        return self.clients[key]

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)
        self.ws.close()


def personal_data_in(text: str) -> list[str]:
    """The porteur's personal data (of :data:`PERSONAL`) found in a page."""
    return [p for p in PERSONAL if p in text]


def seed(store_url: str, *, now: dt.datetime = START) -> tuple[str, str]:
    """The fiches and accounts described in the module docstring; the two fiches' ids."""
    with Workspace.open(db=store_url) as ws:
        net = ws.network
        context = net.fiche_context()
        on = Fiche.model_validate(
            {
                "received": "2026-03-02",
                "commune": "63003",
                "kind": "creation",
                "naf": "10.71C",
                "needs": ["honour_loan"],
                "summary": SUMMARY,
                "porteur": {**PORTEUR, "consent_network": False},
            },
            context=context,
        )
        other = Fiche.model_validate(
            {"received": "2026-03-05", "commune": "63430", "kind": "creation", "naf": "47.11B"}, context=context
        )
        cma, cci = Identity.of_structure("cma-63"), Identity.of_structure("cci-thiers")
        with ws.store.transaction() as conn:
            (first,) = repository.add_fiches(
                conn, [on], who=cma, network=net, suggester=suggester(compile_rules(net.rules)), assign=True,
                at=dt.date(2026, 3, 2),
            )  # fmt: skip
            repository.note_fiche(conn, first.fiche, NOTE, who=cma, at=dt.date(2026, 3, 3))
            (second,) = repository.add_fiches(
                conn, [other], who=cci, network=net, suggester=suggester(compile_rules(net.rules)),
                at=dt.date(2026, 3, 5),
            )  # fmt: skip
            # an offer of cma-63 on the public exchange (tests/web_routes.py's OFFER)
            offer = offers_repository.add_offer(
                conn, net, cma, kind="takeover", title="Fournil à reprendre", commune="63003", naf="10.71C",
                published_on=dt.date(2026, 3, 1), published_in="Villages Magazine",
            )  # fmt: skip
            offers_requests.set_online(conn, cma, offer.id, True, today=dt.date(2026, 3, 1))
        coordinator = Identity.coordinator()
        for role, (name, structure, account_role) in _ACCOUNTS.items():
            link = accounts.add_user(
                ws,
                coordinator,
                email=EMAILS[role],
                display_name=name,
                structure=structure,
                role=account_role,
                base_url="http://testserver",
                now=now,
            )
            accounts.set_password(ws, link.url.rsplit("/", 1)[1], PASSWORD, now=now)
    return first.fiche, second.fiche


@pytest.fixture
def web(store_url) -> Iterator[WebApp]:
    """The application over a seeded store (both backends), with a clock the test moves."""
    fiche, other = seed(store_url)
    clock = Clock()
    ws = Workspace.open(db=store_url)
    app = create_app(workspace=ws, clock=clock)
    seeded = WebApp(store_url, app, clock, ws, fiche, other)
    try:
        yield seeded
    finally:
        seeded.close()


# --- a real server for the browser -----------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """``capactif serve`` running in its own process."""

    url: str
    store_url: str
    process: subprocess.Popen
    fiche: str
    other_fiche: str


def wait_for_port(port: int, process: subprocess.Popen, log: Callable[[], str], attempts: int = 600) -> None:
    """Until the server accepts connections (or fail with its output if it exited)."""
    for _ in range(attempts):
        if process.poll() is not None:
            pytest.fail(f"capactif serve exited with {process.returncode}:\n{log()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"capactif serve did not listen on port {port}:\n{log()}")


@contextmanager
def serving(tmp_path: Path, *options: str) -> Iterator[LiveServer]:
    """``capactif serve [options]`` on 127.0.0.1 and a free port over a seeded SQLite store, while in the block."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    store_url = str(tmp_path / "live.sqlite")
    fiche, other = seed(store_url)
    port = free_port()
    log_file = tmp_path / "serve.log"
    env = {**os.environ, "CAPACTIF_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-c", "import cli; cli.main()", "serve", "--port", str(port), "--db", store_url]
    with log_file.open("w") as log:
        process = subprocess.Popen([*command, *options], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        wait_for_port(port, process, lambda: log_file.read_text())
        yield LiveServer(f"http://127.0.0.1:{port}", store_url, process, fiche, other)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """``capactif serve`` on 127.0.0.1 and a free port over a seeded SQLite store; stopped at the end."""
    with serving(tmp_path) as server:
        yield server
