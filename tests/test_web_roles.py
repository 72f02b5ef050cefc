"""Every route × every role: status codes, no personal data where the rules forbid it, CSRF refused.

The table is :data:`tests.web_routes.CASES`; the roles and the seeded store are those of
:mod:`tests.web_app`.  One application per backend serves every case (the clients of each role
sign in once), so the whole table costs a few seconds.
"""

from __future__ import annotations

import pytest

from engine.app import Workspace
from tests.web_app import ROLES, Clock, WebApp, personal_data_in, seed
from tests.web_routes import CASES, Case
from web.app import create_app
from web.pages import CSRF_FIELD, ROUTES, SAFE_METHODS


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_web(request, tmp_path_factory):
    """One seeded application per backend for the whole table (cases only read, or are refused)."""
    from tests.conftest import drop_schema, pg_schema_url

    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("roles") / "store.sqlite")
        cleanup = None
    else:
        database = request.getfixturevalue("pg_database")
        url, schema = pg_schema_url(database)
        from engine.store import db

        store = db.Store(url, db.make_engine(url))
        db.upgrade(store)
        store.dispose()
        cleanup = (database, schema)
    fiche, other = seed(url)
    clock = Clock()
    ws = Workspace.open(db=url)
    web = WebApp(url, create_app(workspace=ws, clock=clock), clock, ws, fiche, other)
    try:
        yield web
    finally:
        web.close()
        if cleanup:
            drop_schema(*cleanup)


KIND = {"anonymous": "anonymous", "committee": "committee", "on": "structure", "off": "structure",
        "coordinator": "coordinator", "disabled": "anonymous"}  # fmt: skip


def _path(case: Case, web) -> str:
    return case.path.format(fiche=web.fiche, other_fiche=web.other_fiche)


def _request(client, case: Case, path: str, token: str | None):
    if case.method in SAFE_METHODS:
        return client.request(case.method, path, follow_redirects=False)
    data = dict(case.data)
    if token is not None:
        data[CSRF_FIELD] = token
    return client.request(case.method, path, data=data, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=Case.id)
def test_route_as_role(shared_web, case, role):
    """The status each role gets, and the porteur's data only for the roles the rules allow."""
    client = shared_web.client(role, fresh=case.method not in SAFE_METHODS)
    token = client.csrf() if case.method not in SAFE_METHODS else None
    response = _request(client, case, _path(case, shared_web), token)
    assert response.status_code == case.expect[role], response.text[:2000]
    if response.status_code == 303:
        location = response.headers["location"]
        assert location.startswith("/"), location  # never to another site
    if role not in case.sees_personal_data:
        assert personal_data_in(response.text) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.method not in SAFE_METHODS], ids=Case.id)
@pytest.mark.parametrize("token", ["missing", "wrong"])
def test_state_changing_request_without_the_csrf_token_is_refused(shared_web, case, token):
    """Every POST route refuses a form without the session's token, or with another one: 403, nothing done."""
    spec = next(r for r in ROUTES if r.name == case.route)
    allowed = [r for r in ROLES if r != "disabled" and (spec.public or KIND[r] in spec.kinds)]
    assert allowed
    for role in allowed:
        client = shared_web.client(role, fresh=True)
        response = _request(client, case, _path(case, shared_web), None if token == "missing" else "forged-token")
        assert response.status_code == 403, (role, response.text[:500])
        assert "Form expired" in response.text or "Formulaire" in response.text


def test_every_route_has_cases():
    """A route added without its line in tests/web_routes.py fails here (so nobody forgets the roles)."""
    covered = {(c.route, c.method) for c in CASES}
    missing = [(r.name, m) for r in ROUTES for m in r.methods if (r.name, m) not in covered]
    assert missing == []


def test_the_application_serves_only_declared_pages(shared_web):
    """Every route goes through web.pages.route (identity, access, CSRF), apart from the static files."""
    names = {getattr(r, "name", None) for r in shared_web.app.routes}
    assert names == {r.name for r in ROUTES} | {"static"}
