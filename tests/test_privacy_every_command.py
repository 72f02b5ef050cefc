"""Every command, every output format, as the committee, as a structure not on the fiche and as the
public (nobody named: no ``--as``, ``$CAPACTIF_AS`` empty, what a command gets without an identity): no
porteur's name, email, phone, nor any free text naming them (summary, notes, contacts, comments, a
decline's reason, an offer contact's note) appears anywhere in what they get.

The store is filled through the commands themselves by the structure on the fiche; the coordinator
check at the end proves the secrets are really there to leak.  A new command fails
:func:`test_every_command_has_a_case` until it gets a case in ``CASES`` (or, when it cannot show
fiche data at all, a reason in ``NOT_A_READER``).
"""

from __future__ import annotations

import json
import textwrap

import click
import pytest
from click.testing import CliRunner

from cli import main
from engine import paths

NAME, SURNAME = "Zéphyrin", "Quasimodo"
EMAIL = "zephyrin.quasimodo@example.org"
PHONES = ("04 73 99 12 34", "0473991234", "+33473991234", "+33 4 73 99 12 34", "4 73 99 12 34")
SECRETS = (NAME, SURNAME, EMAIL, *PHONES, "zephyrin", "quasimodo", "Z\\u00e9phyrin")

FICHE = f"""\
received: 2025-03-02
received_by: cma-63
summary: {NAME} {SURNAME} reprend la boulangerie de son oncle
porteur: {{name: {NAME} {SURNAME}, email: {EMAIL}, phone: "{PHONES[0]}", consent_network: false}}
commune: Ambert
kind: creation
naf: 10.71C
needs: [business_plan, honour_loan]
"""
# Received long ago and never assigned: it raises alerts (and reaches the agenda and the charter check).
WAITING = FICHE.replace("2025-03-02", "2025-01-06").replace("reprend la boulangerie", "cherche un local")
CLEAN = "received: 2025-03-10\ncommune: Ambert\nkind: creation\nnaf: 10.71C\n"
CLEAN_CSV = "received,commune,kind,naf\n2025-03-11,63003,creation,10.71C\n"
OFFER = """\
kind: takeover
title: Boulangerie à reprendre
commune: Ambert
naf: 10.71C
published_on: 2025-03-01
published_in: Villages Magazine
"""

#: The public on the command line: nobody named (no --as, $CAPACTIF_AS empty), Identity(None).
PUBLIC = "public"
#: The callers who must never see the porteur: the committee, a structure that is not on the fiches, the public.
OUTSIDERS = ("committee", "cci-thiers", PUBLIC)

#: Per command: its arguments ({fiche}, {waiting}, {offer}, {dir} are filled in); every --format is run.
CASES: dict[str, list[str]] = {
    "fiche check": ["{dir}/clean.yaml"],
    "fiche add": ["{dir}/clean.yaml"],
    "fiche show": ["{fiche}"],
    "fiche list": [],
    "fiche assign": ["{fiche}", "--support", "adie"],
    "fiche move": ["{fiche}", "seek_financing"],
    "fiche note": ["{fiche}", "vu"],
    "fiche edit": ["{fiche}", "--commune", "Thiers"],
    "fiche consent": ["{fiche}", "yes"],
    "fiche answer": ["{waiting}", "take"],
    "fiche import": ["{dir}/clean.csv"],
    "fiche export": [],
    "db upgrade": [],
    "db verify": [],
    "db rebuild-projection": [],
    "db roles": [],
    "porteur find": [SURNAME],
    "porteur export": ["{fiche}"],
    "porteur erase": ["{fiche}"],
    "porteur purge": ["--dry-run"],
    "demo": ["--fiches", "5", "--db", "{dir}/demo.sqlite"],
    "suggest": ["{fiche}", "{waiting}"],
    "lifecycle": [],
    "naf search": ["boulangerie"],
    "charter show": [],
    "charter check": ["--year", "2025", "--as-of", "2025-06-30"],
    "rules check": [],
    "rules show": ["cma-63"],
    "rules schema": ["{dir}/schemas"],
    "rules coverage": [],
    "rules test": [],
    "rules diff": ["--base", "{rules}", "--fiches", "store"],
    "rules publish": ["{rules}", "-m", "essai"],
    "rules history": [],
    "rules export": ["published", "{dir}/exported"],
    "decision add": ["--kind", "other", "--title", "Point divers"],
    "decision record": ["D-2025-001", "--outcome", "adopted"],
    "decision list": [],
    "report": ["--year", "2025"],
    "alerts": ["--as-of", "2025-06-30"],
    "offer add": ["{dir}/offer.yaml"],
    "offer list": [],
    "offer show": ["{offer}"],
    "offer close": ["{offer}", "--date", "2025-12-31"],
    "offer contact": ["{offer}", "{fiche}"],
    "offer match": ["{fiche}"],
    "agenda": ["--network", "ambert", "--month", "2025-04"],
    "user add": ["someone@example.org", "--name", "Someone", "--structure", "cci-thiers"],
    "user list": [],
    "user disable": ["someone@example.org"],
    "user enable": ["someone@example.org"],
    "user reset": ["someone@example.org"],
    "audit": ["{fiche}"],
    "notify": ["--dry-run", "{dir}/mails-outsider", "--as-of", "2025-06-30"],
}
NOT_A_READER = {
    "serve": "starts the web application (its pages are checked by the web tests), prints no fiche",
}


def commands(group: click.Group = main, prefix: str = "") -> dict[str, click.Command]:
    """Every command of ``capactif``, by its full name."""
    out: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out.update(commands(command, f"{full} "))
        else:
            out[full] = command
    return out


def formats(command: click.Command) -> list[str | None]:
    """The --format choices of a command (None: it has no --format)."""
    for param in command.params:
        if param.name == "fmt":
            return list(param.type.choices)  # type: ignore[attr-defined]
    return [None]


def options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in param.opts}


def run(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> dict[str, str]:
    """A store holding two fiches of a porteur, with a note, a contact, a comment, a decline and an
    offer contact naming them, all recorded by the structures on the fiches."""
    folder = tmp_path_factory.mktemp("privacy")
    for name, text in (("fiche.yaml", FICHE), ("waiting.yaml", WAITING), ("clean.yaml", CLEAN),
                       ("clean.csv", CLEAN_CSV), ("offer.yaml", OFFER)):  # fmt: skip
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    url = str(folder / "store.sqlite")
    env = {"CAPACTIF_HOME": str(folder / "home"), "CAPACTIF_DB": url}

    def ok(*args: str) -> str:
        result = run(*args, env=env)
        assert result.exit_code == 0, result.output
        return result.output

    [added] = json.loads(
        ok("fiche", "add", str(folder / "fiche.yaml"), "--assign", "--as", "cma-63", "--format", "json")
    )
    fiche = added["fiche"]
    ok("fiche", "note", fiche, f"{SURNAME} a apporté son prévisionnel", "--as", "cma-63")
    ok("fiche", "note", fiche, f"appel de {NAME}", "--contact", "phone", "--as", "cma-63")
    ok(
        "fiche",
        "move",
        fiche,
        "start_study",
        "--comment",
        f"{SURNAME} a signé",
        "--as",
        "cma-63",
    )
    [waiting] = json.loads(ok("fiche", "add", str(folder / "waiting.yaml"), "--as", "cma-63", "--format", "json"))
    suggested = next(e["payload"] for e in waiting["events"] if e["kind"] == "suggested")
    if suggested.get("lead"):
        ok("fiche", "answer", waiting["fiche"], "decline", "--reason", f"{SURNAME} vise l'agricole",
           "--as", suggested["lead"])  # fmt: skip
    [offer] = json.loads(ok("offer", "add", str(folder / "offer.yaml"), "--as", "coordinator", "--format", "json"))
    ok("offer", "contact", offer["id"], fiche, "--note", f"{SURNAME} très intéressé", "--date", "2025-03-15",
       "--as", "cma-63")  # fmt: skip
    shown = json.loads(ok("fiche", "show", fiche, "--as", "coordinator", "--format", "json"))
    on = {shown["fiche"]["lead"], shown["fiche"]["received_by"], *shown["fiche"]["supporting"]}
    assert "cci-thiers" not in on  # the outsider really is not on the fiche
    return {"fiche": fiche, "waiting": waiting["fiche"], "offer": offer["id"], "dir": str(folder),
            "rules": str(paths.bundled("rules")), "db": url, "home": env["CAPACTIF_HOME"]}  # fmt: skip


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in SECRETS if s.lower() in lowered]


def test_every_command_has_a_case():
    """A command added without a privacy case fails here: add it to CASES (or to NOT_A_READER, with why)."""
    assert sorted(set(commands()) - set(CASES) - set(NOT_A_READER)) == []
    assert sorted(set(CASES) - set(commands())) == []


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_personal_data_reaches_an_outsider(seeded, name, who):
    """Whatever the command and the format, an outsider's output (and error messages) names nobody."""
    command = commands()[name]
    args = [a.format(**seeded) for a in CASES[name]]
    if "--as" in options(command) and who != PUBLIC:
        args += ["--as", who]
    if "--db" in options(command) and "--db" not in args:
        args += ["--db", seeded["db"]]
    env = {"CAPACTIF_HOME": seeded["home"], "CAPACTIF_AS": "" if who == PUBLIC else who}
    for fmt in formats(command):
        shown = run(*name.split(), *args, *(["--format", fmt] if fmt else []), env=env)
        assert shown.exit_code in (0, 1, 2), (fmt, shown.output)
        assert leaks(shown.output) == [], (fmt, shown.output)


def test_the_coordinator_sees_what_outsiders_do_not(seeded):
    """The secrets are in the store: fiche show and offer show give them to the coordinator (so the test
    above would catch a leak)."""
    env = {"CAPACTIF_HOME": seeded["home"]}
    fiche = run(
        "fiche", "show", seeded["fiche"], "--db", seeded["db"], "--as", "coordinator", "--format", "json", env=env
    )
    for secret in (NAME, EMAIL, f"{SURNAME} a apporté", f"appel de {NAME}", f"{SURNAME} a signé"):
        assert secret in fiche.output
    offer = run("offer", "show", seeded["offer"], "--db", seeded["db"], "--as", "coordinator", env=env)
    assert f"{SURNAME} très intéressé" in offer.output
    assert leaks("Quasimodo") and not leaks("boulangerie")


def test_notify_never_mails_a_porteur_to_an_outsider(seeded, tmp_path):
    """The coordinator's run (--dry-run): every structure has an account; the messages of the committee,
    of the local networks' agendas and of every structure on neither fiche name nobody, and there are
    such messages (the run would show a leak); the structures on the fiche do get the name."""
    import datetime as dt
    import email
    from email import policy

    from engine.accounts import repository
    from engine.network import load
    from engine.store.db import open_store

    env = {"CAPACTIF_HOME": seeded["home"], "CAPACTIF_AS": ""}
    on: set[str] = set()
    for fiche in (seeded["fiche"], seeded["waiting"]):
        shown = json.loads(run("fiche", "show", fiche, "--db", seeded["db"], "--as", "coordinator", "--format",
                               "json", env=env).output)["fiche"]  # fmt: skip
        on |= {shown["lead"], shown["received_by"], *shown["supporting"]} - {None}
    store = open_store(seeded["db"])
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as conn:
        known = {a.email for a in repository.list_accounts(conn)}
        for structure in sorted(load(None).structure_ids):
            address = f"tech-{structure}@example.net"
            if address not in known:
                repository.add_account(conn, email=address, display_name=f"Tech {structure}", structure=structure,
                                       role=None, now=now)  # fmt: skip
        if "elu-notify@example.net" not in known:
            repository.add_account(conn, email="elu-notify@example.net", display_name="Élu", structure=None,
                                   role="committee", now=now)  # fmt: skip
    store.dispose()
    out = tmp_path / "mails"
    result = run("notify", "--dry-run", str(out), "--as-of", "2025-06-30", "--db", seeded["db"], "--as",
                 "coordinator", env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    outsiders, insiders = [], []
    for path in sorted(out.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = str(message["Subject"]) + "".join(
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        )
        kind, audience = message["X-Capactif-Kind"], path.name.split("-", 2)[2]
        if kind == "structure" and any(audience.startswith(f"{s}-tech-") for s in on):
            insiders.append(text)
        elif kind != "coordinator":
            outsiders.append(text)
            assert leaks(text) == [], path.name
    assert outsiders and any(leaks(text) for text in insiders)
