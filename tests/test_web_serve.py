"""capactif serve as a process: behind a TLS proxy (--proxy-headers), several workers, a bad store.

Requests go to 127.0.0.1 only; the server is stopped by its process id at the end of each test.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from click.testing import CliRunner

from cli import main
from tests.web_app import serving


def _cookies(url: str, headers: dict[str, str]) -> list[str]:
    request = urllib.request.Request(url + "/connexion", headers=headers)
    with urllib.request.urlopen(request) as response:
        return response.headers.get_all("set-cookie") or []


def test_behind_a_tls_proxy_cookies_are_secure_only_with_proxy_headers(tmp_path):
    """X-Forwarded-Proto: https from the local proxy makes cookies Secure (and HSTS) with --proxy-headers only."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    with serving(tmp_path / "plain") as server:
        cookies = _cookies(server.url, forwarded)
        assert cookies
        assert not any("Secure" in c for c in cookies)  # a client cannot claim https by itself
    with serving(tmp_path / "proxied", "--proxy-headers") as server:
        cookies = _cookies(server.url, forwarded)
        assert cookies
        assert all("Secure" in c and "HttpOnly" in c for c in cookies)
        with urllib.request.urlopen(urllib.request.Request(server.url + "/", headers=forwarded)) as response:
            assert response.headers["strict-transport-security"].startswith("max-age=")
            assert response.headers.get("server") is None  # no server banner


def test_several_workers_share_sessions_through_the_store(tmp_path):
    """With --workers 2 a session opened by one worker is known to the other (sessions live in the store)."""
    from tests.web_app import EMAILS, PASSWORD, csrf_of

    with serving(tmp_path, "--workers", "2") as server:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        token = csrf_of(opener.open(server.url + "/connexion").read().decode())
        body = urllib.parse.urlencode({"email": EMAILS["on"], "password": PASSWORD, "csrf_token": token}).encode()
        opener.open(server.url + "/connexion", data=body)
        for _ in range(6):  # new connections, answered by whichever worker takes them
            page = opener.open(server.url + "/").read().decode()
            assert "Marie Dupont" in page


def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--db", "mysql://nobody@localhost/x"])
    assert result.exit_code == 2
    assert "SQLite" in result.output and "PostgreSQL" in result.output
    assert "Traceback" not in result.output


def test_the_server_log_holds_no_password_nor_link_token(tmp_path):
    """What the server prints (uvicorn's log) never shows a password, a session or a one-time link's token."""
    from engine.app import Workspace, accounts
    from engine.identity import Identity
    from tests.web_app import EMAILS, PASSWORD, csrf_of

    with serving(tmp_path) as server:
        with Workspace.open(db=server.store_url) as ws:
            link = accounts.reset_user(ws, Identity.coordinator(), EMAILS["off"], base_url=server.url)
        token = link.url.rsplit("/", 1)[1]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(link.url).read()
        csrf = csrf_of(opener.open(server.url + "/connexion").read().decode())
        for password in ("a wrong password 123", PASSWORD):
            form = {"email": EMAILS["on"], "password": password, "csrf_token": csrf}
            try:
                opener.open(server.url + "/connexion", data=urllib.parse.urlencode(form).encode()).read()
            except urllib.error.HTTPError as exc:
                assert exc.code == 401
    log = (tmp_path / "serve.log").read_text()
    assert "Uvicorn running" in log or "Application startup complete" in log
    for secret in ("a wrong password 123", PASSWORD, token, csrf):
        assert secret not in log
