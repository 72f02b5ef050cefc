"""A history nobody can rewrite unnoticed (issue 14, item 8), on both backends.

Each test makes one of the direct database edits the adversarial run made, the way a person with
write access to the database would (both the event and the fiche row changed to agree), and checks
that ``capactif db verify`` names it, exits 1, and never prints the porteur's personal data.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import delete, func, select, text, update

from cli import main
from engine.fiche import Fiche
from engine.store import access, chain, repository
from engine.store import events as ev
from engine.store.schema import (
    event_chain,
    events,
    fiche_projection,
    fiche_sequences,
    fiche_suggestions,
    fiche_supports,
    fiches,
    personal_data,
    porteur_keys,
)

COORD = access.Viewer(access.COORDINATOR)
DAY = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 6, 30)
NAME, EMAIL, PHONE = "Jeanne Martin", "jeanne.martin@example.org", "0473000000"
SECRETS = (NAME, EMAIL, PHONE, "Jeanne", "Boulangerie de Jeanne", "appel de Jeanne")


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def fiche(network, **fields) -> Fiche:
    data = {"received": DAY.isoformat(), "received_by": "cma-63", "commune": "63003", "kind": "creation",
            "naf": "10.71C", "summary": "Boulangerie de Jeanne", "needs": ["honour_loan"],
            "porteur": {"name": NAME, "email": EMAIL, "phone": PHONE}, **fields}  # fmt: skip
    return Fiche.model_validate(data, context=network.fiche_context())


@pytest.fixture
def two(store, network):
    """Two fiches with a lead, a study, notes and contacts; their ids."""
    from engine.app.fiches import suggester
    from engine.routing import compile_rules

    ids = []
    with store.transaction() as conn:
        for _ in range(2):
            (change,) = repository.add_fiches(conn, [fiche(network)], who=COORD, network=network,
                                              suggester=suggester(compile_rules(network.rules)),
                                              assign=True, at=DAY)  # fmt: skip
            fid = change.fiche
            kw = {"who": access.Viewer("cma-63"), "today": TODAY}
            repository.note_fiche(conn, fid, "appel de Jeanne", at=day(1), **kw)
            repository.note_fiche(conn, fid, "rdv", kind=ev.CONTACT, channel="meeting", at=day(2), **kw)
            repository.move_fiche(conn, fid, "start_study", network=network, at=day(3), comment="Jeanne signe", **kw)
            ids.append(fid)
    return ids


def verify(store_url: str, *extra: str) -> tuple[list[str], dict]:
    """db verify in text and JSON: exit 1, and no personal data anywhere in either."""
    result = run("db", "verify", "--db", store_url, *extra)
    data = run("db", "verify", "--db", store_url, "--format", "json", *extra)
    assert result.exit_code == data.exit_code == 1, result.output
    for secret in SECRETS:
        assert secret not in result.output and secret not in data.output
    return result.output.splitlines(), json.loads(data.output)


def seqs(conn, fid: str, kind: str | None = None) -> list[int]:
    query = select(events.c.seq).where(events.c.fiche_id == fid).order_by(events.c.seq)
    if kind:
        query = query.where(events.c.kind == kind)
    return list(conn.execute(query).scalars())


def test_an_untouched_store_verifies_and_its_anchor_is_the_head(two, store, store_url):
    """No difference, exit 0; --anchor prints the last event's hash, which --check-anchor then finds."""
    result = run("db", "verify", "--db", store_url)
    assert (result.exit_code, result.output) == (0, "ok : 2 fiches correspondent à leurs 14 événements.\n")
    anchor = run("db", "verify", "--anchor", "--db", store_url, "--format", "json")
    data = json.loads(anchor.output)
    with store.transaction() as conn:
        last = conn.execute(select(events.c.hash).order_by(events.c.seq.desc()).limit(1)).scalar_one()
    assert data == {"events": 14, "head": last}
    found = run("db", "verify", "--check-anchor", last, "--db", store_url)
    assert found.exit_code == 0 and "ancre trouvée" in found.output


def test_a_lead_rewritten_in_event_and_row_breaks_the_chain_there(two, store, store_url):
    """The lead_assigned payload and the fiche row both say adie: the link of that event is named."""
    first, _ = two
    with store.transaction() as conn:
        (seq,) = seqs(conn, first, ev.LEAD_ASSIGNED)
        conn.execute(update(events).where(events.c.seq == seq).values(payload={"lead": "adie", "previous": None}))
        conn.execute(update(fiches).where(fiches.c.id == first).values(lead="adie"))
    lines, data = verify(store_url)
    assert lines[0] == f"chaîne rompue : premier maillon rompu n° {seq}"
    assert f"{first}: chain: maillon n° {seq} (lead_assigned du {DAY}): contenu modifié" in lines[1]
    assert data["chain"]["first_broken"] == seq


def test_a_name_rewritten_in_the_store_is_named_without_showing_it(two, store, store_url):
    """The porteur's name changed in personal_data and in the row: named, neither name printed."""
    first, _ = two
    with store.transaction() as conn:
        # one row per payload: the created fiche's values are one JSON object (engine.store.personal)
        held = personal_data.c.value.contains(json.dumps(NAME, ensure_ascii=False))
        conn.execute(
            update(personal_data).where(held, personal_data.c.fiche_id == first)
            .values(value=func.replace(personal_data.c.value, NAME, "Jeanne Dupont"))
        )  # fmt: skip
        conn.execute(update(fiches).where(fiches.c.id == first).values(porteur_name="Jeanne Dupont"))
    lines, _ = verify(store_url)
    assert f"{first}: personal_data: événement n° 1 (created) : la donnée personnelle 'fiche.porteur.name' a " \
        "été modifiée hors de capactif" in lines  # fmt: skip
    assert "Dupont" not in "\n".join(lines)


def test_deleted_contact_events_leave_a_gap(two, store, store_url):
    """Deleting a contact event (and renumbering nothing) leaves a hole the chain names."""
    first, _ = two
    with store.transaction() as conn:
        (seq,) = seqs(conn, first, ev.CONTACT)
        conn.execute(delete(events).where(events.c.seq == seq))
    lines, _ = verify(store_url)
    assert lines[0] == f"chaîne rompue : premier maillon rompu n° {seq + 1}"
    assert any(f"événement(s) n° {seq} supprimé(s) avant celui-ci" in line for line in lines)


def test_a_forged_note_is_out_of_the_chain(two, store, store_url):
    """A note inserted by hand at the end, with a made-up hash: its link and the head are named."""
    first, _ = two
    with store.transaction() as conn:
        top = conn.execute(select(func.max(events.c.seq))).scalar_one()
        conn.execute(events.insert().values(
            fiche_id=first, version=3, kind=ev.NOTE, at=TODAY, recorded_at=dt.datetime(2026, 6, 30, tzinfo=dt.UTC),
            by="committee", actor="committee", payload={"text": None}, seq=top + 1, hash="f" * 64,
        ))  # fmt: skip
    lines, data = verify(store_url)
    assert f"{first}: chain: maillon n° {top + 1} (note du {TODAY}): contenu modifié (son empreinte ne correspond " \
        "plus)" in lines  # fmt: skip
    assert "base: chain: la tête de chaîne (n° 14) ne correspond pas au dernier événement (n° 15)" in lines
    assert data["ok"] is False


def test_a_whole_fiche_deleted_is_missing_from_the_chain(two, store, store_url):
    """The second fiche, its events, supports and personal data all deleted: the chain's end is missing."""
    _, second = two
    with store.transaction() as conn:
        for table in (events, fiche_supports, personal_data, fiche_suggestions, porteur_keys, fiche_projection):
            conn.execute(delete(table).where(table.c.fiche_id == second))
        conn.execute(delete(fiches).where(fiches.c.id == second))
    lines, _ = verify(store_url)
    assert "base: chain: la tête de chaîne attend 14 événements, il n'y en a que 7: les derniers ont été supprimés" \
        in lines  # fmt: skip


def test_the_whole_chain_rebuilt_is_caught_by_the_anchor(two, store, store_url):
    """A forger who recomputes every hash after deleting a fiche passes the chain, not the committee's anchor."""
    anchor = json.loads(run("db", "verify", "--anchor", "--db", store_url, "--format", "json").output)["head"]
    _, second = two
    with store.transaction() as conn:
        for table in (events, fiche_supports, personal_data, fiche_suggestions, porteur_keys, fiche_projection):
            conn.execute(delete(table).where(table.c.fiche_id == second))
        conn.execute(delete(fiches).where(fiches.c.id == second))
        previous = chain.GENESIS
        rows = conn.execute(select(events).order_by(events.c.seq)).mappings().all()
        for row in rows:
            previous = chain.event_hash(previous, dict(row))
            conn.execute(update(events).where(events.c.id == row["id"]).values(hash=previous))
        conn.execute(update(event_chain).values(seq=len(rows), hash=previous))
    assert run("db", "verify", "--db", store_url).exit_code == 0
    lines, data = verify(store_url, "--check-anchor", anchor)
    assert data["anchor_found"] is False and lines[-1].startswith("ancre introuvable")


def test_local_network_and_timestamps_changed(two, store, store_url):
    """The row's local network and update time, and an event's recording time: each named."""
    first, second = two
    with store.transaction() as conn:
        conn.execute(update(fiches).where(fiches.c.id == first).values(local_network="thiers"))
        conn.execute(update(fiches).where(fiches.c.id == second).values(updated_at=dt.datetime(2020, 1, 1)))
        (seq,) = seqs(conn, first, ev.NOTE)
        conn.execute(update(events).where(events.c.seq == seq).values(recorded_at=dt.datetime(2026, 3, 3)))
    lines, _ = verify(store_url)
    assert f"{first}: local_network vaut 'thiers' dans la base mais 'ambert' d'après son historique" in lines
    assert any(
        line.startswith(f"{second}: updated_at vaut '2020-01-01T00:00:00.000000Z' dans la base") for line in lines
    )
    assert any(line.startswith(f"{first}: chain: maillon n° {seq} (note du") for line in lines)


def test_a_rewound_id_counter_is_named_and_the_next_add_still_works(two, store, store_url, network, tmp_path):
    """The year's counter set back to 0: verify names it; fiche add then takes the next free number."""
    with store.transaction() as conn:
        conn.execute(update(fiche_sequences).values(last=0))
    lines, _ = verify(store_url)
    assert any("le compteur des numéros de 2026 est à 0" in line for line in lines)
    path = tmp_path / "f.yaml"
    path.write_text("received: 2026-03-05\nreceived_by: cma-63\ncommune: Ambert\nkind: creation\n", encoding="utf-8")
    result = run("fiche", "add", str(path), "--as", "cma-63", "--db", store_url)
    assert result.exit_code == 0, result.output
    assert "F-2026-0003" in result.output


def test_a_payload_that_is_not_an_object_is_reported_not_a_crash(two, store, store_url):
    """JSON that is not an object (both backends) or not JSON at all (SQLite): one difference, no traceback."""
    first, _ = two
    with store.transaction() as conn:
        (seq,) = seqs(conn, first, ev.NOTE)
        conn.execute(update(events).where(events.c.seq == seq).values(payload=["x"]))
        if store.backend == "sqlite":
            (contact,) = seqs(conn, first, ev.CONTACT)
            conn.execute(text("UPDATE events SET payload = '{not json' WHERE seq = :s"), {"s": contact})
    lines, _ = verify(store_url)
    note = "(note) : son contenu n'est pas un objet JSON"
    assert any(line.startswith(f"{first}: history: événement n° ") and line.endswith(note)
               for line in lines)  # fmt: skip
    if store.backend == "sqlite":
        assert any(line.endswith("(contact) : son contenu n'est pas du JSON") for line in lines)


def test_an_impossible_move_and_a_forged_lead_are_refused(store, store_url, network):
    """idea → developed, and start_study with no lead, each chained properly: the lifecycle refuses them."""
    with store.transaction() as conn:
        a, b = (c.fiche for c in repository.add_fiches(conn, [fiche(network), fiche(network)], who=COORD,
                                                        network=network, at=DAY))  # fmt: skip
        recorded = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
        base = {"at": day(3), "recorded_at": recorded, "by": "coordinator", "actor": "coordinator", "account": None}
        developed = {"trigger": "mark_developed", "from": "idea", "to": "developed", "comment": None,
                     "installed_on": None, "follow_up_by": None, "held_from": None}  # fmt: skip
        study = {**developed, "trigger": "start_study", "to": "study"}
        chain.append(conn, [{**base, "fiche_id": a, "version": 2, "kind": ev.STAGE_CHANGED, "payload": developed}])
        chain.append(conn, [{**base, "fiche_id": b, "version": 2, "kind": ev.STAGE_CHANGED, "payload": study}])
        conn.execute(update(fiches).where(fiches.c.id == a).values(stage="developed", version=2))
        conn.execute(update(fiches).where(fiches.c.id == b).values(stage="study", version=2))
    result = run("db", "verify", "--db", store_url)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{a}: history: événement n° 2 (stage_changed du {day(3)}) : passage impossible : impossible de faire " \
        "'mark_developed' sur une fiche à l'étape 'idea' (idée (premier accueil)) ; possibles : start_study, hold, " \
        "abandon, redirect" in lines  # fmt: skip
    assert f"{b}: history: événement n° 2 (stage_changed du {day(3)}) : passage impossible : 'start_study' sans " \
        "référent (la fiche n'en avait pas alors)" in lines  # fmt: skip


def test_an_event_recorded_in_another_structures_name_is_named(two, store, store_url):
    """by adie, actor cma-63 (not the coordinator): the forged author is named."""
    first, _ = two
    with store.transaction() as conn:
        recorded = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
        chain.append(conn, [{"fiche_id": first, "version": 3, "kind": ev.NOTE, "at": day(7), "recorded_at": recorded,
                             "by": "adie", "actor": "cma-63", "account": None, "payload": {"text": None}}])  # fmt: skip
    lines, _ = verify(store_url)
    assert f"{first}: actor: événement n° 8 (note) : enregistré par cma-63 au nom de adie" in lines


def test_the_caller_is_recorded_and_by_is_the_coordinators_privilege(two, store, store_url):
    """Every event stores --as as its actor; a structure may not write --by another; the coordinator may."""
    first, _ = two
    denied = run("fiche", "note", first, "texte", "--by", "committee", "--as", "cma-63", "--db", store_url)
    assert denied.exit_code == 2
    assert "cma-63 ne peut enregistrer qu'en son propre nom" in denied.output
    allowed = run("fiche", "note", first, "texte", "--by", "cma-63", "--as", "coordinator", "--db", store_url)
    assert allowed.exit_code == 0, allowed.output
    with store.transaction() as conn:
        by, actor, recorded = conn.execute(
            select(events.c.by, events.c.actor, events.c.recorded_at).order_by(events.c.seq.desc()).limit(1)
        ).one()
        server = conn.execute(select(func.current_timestamp())).scalar_one()
    assert (by, actor) == ("cma-63", "coordinator")
    as_utc = lambda t: t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # noqa: E731
    assert abs(as_utc(server) - as_utc(recorded)) < dt.timedelta(minutes=5)


# --- the migration: existing events chained, personal data moved out ------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def legacy_url(request, tmp_path):
    """A store at schema 0100 (before the chain), with one fiche written the old way: its URL."""
    from alembic import command

    from engine.store import db
    from tests.conftest import drop_schema, pg_schema_url

    schema = database = None
    if request.param == "sqlite":
        url = str(tmp_path / "old.sqlite")
    else:
        database = request.getfixturevalue("pg_database")
        url, schema = pg_schema_url(database)
    store = db.Store(db.resolve_url(url), db.make_engine(db.resolve_url(url)))
    with store.transaction() as conn:
        command.upgrade(db.alembic_config(conn), "0100")
        now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
        data = fiche_dict()
        conn.execute(fiches.insert().values(
            id="F-2026-0001", year=2026, number=1, received=DAY, received_by="cma-63", summary=data["summary"],
            porteur_name=NAME, porteur_email=EMAIL, porteur_phone=PHONE, consent_network=False, commune="63003",
            local_network="ambert", kind="creation", naf="10.71C", nature="artisanal", needs=[], publics=[],
            stage="idea", orphan=False, version=1, created_at=now, updated_at=now,
        ))  # fmt: skip
        conn.execute(fiche_sequences.insert().values(year=2026, last=1))
        legacy = sa.table("events", *(sa.column(c.name, c.type) for c in events.c
                                       if c.name not in ("id", "seq", "hash", "actor", "account")))  # fmt: skip
        for kind, payload in ((ev.CREATED, {"fiche": data}), (ev.NOTE, {"text": "appel de Jeanne"})):
            conn.execute(legacy.insert().values(fiche_id="F-2026-0001", version=1, kind=kind, at=DAY,
                                                recorded_at=now, by="cma-63", payload=payload))  # fmt: skip
    store.dispose()
    yield url
    if schema:
        drop_schema(database, schema)


def fiche_dict() -> dict:
    return {"id": "F-2026-0001", "received": DAY.isoformat(), "received_by": "cma-63",
            "summary": "Boulangerie de Jeanne",
            "porteur": {"name": NAME, "email": EMAIL, "phone": PHONE, "consent_network": False},
            "commune": "63003", "kind": "creation", "naf": "10.71C", "nature": "artisanal", "employees": None,
            "needs": [], "publics": [], "stage": "idea", "lead": None, "supporting": [], "installed_on": None,
            "follow_up_by": None, "held_from": None, "offer": None}  # fmt: skip


def test_the_upgrade_chains_old_events_and_moves_personal_data_out(legacy_url, network):
    """db upgrade: the old events verify as a chain, no payload holds a name or a text, fiche show still has them."""
    up = run("db", "upgrade", "--db", legacy_url)
    assert up.exit_code == 0, up.output
    result = run("db", "verify", "--db", legacy_url)
    assert (result.exit_code, result.output) == (0, "ok : 1 fiche correspond à ses 2 événements.\n")
    from engine.store import db

    store = db.open_store(legacy_url)
    try:
        with store.transaction() as conn:
            stored = " ".join(conn.execute(select(sa.cast(events.c.payload, sa.Text))).scalars())
            actors = set(conn.execute(select(events.c.actor)).scalars())
    finally:
        store.dispose()
    for secret in (NAME, EMAIL, PHONE, "Boulangerie de Jeanne", "appel de Jeanne"):
        assert secret not in stored
    assert actors == {None}  # who typed them was never recorded
    shown = run("fiche", "show", "F-2026-0001", "--as", "coordinator", "--db", legacy_url)
    assert NAME in shown.output and "appel de Jeanne" in shown.output


def test_a_request_flag_set_by_hand_is_named_with_its_fiche(two, store, store_url, network):
    """ "À traiter" reads ``fiche_suggestions.open``: a flag turned on after cma-63 took the lead, and one
    turned off while a new fiche still waits for cma-63's answer, are each named with their fiche."""
    from engine.app.fiches import suggester
    from engine.routing import compile_rules

    first, _ = two
    s = fiche_suggestions.c
    with store.transaction() as conn:
        (change,) = repository.add_fiches(conn, [fiche(network)], who=COORD, network=network,
                                          suggester=suggester(compile_rules(network.rules)), at=DAY)  # fmt: skip
        waiting = change.fiche
        flags = {(r.fiche_id, r.structure, r.role): r.open for r in conn.execute(select(fiche_suggestions))}
        assert flags[(first, "cma-63", "lead")] is False and flags[(waiting, "cma-63", "lead")] is True
        for fiche_id, flag in ((first, True), (waiting, False)):
            conn.execute(update(fiche_suggestions).where(s.fiche_id == fiche_id, s.role == "lead").values(open=flag))
    lines, data = verify(store_url)
    assert [(d["fiche"], d["field"], d["stored"]) for d in data["differences"]] == [
        (first, "suggestion_open", True),
        (waiting, "suggestion_open", False),
    ]
    assert (
        f"{first}: suggestion_open: la demande à cma-63 comme référent est marquée en attente de sa réponse, "
        "mais son historique y a répondu"
    ) in lines
    assert (
        f"{waiting}: suggestion_open: la demande à cma-63 comme référent est marquée comme répondue, "
        "mais son historique l'attend encore"
    ) in lines
