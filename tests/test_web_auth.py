"""Signing in and out, sessions, one-time password links, lock-out, cookies and security headers.

Over the seeded application of tests/web_app.py on both backends; time moves with the test's clock.
"""

from __future__ import annotations

import html
import re

from engine.app import accounts
from engine.identity import Identity
from tests.web_app import EMAILS, PASSWORD, WebClient, web  # noqa: F401 (fixture)
from web.pages import CSRF_FIELD, SESSION_COOKIE


def test_sign_in_shows_the_home_page_then_sign_out_ends_the_session(web):  # noqa: F811
    """A technician signs in, sees their name and structure; after signing out the old cookie opens nothing."""
    client = web.client("anonymous", fresh=True)
    response = client.sign_in(EMAILS["on"])
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = client.get("/")
    assert "Marie Dupont" in home.text
    assert "Chambre de Métiers et de l'Artisanat du Puy-de-Dôme" in html.unescape(home.text)
    cookie = client.cookies[SESSION_COOKIE]
    out = client.submit("/deconnexion")
    assert out.status_code == 303
    assert out.headers["location"] == "/connexion?sortie=1"
    # replaying the old cookie: the session is gone on the server, not just in the browser
    replay = WebClient(web.app)
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert replay.get("/coordination/journal", follow_redirects=False).status_code == 303
    assert "Marie Dupont" not in replay.get("/").text


def test_sign_in_goes_back_to_the_page_asked_but_never_to_another_site(web):  # noqa: F811
    client = web.client("anonymous", fresh=True)
    asked = client.get("/coordination/journal?fiche=F-2026-0001", follow_redirects=False)
    assert asked.headers["location"] == "/connexion?suite=%2Fcoordination%2Fjournal%3Ffiche%3DF-2026-0001"
    token = client.csrf("/connexion")
    form = {"email": EMAILS["coordinator"], "password": PASSWORD, CSRF_FIELD: token}
    done = client.post("/connexion", data={**form, "suite": "/coordination/journal?fiche=F-2026-0001"},
                       follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/coordination/journal?fiche=F-2026-0001"
    other = web.client("anonymous", fresh=True)
    token = other.csrf("/connexion")
    away = other.post("/connexion", data={**form, CSRF_FIELD: token, "suite": "//evil.example/x"},
                      follow_redirects=False)  # fmt: skip
    assert away.headers["location"] == "/"


def test_wrong_password_and_unknown_address_get_the_same_answer(web):  # noqa: F811
    client = web.client("anonymous", fresh=True)
    wrong = client.sign_in(EMAILS["on"], "not the password")
    unknown = client.sign_in("nobody@test.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
    assert message.search(wrong.text).group(1) == message.search(unknown.text).group(1)
    assert SESSION_COOKIE not in client.cookies


def test_repeated_failures_lock_the_address_then_the_lock_grows(web):  # noqa: F811
    """Five failures lock the address for a minute (even the right password is refused); then 2, 4… minutes."""
    client = web.client("anonymous", fresh=True)
    for _ in range(4):
        assert client.sign_in(EMAILS["on"], "wrong password").status_code == 401
    fifth = client.sign_in(EMAILS["on"], "wrong password")
    assert fifth.status_code == 401
    assert "1 min" in fifth.text
    locked = client.sign_in(EMAILS["on"], PASSWORD)
    assert locked.status_code == 401
    assert SESSION_COOKIE not in client.cookies
    web.clock.advance(seconds=61)
    sixth = client.sign_in(EMAILS["on"], "wrong password")
    assert "2 min" in sixth.text
    web.clock.advance(seconds=121)
    assert client.sign_in(EMAILS["on"], PASSWORD).status_code == 303
    # the count starts again after a success
    client.submit("/deconnexion")
    assert client.sign_in(EMAILS["on"], "wrong password").status_code == 401
    assert client.sign_in(EMAILS["on"], PASSWORD).status_code == 303


def test_many_addresses_tried_from_one_connection_lock_that_connection_only(web):  # noqa: F811
    """Per IP besides per address: 20 failures from one connection, each address below its own lock, lock
    the connection (even a right password is refused); another connection signs in; a success does not
    reset the count; it is forgotten after 15 quiet minutes."""
    from engine.accounts.repository import IP_FREE_FAILURES

    attacker = WebClient(web.app, client=("203.0.113.7", 40000))
    colleague = WebClient(web.app, client=("198.51.100.2", 40000))
    with attacker, colleague:
        for n in range(IP_FREE_FAILURES - 2):
            assert attacker.sign_in(f"guess{n}@example.org", "wrong password").status_code == 401
        assert attacker.sign_in(EMAILS["on"], PASSWORD).status_code == 303  # a success: not a reset
        attacker.submit("/deconnexion")
        assert attacker.sign_in("guess-a@example.org", "wrong password").status_code == 401
        last = attacker.sign_in("guess-b@example.org", "wrong password")
        assert last.status_code == 401
        assert "depuis ce réseau" in html.unescape(last.text) and "1 min" in last.text
        refused = attacker.sign_in(EMAILS["on"], PASSWORD)
        assert refused.status_code == 401 and SESSION_COOKIE not in attacker.cookies
        assert colleague.sign_in(EMAILS["on"], PASSWORD).status_code == 303  # another connection: not locked
        web.clock.advance(seconds=61)
        again = attacker.sign_in("guess-c@example.org", "wrong password")
        assert "2 min" in again.text  # the lock grows while the failures go on
        web.clock.advance(minutes=17)
        assert attacker.sign_in(EMAILS["on"], PASSWORD).status_code == 303  # forgotten after 15 quiet minutes
        attacker.submit("/deconnexion")
        assert attacker.sign_in("guess-d@example.org", "wrong password").status_code == 401
        assert "depuis ce réseau" not in html.unescape(attacker.sign_in("guess-e@example.org", "wrong").text)


def test_an_idle_session_expires(web):  # noqa: F811
    client = web.client("coordinator", fresh=True)
    web.clock.advance(hours=1, minutes=59)
    assert client.get("/coordination/journal", follow_redirects=False).status_code == 200
    web.clock.advance(hours=1, minutes=59)  # active an hour ago: still open
    assert client.get("/coordination/journal", follow_redirects=False).status_code == 200
    web.clock.advance(hours=2, seconds=1)
    assert client.get("/coordination/journal", follow_redirects=False).status_code == 303


def test_disabling_an_account_ends_its_sessions_and_sign_in(web):  # noqa: F811
    client = web.client("off", fresh=True)
    accounts.disable_user(web.ws, Identity.coordinator(), EMAILS["off"], now=web.clock())
    assert "Paul Commerce" not in client.get("/").text
    again = web.client("anonymous", fresh=True).sign_in(EMAILS["off"])
    assert again.status_code == 401
    assert "disabled" in again.text or "désactivé" in again.text


def test_a_password_link_works_once(web):  # noqa: F811
    link = accounts.add_user(
        web.ws,
        Identity.coordinator(),
        email="nouveau@test.example",
        display_name="Nouvelle Recrue",
        structure="adie",
        base_url="http://testserver",
        now=web.clock(),
    )
    path = link.url.removeprefix("http://testserver")
    client = web.client("anonymous", fresh=True)
    page = client.get(path)
    assert page.status_code == 200
    assert "nouveau@test.example" in page.text
    token = client.csrf(path)
    short = client.post(path, data={"password": "court", "confirm": "court", CSRF_FIELD: token})
    assert short.status_code == 400
    differ = client.post(path, data={"password": "une phrase assez longue", "confirm": "autre chose encore",
                                     CSRF_FIELD: token})  # fmt: skip
    assert differ.status_code == 400
    done = client.post(path, data={"password": "une phrase assez longue", "confirm": "une phrase assez longue",
                                   CSRF_FIELD: token})  # fmt: skip
    assert done.status_code == 200
    assert client.get(path).status_code == 410
    assert client.sign_in("nouveau@test.example", "une phrase assez longue").status_code == 303


def test_reset_ends_sessions_and_the_old_link(web):  # noqa: F811
    client = web.client("on", fresh=True)
    first = accounts.reset_user(web.ws, Identity.coordinator(), EMAILS["on"], base_url="http://t", now=web.clock())
    second = accounts.reset_user(web.ws, Identity.coordinator(), EMAILS["on"], base_url="http://t", now=web.clock())
    assert "Marie Dupont" not in client.get("/").text
    assert client.get(first.url.removeprefix("http://t")).status_code == 410
    assert client.get(second.url.removeprefix("http://t")).status_code == 200


def test_cookies_are_httponly_samesite_and_secure_under_https(web):  # noqa: F811
    plain = web.client("anonymous", fresh=True).sign_in(EMAILS["on"])
    cookie = next(c for c in plain.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    client = WebClient(web.app, base_url="https://testserver")
    secure = client.sign_in(EMAILS["on"])
    cookie = next(c for c in secure.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie
    assert secure.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers_on_every_response(web):  # noqa: F811
    client = web.client("anonymous", fresh=True)
    for path in ("/", "/connexion", "/nowhere", "/static/capactif.css"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/").headers["cache-control"] == "no-store"
    assert "<script" not in client.get("/connexion").text  # no inline script anywhere in the templates


def test_english_on_request_kept_in_a_cookie(web):  # noqa: F811
    """Pages are French by default; the footer's button switches to English (and back), for this browser."""
    client = web.client("anonymous", fresh=True)
    assert "Se connecter" in client.get("/connexion").text
    switched = client.submit("/langue", {"langue": "en", "suite": "/connexion"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/connexion"
    page = client.get("/connexion")
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text
    assert "Page not found" in client.get("/nowhere").text
    wrong = client.sign_in(EMAILS["on"], "wrong password")
    assert "wrong e-mail address or password" in wrong.text
    client.submit("/langue", {"langue": "fr", "suite": "//elsewhere.example"})
    assert "Se connecter" in client.get("/connexion").text
