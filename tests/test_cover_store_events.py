"""Every kind of event, as fiche show tells it and as db verify replays it; and each way a stored fiche can
contradict its history, as db verify reports it (text and JSON, exit 1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from cli import main
from engine.fiche import Fiche
from engine.store import access, chain, queries, repository
from engine.store import events as ev
from engine.store import history as log
from engine.store.schema import events, fiche_supports, fiches

COORD = access.Viewer(access.COORDINATOR)
DAY = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 6, 30)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


@pytest.fixture
def lived(store, network):
    """One fiche through every kind of event (dated), written with the store's own functions; its id."""
    fiche = Fiche.model_validate(
        {"received": DAY.isoformat(), "received_by": "cma-63", "commune": "63003", "kind": "creation",
         "naf": "10.71C", "summary": "Boulangerie bio", "needs": ["honour_loan"], "publics": ["job_seeker"],
         "porteur": {"name": "Jeanne Martin", "email": "jeanne@example.org", "phone": "0473000000"}},
        context=network.fiche_context(),
    )  # fmt: skip
    from engine.app.fiches import suggester
    from engine.routing import compile_rules

    with store.transaction() as conn:
        routing = suggester(compile_rules(network.rules))
        (change,) = repository.add_fiches(conn, [fiche], who=COORD, network=network, suggester=routing,
                                          assign=True, at=DAY)  # fmt: skip
        fid = change.fiche
        kw = {"who": COORD, "by": "cma-63"}
        repository.assign_fiche(conn, fid, network=network, supports=["adie"], at=day(1), **kw)
        repository.assign_fiche(conn, fid, network=network, remove_supports=["adie"], at=day(2), **kw)
        repository.assign_fiche(conn, fid, network=network, remove_lead=True, at=day(3), **kw)
        repository.assign_fiche(conn, fid, network=network, lead="cma-63", at=day(4), **kw)
        repository.move_fiche(conn, fid, "start_study", network=network, at=day(8), comment="Jeanne a signé",
                              today=TODAY, **kw)  # fmt: skip
        repository.note_fiche(conn, fid, "appel de Jeanne", at=day(9), today=TODAY, **kw)
        repository.note_fiche(conn, fid, "rdv", kind=ev.CONTACT, channel="meeting", at=day(10), today=TODAY, **kw)
        repository.set_consent(conn, fid, True, at=day(11), **kw)
        repository.set_consent(conn, fid, False, at=day(12), **kw)
        repository.change_commune(conn, fid, "63430", network=network, at=day(13), comment="Jeanne déménage",
                                  today=TODAY, **kw)  # fmt: skip
        repository.move_fiche(conn, fid, "install", network=network, at=day(30), installed_on=day(30), today=TODAY,
                              **kw)  # fmt: skip
    return fid


def history_texts(output: str) -> list[str]:
    """The history lines of fiche show, without their date."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("historique (version "))
    return [line[14:] for line in lines[start + 1 :]]


def test_show_tells_every_kind_of_event_in_words(lived, store_url):
    """The coordinator reads the whole history, one line per event, texts and comments included."""
    result = run("fiche", "show", lived, "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        f"{lived} — création, 63430 Thiers (réseau local thiers)",
        "  reçue le 2026-03-02 par cma-63",
        "  étape: activité installée (installed)",
        "  référent: cma-63",
    ]
    assert "  porteur: Jeanne Martin, jeanne@example.org, 04 73 00 00 00" in lines  # phones are normalised
    assert "  partage réseau: non" in lines
    assert "  besoins: prêt d'honneur" in lines and "  publics: demandeur d'emploi" in lines
    assert "  installée le 2026-04-01" in lines
    assert "historique (version 11):" in lines
    assert history_texts(result.output)[0] == "coordinator: fiche créée (étape idea)"
    texts = history_texts(result.output)[4:]
    assert texts == [
        "cma-63: appui ajouté: adie",
        "cma-63: appui retiré: adie",
        "cma-63: référent retiré: cma-63",
        "cma-63: référent: cma-63",
        "cma-63: start_study: idea → study — Jeanne a signé",
        "cma-63: note: appel de Jeanne",
        "cma-63: contact (rendez-vous): rdv",
        "cma-63: le porteur accepte le partage avec le réseau",
        "cma-63: partage refusé",
        "cma-63: commune: 63003 → 63430 (réseau local thiers) — Jeanne déménage",
        "cma-63: install: study → installed",
    ]


def test_show_masks_free_text_for_the_committee(lived, store_url):
    """The committee sees every event but neither notes, contacts' texts nor comments, nor the porteur."""
    result = run("fiche", "show", lived, "--as", "committee", "--db", store_url)
    assert "  porteur: (masqué: visible des structures de la fiche et du coordinateur)" in result.output.splitlines()
    texts = history_texts(result.output)
    assert "cma-63: start_study: idea → study — (commentaire masqué)" in texts
    assert "cma-63: note: (texte masqué : données personnelles possibles)" in texts
    assert "cma-63: contact (rendez-vous): (texte masqué : données personnelles possibles)" in texts
    assert "cma-63: commune: 63003 → 63430 (réseau local thiers) — (commentaire masqué)" in texts
    assert "Jeanne" not in result.output


def test_a_consent_already_given_changes_nothing(lived, store_url):
    """Recording the consent it already has: 'nothing to change' at the same version, no event."""
    result = run("fiche", "consent", lived, "no", "--as", "coordinator", "--db", store_url)
    assert (result.exit_code, result.output) == (0, f"{lived} : rien à changer (version 11)\n")


def test_every_kind_of_event_replays_to_the_stored_fiche(lived, store, store_url):
    """db verify rebuilds the fiche from all its events: no difference, exit 0."""
    with store.transaction() as conn:
        rebuilt = log.rebuild(queries.history(conn, lived))
        stored = queries.get(conn, lived)
    assert rebuilt.broken == [] and rebuilt.version == stored.version == 11
    assert {k: rebuilt.state[k] for k in ("commune", "stage", "lead", "supporting", "installed_on")} == {
        "commune": "63430", "stage": "installed", "lead": "cma-63", "supporting": ["pfil-ambert"],
        "installed_on": "2026-04-01",
    }  # fmt: skip
    assert rebuilt.state["porteur"]["consent_network"] is False
    result = run("db", "verify", "--db", store_url)
    assert (result.exit_code, result.output) == (0, "ok : 1 fiche correspond à ses 15 événements.\n")


# --- db verify: each contradiction named ------------------------------------------------------------------------


def event_ids(conn, fid: str, kind: str) -> list[int]:
    query = select(events.c.id).where(events.c.fiche_id == fid, events.c.kind == kind).order_by(events.c.id)
    rows = conn.execute(query)
    return [r.id for r in rows]


def add_event(conn, fid: str, kind: str, payload: dict, version: int) -> None:
    """An event appended *with* a valid chain link (a forger who knows the chain): the history itself is judged."""
    recorded = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
    row = {"fiche_id": fid, "version": version, "kind": kind, "at": TODAY, "by": "coordinator", "payload": payload}
    chain.append(conn, [{**row, "recorded_at": recorded, "actor": "coordinator", "account": None}])


def verify(store_url: str):
    text = run("db", "verify", "--db", store_url)
    data = run("db", "verify", "--db", store_url, "--format", "json")
    assert text.exit_code == data.exit_code == 1, text.output
    return text.output.splitlines(), json.loads(data.output)


def test_verify_names_a_stored_state_its_history_does_not_explain(lived, store, store_url):
    """Supporting structures, orphan flag and version changed behind capactif's back: one line each."""
    with store.transaction() as conn:
        conn.execute(delete(fiche_supports).where(fiche_supports.c.fiche_id == lived))
        conn.execute(update(fiches).where(fiches.c.id == lived).values(orphan=True, version=12))
    lines, data = verify(store_url)
    assert lines == [
        f"{lived}: supporting vaut [] dans la base mais ['pfil-ambert'] d'après son historique",
        f"{lived}: orphan vaut True dans la base mais False d'après son historique",
        f"{lived}: version vaut 12 dans la base mais 11 d'après son historique",
        "3 différences dans 1 fiche (15 événements).",
    ]
    assert {k: data[k] for k in ("fiches", "events", "ok", "differences")} == {
        "fiches": 1,
        "events": 15,
        "ok": False,
        "differences": [
            {"fiche": lived, "field": "supporting", "stored": [], "rebuilt": ["pfil-ambert"]},
            {"fiche": lived, "field": "orphan", "stored": True, "rebuilt": False},
            {"fiche": lived, "field": "version", "stored": 12, "rebuilt": 11},
        ],
    }


def test_verify_names_each_event_that_contradicts_the_history(lived, store, store_url):
    """Events out of line with what came before are named with their number, kind and day."""
    with store.transaction() as conn:
        (removed,) = event_ids(conn, lived, ev.LEAD_REMOVED)
        conn.execute(update(events).where(events.c.id == removed).values(payload={"lead": "cci-ambert"}))
        add_event(conn, lived, ev.SUPPORT_ASSIGNED, {"structure": "pfil-ambert"}, 11)
        add_event(conn, lived, ev.SUPPORT_REMOVED, {"structure": "adie"}, 11)
        add_event(conn, lived, ev.STAGE_CHANGED, {"trigger": "x", "from": "installed", "to": "closed"}, 11)
        add_event(conn, lived, "merged", {}, 11)
        add_event(conn, lived, ev.CREATED, {"fiche": {}}, 11)
    lines, data = verify(store_url)
    # The payload rewritten in place breaks the chain at that event: named first.
    assert lines[:2] == [
        "chaîne rompue : premier maillon rompu n° 7",
        f"{lived}: chain: maillon n° 7 (lead_removed du 2026-03-05): "
        "contenu modifié (son empreinte ne correspond plus)",
    ]
    lines = lines[2:]
    assert lines[:6] == [
        f"{lived}: history: événement n° 7 (lead_removed du 2026-03-05) : lead enregistré avant l'événement : "
        "'cci-ambert', mais l'historique mène à 'cma-63'",
        f"{lived}: history: événement n° 16 (support_assigned du 2026-06-30) : 'pfil-ambert' était déjà en appui",
        f"{lived}: history: événement n° 17 (support_removed du 2026-06-30) : 'adie' n'était pas en appui",
        f"{lived}: history: événement n° 18 (stage_changed du 2026-06-30) : étape inconnue 'closed'",
        f"{lived}: history: événement n° 19 (merged du 2026-06-30) : type d'événement 'merged' inconnu",
        f"{lived}: history: événement n° 20 (created du 2026-06-30) : un second événement 'created'",
    ]
    assert f"{lived}: stage vaut 'installed' dans la base mais 'closed' d'après son historique" in lines
    assert lines[-1].endswith("dans 1 fiche (20 événements).")
    assert data["chain"]["first_broken"] == 7
    assert data["differences"][1] == {
        "fiche": lived,
        "field": "history",
        "stored": None,
        "rebuilt": "événement n° 7 (lead_removed du 2026-03-05) : lead enregistré avant l'événement : "
        "'cci-ambert', mais l'historique mène à 'cma-63'",
    }


def test_verify_a_history_that_does_not_start_with_created(lived, store, store_url):
    """Without its 'created' event a fiche cannot be rebuilt: said once, no field-by-field noise."""
    with store.transaction() as conn:
        conn.execute(delete(events).where(events.c.id.in_(event_ids(conn, lived, ev.CREATED))))
    lines, _ = verify(store_url)
    assert lines == [
        "chaîne rompue : premier maillon rompu n° 2",
        f"{lived}: chain: maillon n° 2 (suggested du 2026-03-02): événement(s) n° 1 supprimé(s) avant celui-ci",
        f"{lived}: history: l'événement n° 1 est 'suggested', pas 'created'",
        f"{lived}: personal_data: 4 donnée(s) personnelle(s) stockée(s) sans événement qui s'y rapporte",
        "3 différences dans 1 fiche (14 événements).",
    ]


def test_verify_a_fiche_without_any_event(lived, store, store_url):
    """A stored fiche with no history at all is reported as such."""
    with store.transaction() as conn:
        conn.execute(delete(events).where(events.c.fiche_id == lived))
    lines, data = verify(store_url)
    assert lines == [
        "chaîne rompue : premier maillon rompu n° 1",
        "base: chain: la tête de chaîne attend 15 événements, il n'y en a que 0: les derniers ont été supprimés",
        f"{lived}: history: aucun événement",
        f"{lived}: personal_data: 8 donnée(s) personnelle(s) stockée(s) sans événement qui s'y rapporte",
        "3 différences dans 1 fiche (0 événement).",
    ]
    assert data["differences"][1] == {"fiche": lived, "field": "history", "stored": None, "rebuilt": "aucun événement"}


# --- fiche list and fiche show: orphans, no lead, the follow-up -------------------------------------------------

LOIRE = "received: 2026-03-02\nreceived_by: adret\ncommune: '42039'\nkind: creation\nnaf: 10.71C\n"
BAKERY = (
    "received: 2026-03-03\nreceived_by: cma-63\ncommune: Ambert\nkind: takeover\nnaf: 10.71C\nneeds: [honour_loan]\n"
)


def test_list_table_marks_orphans_and_fiches_without_lead(store_url, tmp_path):
    """An orphan fiche reads '(orpheline)' as référent, one merely unassigned '—'; kinds in French; the count."""
    import shutil

    from engine import paths

    rules = tmp_path / "rules"
    shutil.copytree(paths.bundled("rules"), rules)
    routing = rules / "routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8").replace("fallback_lead: [adret]", "fallback_lead: []"),
                       encoding="utf-8")  # fmt: skip
    (tmp_path / "loire.yaml").write_text(LOIRE, encoding="utf-8")
    (tmp_path / "bakery.yaml").write_text(BAKERY, encoding="utf-8")
    db = ["--db", store_url, "--as", "coordinator"]
    assert run("fiche", "add", str(tmp_path / "loire.yaml"), "--rules", str(rules), *db).exit_code == 0
    assert run("fiche", "add", str(tmp_path / "bakery.yaml"), "--assign", *db).exit_code == 0
    assert run("fiche", "add", str(tmp_path / "loire.yaml"), *db).exit_code == 0  # adret suggested, not assigned
    result = run("fiche", "list", *db)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert rows == [
        ["F-2026-0001", "2026-03-02", "42039", "création", "idea", "(orpheline)", "", ""],
        [
            "F-2026-0002",
            "2026-03-03",
            "63003",
            "reprise / transmission",
            "idea",
            "cma-63",
            "pfil-ambert",
            "honour_loan",
        ],
        ["F-2026-0003", "2026-03-02", "42039", "création", "idea", "—", "", ""],
    ]
    assert lines[-1] == "3 fiches."
    shown = run("fiche", "show", "F-2026-0001", *db).output.splitlines()
    assert shown[3] == "  référent: —  [orpheline: aucune structure ne peut la prendre]"
    assert "coordinator: suggestion: aucun référent possible (orpheline), règles sha256:" in shown[-1]


def test_show_names_who_follows_an_installed_activity(lived, store, store_url, network):
    """Once the follow-up starts, fiche show says which structure follows the activity."""
    with store.transaction() as conn:
        repository.move_fiche(conn, lived, "start_follow_up", who=COORD, network=network, at=day(40),
                              follow_up_by="pfil-ambert", today=TODAY)  # fmt: skip
    lines = run("fiche", "show", lived, "--as", "committee", "--db", store_url).output.splitlines()
    assert lines[2] == "  étape: suivi post-création (follow_up)"
    assert lines[lines.index("  installée le 2026-04-01") + 1] == "  suivi par pfil-ambert"
    assert history_texts("\n".join(lines))[-1] == "coordinator: start_follow_up: installed → follow_up"
