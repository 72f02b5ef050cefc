"""A serving process follows the rules the coordinator publishes from elsewhere, at its next request.

Every worker of ``capactif serve`` keeps its loaded rules; each request reads the id of the
publication in force — with the session, in the same statement, when the visitor is signed in
(``engine.app.accounts.resume``), on its own otherwise — and drops the loaded rules when it moved.
On both backends, over the seeded application of tests/web_app.py.
"""

from __future__ import annotations

from engine import paths
from tests.test_rules_publish import changed_rules, publish
from tests.web_app import web  # noqa: F401 (fixture)


def _in_force(ws) -> int | None:
    publication = ws.rules_choice.in_force
    return publication.id if publication is not None else None


def test_a_publication_made_elsewhere_is_followed_at_the_next_request(web, tmp_path):  # noqa: F811
    technician, visitor = web.client("on"), web.client("anonymous")
    assert technician.get("/").status_code == 200
    before = _in_force(web.ws)  # the rules this worker loaded

    assert publish(web.store_url, changed_rules(tmp_path)).exit_code == 0  # another process
    assert _in_force(web.ws) == before  # nothing read yet: the worker still has its rules
    assert technician.get("/").status_code == 200  # signed in: read with the session
    first = _in_force(web.ws)
    assert first is not None and first != before

    assert publish(web.store_url, paths.bundled("rules")).exit_code == 0  # back to the bundled rules: a new one
    assert _in_force(web.ws) == first
    assert visitor.get("/connexion").status_code == 200  # not signed in: read on its own
    second = _in_force(web.ws)
    assert second is not None and second != first
