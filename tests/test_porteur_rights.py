"""A porteur's rights over their data (issue 14, item 10), on both backends.

find by name or e-mail, export everything, erase (nothing of the person left in any table, nor in
the SQLite files; db verify still passes; the yearly figures unchanged), purge after the charter's
retention period; only the coordinator; files holding personal data created 0600.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from cli import main
from engine.fiche import Fiche
from engine.report import Period, build_report
from engine.store import access, repository
from engine.store import events as ev

COORD = access.Viewer(access.COORDINATOR)
CMA = access.Viewer("cma-63")
DAY = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 6, 30)
NAME, EMAIL, PHONE = (
    "Hélène Martinez",
    "helene.martinez@example.org",
    "04 73 12 34 56",
)  # as stored: phones are normalised
SECRETS = (NAME, EMAIL, PHONE, "Hélène", "Martinez", "Fromagerie d'Hélène", "appel d'Hélène", "Hélène signe")


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CAPACTIF_AS": ""})


def add(conn, network, received: dt.date, name: str = NAME, email: str = EMAIL, phone: str = PHONE) -> str:
    from engine.app.fiches import suggester
    from engine.routing import compile_rules

    data = {"received": received.isoformat(), "received_by": "cma-63", "commune": "63003", "kind": "creation",
            "naf": "10.51C", "summary": f"Fromagerie d'{name.split()[0]}", "needs": ["honour_loan"],
            "porteur": {"name": name, "email": email, "phone": phone}}  # fmt: skip
    fiche = Fiche.model_validate(data, context=network.fiche_context())
    routing = suggester(compile_rules(network.rules))
    (change,) = repository.add_fiches(conn, [fiche], who=COORD, network=network, suggester=routing,
                                      assign=True, at=received)  # fmt: skip
    return change.fiche


@pytest.fixture
def people(store, network):
    """Hélène's two fiches (notes, a contact, a commented move) and Paul's one: {"helene": [ids], "paul": id}."""
    with store.transaction() as conn:
        helene = [add(conn, network, DAY), add(conn, network, DAY + dt.timedelta(days=5))]
        paul = add(conn, network, DAY, name="Paul Durand", email="paul@example.org", phone="0473999999")
        for fid in [*helene, paul]:
            name = "Hélène" if fid != paul else "Paul"
            kw = {"who": CMA, "today": TODAY}
            repository.note_fiche(conn, fid, f"appel d'{name}", at=DAY + dt.timedelta(days=6), **kw)
            repository.note_fiche(conn, fid, "rdv", kind=ev.CONTACT, channel="meeting", at=DAY + dt.timedelta(days=7),
                                  **kw)  # fmt: skip
            repository.move_fiche(conn, fid, "start_study", network=network, at=DAY + dt.timedelta(days=8),
                                  comment=f"{name} signe", **kw)  # fmt: skip
    return {"helene": helene, "paul": paul}


def everything(store) -> str:
    """Every value of every table of the store, as one text."""
    parts = []
    with store.transaction() as conn:
        for name in inspect(conn).get_table_names():  # every table, whoever's module defines it
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def test_find_by_name_or_email_accents_and_case_ignored(people, store_url):
    """'helene' finds both of Hélène's fiches, her e-mail too; Paul's is not among them."""
    result = run("porteur", "find", "helene", "--as", "coordinator", "--db", store_url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [f["fiche"] for f in json.loads(result.output)["fiches"]] == people["helene"]
    by_mail = run("porteur", "find", "MARTINEZ@example", "--as", "coordinator", "--db", store_url)
    assert by_mail.output.splitlines()[-1] == "2 fiche(s)."


@pytest.mark.parametrize("who", ["cma-63", "committee"])
def test_only_the_coordinator_exercises_the_rights(people, store_url, who):
    """A structure (even on the fiche) and the committee are refused, exit 2, nothing shown."""
    for args in (["find", "helene"], ["export", people["helene"][0]], ["erase", people["helene"][0]], ["purge"]):
        result = run("porteur", *args, "--as", who, "--db", store_url)
        assert result.exit_code == 2, result.output
        assert "seul le coordinateur répond" in result.output and NAME not in result.output


def test_export_holds_everything_stored_about_them(people, store_url, tmp_path):
    """The fiches with the porteur, every event with its text; the file is readable by its owner only."""
    out = tmp_path / "helene.json"
    result = run("porteur", "export", *people["helene"], "-o", str(out), "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["fiche"]["id"] for f in data["fiches"]] == people["helene"]
    first = data["fiches"][0]
    assert first["fiche"]["porteur"]["name"] == NAME and first["fiche"]["porteur"]["phone"] == PHONE
    texts = [e["payload"].get("text") for e in first["history"]] + [
        e["payload"].get("comment") for e in first["history"]
    ]
    assert "appel d'Hélène" in texts and "Hélène signe" in texts
    assert "Paul" not in out.read_text(encoding="utf-8")


def test_export_holds_the_offers_they_asked_about(people, store, store_url, network):
    """An offer contact of the porteur is in their export (with its note); another porteur's is not."""
    from engine.offers import repository as offers

    helene, paul = people["helene"][0], people["paul"]
    on = DAY + dt.timedelta(days=9)
    with store.transaction() as conn:
        offer = offers.add_offer(conn, network, COORD, kind="takeover", title="Fromagerie à reprendre",
                                 commune="63003", published_on=DAY, published_in="La Montagne")  # fmt: skip
        offers.add_contact(conn, CMA, offer.id, helene, on, "Hélène rappelle", today=TODAY)
        offers.add_contact(conn, CMA, offer.id, paul, on, "Paul rappelle", today=TODAY)
    result = run("porteur", "export", helene, "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 0, result.output
    [exported] = json.loads(result.output)["fiches"]
    assert exported["offer_contacts"] == [
        {"offer": offer.id, "at": on.isoformat(), "by": "cma-63", "note": "Hélène rappelle"}
    ]


def test_erase_leaves_nothing_of_the_person_and_the_figures_unchanged(people, store, store_url, network):
    """After erase: no table holds her data, nor the SQLite files; db verify passes; the 2026 report is the same."""
    before = build_report(store, network, Period.year(2026))
    result = run("porteur", "erase", *people["helene"], "--as", "coordinator", "--db", store_url)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 fiche(s) effacées (données personnelles)."
    text = everything(store)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Paul Durand" in text and "appel de Paul" not in text  # Paul's name stays; texts live in personal_data
    if store.backend == "sqlite":
        path = store.url.removeprefix("sqlite:///")
        for file in (path, path + "-wal"):
            if os.path.exists(file):
                raw = Path(file).read_bytes()
                for secret in SECRETS:
                    assert secret.encode("utf-8") not in raw, (file, secret)
    verify = run("db", "verify", "--db", store_url)
    assert verify.exit_code == 0, verify.output
    assert build_report(store, network, Period.year(2026)) == before
    shown = run("fiche", "show", people["helene"][0], "--as", "coordinator", "--db", store_url)
    assert "données personnelles effacées (à la demande du porteur)" in shown.output
    assert "note: (texte effacé)" in shown.output
    export = run("fiche", "export", "--format", "json", "--as", "coordinator", "--db", store_url)
    assert not any(secret in export.output for secret in SECRETS)


def test_purge_erases_what_is_past_the_retention_period(store, store_url, network):
    """A fiche silent since 2022 is purged (3 years in the bundled charter); a recent one is kept."""
    with store.transaction() as conn:
        old = add(conn, network, dt.date(2022, 5, 2))
        recent = add(conn, network, DAY, name="Paul Durand", email="paul@example.org", phone="0473999999")
    listed = run("porteur", "purge", "--dry-run", "--as", "coordinator", "--db", store_url, "--format", "json")
    assert json.loads(listed.output)["fiches"] == [old]
    assert NAME in everything(store)
    done = run("porteur", "purge", "--as", "coordinator", "--db", store_url, "--format", "json")
    data = json.loads(done.output)
    assert data["fiches"] == [old] and data["cause"] == "retention"
    assert data["events"][0]["events"][0]["payload"]["cause"] == "retention"
    text = everything(store)
    assert NAME not in text and "Paul Durand" in text
    assert run("db", "verify", "--db", store_url).exit_code == 0
    again = run("porteur", "purge", "--dry-run", "--as", "coordinator", "--db", store_url, "--format", "json")
    assert json.loads(again.output)["fiches"] == []
    assert recent


def test_store_and_rejects_files_are_private(tmp_path, network):
    """A new SQLite store and an import's rejects file are created readable by their owner only."""
    store = tmp_path / "new.sqlite"
    rows = tmp_path / "fiches.csv"
    rows.write_text("received,commune,kind,porteur.name\n2026-03-02,Ambert,creation,Hélène\n2026-03-02,Nowhere,x,Y\n",
                    encoding="utf-8")  # fmt: skip
    result = run("fiche", "import", str(rows), "--skip-invalid", "--as", "coordinator", "--db", str(store))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "fiches.rejects.csv").st_mode) == 0o600


def test_an_edited_name_is_erased_too(store, store_url, network):
    """fiche edit of the porteur's name keeps old and new outside the chain: both erased, db verify passes."""
    with store.transaction() as conn:
        fid = add(conn, network, DAY)
        changes = {"porteur.name": "Hélène Martinez-Roux", "summary": "Fromagerie d'Hélène et de Paul"}
        repository.edit_fiche(conn, fid, changes, who=COORD, network=network, at=DAY + dt.timedelta(days=9),
                              today=TODAY)  # fmt: skip
    shown = run("fiche", "show", fid, "--as", "coordinator", "--db", store_url)
    assert "Martinez-Roux" in shown.output
    assert run("db", "verify", "--db", store_url).exit_code == 0
    assert run("porteur", "erase", fid, "--as", "coordinator", "--db", store_url).exit_code == 0
    text = everything(store)
    for secret in (*SECRETS, "Martinez-Roux", "de Paul"):
        assert secret not in text, secret
    verify = run("db", "verify", "--db", store_url)
    assert verify.exit_code == 0, verify.output


# --- messages sent about an offer through the public exchange ----------------------------------------------------


def message(conn, offer: str, name: str, email: str, text: str, on: dt.date, fiche: str | None = None) -> int:
    """A visitor's message about ``offer`` (linked to ``fiche`` when it became one): its number."""
    from engine.offers import requests as offer_requests

    now = dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC)
    sent = offer_requests.add_request(conn, offer, name=name, email=email, phone="04 73 55 55 55", message=text,
                                      consent=True, sender="f" * 32, now=now)  # fmt: skip
    if fiche:
        offer_requests.link_fiche(conn, sent.id, fiche, CMA, now)
    return sent.id


@pytest.fixture
def messages(people, store, network):
    """Hélène wrote twice about an offer (one message became her first fiche), Paul once: their numbers."""
    from engine.offers import repository as offers

    with store.transaction() as conn:
        offer = offers.add_offer(conn, network, COORD, kind="takeover", title="Fromagerie à reprendre",
                                 commune="63003", published_on=DAY, published_in="La Montagne").id  # fmt: skip
        on = DAY + dt.timedelta(days=1)
        linked = message(conn, offer, NAME, EMAIL, "Hélène, fromagère", on, fiche=people["helene"][0])
        loose = message(conn, offer, NAME, EMAIL, "Hélène encore", on)
        paul = message(conn, offer, "Paul Durand", "paul@example.org", "Paul, crémier", on)
    return {"linked": linked, "loose": loose, "paul": paul}


def test_find_and_export_include_the_messages_sent_about_offers(people, messages, store_url):
    """The public exchange's messages are a porteur's data too (issue 14): found by name or e-mail, exported
    with the fiche they became or by number; another sender's are not."""
    found = json.loads(run("porteur", "find", "helene", "--as", "coordinator", "--db", store_url, "--format",
                           "json").output)  # fmt: skip
    assert [(m["message"], m["fiche"]) for m in found["messages"]] == [
        (messages["linked"], people["helene"][0]),
        (messages["loose"], None),
    ]
    text = run("porteur", "find", "helene", "--as", "coordinator", "--db", store_url).output
    assert f"message {messages['loose']}" in text and "2 message(s)" in text
    result = run("porteur", "export", people["helene"][0], "--message", str(messages["loose"]), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [m["text"] for m in data["fiches"][0]["offer_messages"]] == ["Hélène, fromagère"]
    assert [(m["message"], m["name"], m["text"]) for m in data["messages"]] == [
        (messages["loose"], NAME, "Hélène encore")
    ]
    assert "Paul" not in result.output
    unknown = run("porteur", "export", "--message", "999", "--as", "coordinator", "--db", store_url)
    assert unknown.exit_code == 2 and "999" in unknown.output


def test_erase_blanks_the_messages_and_the_report_still_counts_them(people, messages, store, store_url, network):
    """Erasing Hélène's fiches blanks the message that became one; --message blanks the other; nothing of her
    stays in any table, Paul's message does, the contacts of the yearly report are the same."""
    before = build_report(store, network, Period.year(2026))
    result = run("porteur", "erase", *people["helene"], "--message", str(messages["loose"]), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"messages sur des offres effacés : {messages['loose']}"
    text = everything(store)
    for secret in (*SECRETS, "fromagère", "Hélène encore"):
        assert secret not in text, secret
    assert "Paul, crémier" in text
    assert build_report(store, network, Period.year(2026)) == before
    assert run("db", "verify", "--db", store_url).exit_code == 0
    again = json.loads(run("porteur", "find", "helene", "--as", "coordinator", "--db", store_url, "--format",
                           "json").output)  # fmt: skip
    assert again == {"query": "helene", "fiches": [], "messages": []}


def test_purge_erases_the_messages_past_the_retention_period(store, store_url, network):
    """A message from 2022 that never became a fiche is purged; a recent one is kept."""
    from engine.offers import repository as offers

    with store.transaction() as conn:
        offer = offers.add_offer(
            conn,
            network,
            COORD,
            kind="takeover",
            title="Fromagerie à reprendre",
            commune="63003",
            published_on=dt.date(2022, 1, 3),
            published_in="La Montagne",
        ).id
        old = message(conn, offer, NAME, EMAIL, "Hélène, fromagère", dt.date(2022, 5, 2))
        recent = message(conn, offer, "Paul Durand", "paul@example.org", "Paul, crémier", DAY)  # fmt: skip
    listed = json.loads(run("porteur", "purge", "--dry-run", "--as", "coordinator", "--db", store_url, "--format",
                            "json").output)  # fmt: skip
    assert listed["messages"] == [old] and NAME in everything(store)
    done = json.loads(run("porteur", "purge", "--as", "coordinator", "--db", store_url, "--format", "json").output)
    assert done["messages"] == [old]
    text = everything(store)
    assert NAME not in text and "fromagère" not in text and "Paul, crémier" in text
    assert recent


def test_an_agenda_written_to_a_file_is_private(people, store_url, tmp_path):
    """The agenda names porteurs: -o writes it readable by its owner only, like exports (it was 0644)."""
    out = tmp_path / "agenda.md"
    result = run("agenda", "--network", "ambert", "--month", "2026-04", "-o", str(out), "--as", "coordinator",
                 "--db", store_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert NAME in out.read_text(encoding="utf-8")
