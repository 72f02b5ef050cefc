"""One function per store command: open the store, load the network, run one transaction.

The CLI calls exactly one of these per command and renders what it returns; tests call them too.
Each ``with store.transaction()`` block is the whole command: any error inside rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.i18n import _
from engine.store import access, db, queries, repository
from engine.store.exporting import can_see_personal, export, for_viewer
from engine.store.importing import Batch, read_import, write_rejects
from engine.store.records import StoredFiche


@contextmanager
def opened(db_url: str | None) -> Iterator[db.Store]:
    """The store for a command, its connections closed when the command ends."""
    store = db.open_store(db_url)
    try:
        yield store
    finally:
        store.dispose()


def load_network(rules_path: str | Path | None) -> Any:
    """The network (rules, territory) a command validates against."""
    from engine import network

    return network.load(rules_path)


def suggester(net: Any) -> repository.Suggester:
    """Routing's ``suggest`` over the network's rules, compiled once (``declined``: role → structure → words)."""
    from engine.routing import Declined, compile_rules, suggest

    compiled = compile_rules(net.rules)

    def run(fiche: Any, caseload: dict[str, int], declined: dict[str, dict[str, str]] | None = None) -> Any:
        gone = Declined(**declined) if declined else None
        return suggest(fiche, compiled, caseload, declined=gone)

    return run


def add_files(
    db_url: str | None,
    rules_path: str | Path | None,
    files: Sequence[str],
    as_: str | None,
    *,
    assign: bool = False,
    stdin_text: str | None = None,
) -> list[repository.Change]:
    """``fiche add``: validate every file first (all problems at once), then store, suggest, assign."""
    from engine.fiche import read_fiches

    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    items = read_fiches(files, net.fiche_context(), stdin_text=stdin_text)
    with opened(db_url) as store, store.transaction() as conn:
        return repository.add_fiches(conn, items, who=who, network=net, suggester=suggester(net), assign=assign)


@dataclass
class ShownFiche:
    """``fiche show``: the fiche as the caller may see it, its history and the store's metadata."""

    stored: StoredFiche
    fiche: dict[str, Any]
    history: list[dict[str, Any]]
    personal: bool

    def to_dict(self) -> dict[str, Any]:
        from engine.store.events import FREE_TEXT

        history = []
        for event in self.history:
            payload = event["payload"]
            if not self.personal and event["kind"] in FREE_TEXT:
                payload = {**payload, "text": None}
            if not self.personal and payload.get("comment"):
                payload = {**payload, "comment": None}
            if not self.personal and payload.get("reason"):
                payload = {**payload, "reason": None}
            if event["kind"] == "created" and not self.personal:
                payload = {"fiche": self.fiche}
            if event["kind"] == "fiche_edited" and not self.personal:
                from engine.store.events import PERSONAL_FIELDS

                payload = {
                    **payload,
                    "changes": {
                        name: {"old": None, "new": None} if name in PERSONAL_FIELDS else change
                        for name, change in (payload.get("changes") or {}).items()
                    },
                }
            history.append(
                {
                    "kind": event["kind"],
                    "at": event["at"],
                    "recorded_at": event["recorded_at"],
                    "by": event["by"],
                    "version": event["version"],
                    "payload": payload,
                }
            )
        return {
            "fiche": self.fiche,
            "version": self.stored.version,
            "orphan": self.stored.orphan,
            "local_network": self.stored.local_network,
            "personal_data_shown": self.personal,
            "history": history,
        }


def show(db_url: str | None, rules_path: str | Path | None, fiche_id: str, as_: str | None) -> ShownFiche:
    """``fiche show``: one fiche with its history, personal data as the caller may see it."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    with opened(db_url) as store, store.transaction() as conn:
        stored = queries.get(conn, fiche_id)
        history = queries.history(conn, fiche_id)
    return ShownFiche(stored, for_viewer(stored, who), history, can_see_personal(stored, who))


def list_fiches(
    db_url: str | None, rules_path: str | Path | None, flt: queries.ListFilter, as_: str | None
) -> list[dict[str, Any]]:
    """``fiche list``: the matching fiches as the caller may see them, by id."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    flt = flt.check(net)
    with opened(db_url) as store, store.transaction() as conn:
        return [{**for_viewer(s, who), "_orphan": s.orphan} for s in queries.iter_fiches(conn, flt)]


def assign(
    db_url: str | None,
    rules_path: str | Path | None,
    fiche_id: str,
    as_: str | None,
    *,
    lead: str | None,
    supports: Sequence[str],
    remove_supports: Sequence[str],
    remove_lead: bool = False,
    at: dt.date | None = None,
    expected_version: int | None = None,
    force_reason: str | None = None,
) -> repository.Change:
    """``fiche assign`` (``expected_version``: ``--if-version``, write only if the fiche is still at it).

    A lead the rules say is not competent is refused unless ``force_reason`` (``--force --reason``)."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    if not (lead or supports or remove_supports or remove_lead):
        raise InputError("nothing to assign: give --lead S, --support S, --remove-support S or --remove-lead")
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repository.assign_fiche(
            conn,
            fiche_id,
            who=who,
            network=net,
            lead=lead,
            supports=supports,
            remove_supports=remove_supports,
            remove_lead=remove_lead,
            at=at,
            expected_version=expected_version,
            check_competence=True,
            force_reason=force_reason,
        )


def move(
    db_url: str | None,
    rules_path: str | Path | None,
    fiche_id: str,
    trigger: str,
    as_: str | None,
    **options: Any,
) -> repository.Change:
    """``fiche move``: ``options`` are at, by, comment, installed_on, follow_up_by, expected_version."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    _check_by(options.get("by"), net, who)
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repository.move_fiche(conn, fiche_id, trigger, who=who, network=net, **options)


def note(
    db_url: str | None, rules_path: str | Path | None, fiche_id: str, text: str, as_: str | None, **options: Any
) -> repository.Change:
    """``fiche note`` (and ``--contact CHANNEL``): ``options`` are at, by, kind, channel, expected_version."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    _check_by(options.get("by"), net, who)
    with opened(db_url) as store, store.transaction(fiche_id, immediate=True) as conn:
        return repository.note_fiche(conn, fiche_id, text, who=who, **options)


def consent(
    db_url: str | None,
    rules_path: str | Path | None,
    fiche_id: str,
    value: bool,
    as_: str | None,
    expected_version: int | None = None,
) -> repository.Change:
    """``fiche consent``: the porteur agrees (or no longer agrees) to share the fiche network-wide."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repository.set_consent(conn, fiche_id, value, who=who, expected_version=expected_version)


def change_commune(
    db_url: str | None, rules_path: str | Path | None, fiche_id: str, commune: str, as_: str | None, **options: Any
) -> repository.Change:
    """``fiche edit --commune``: the project moved; ``options`` are at, by, comment, expected_version."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    _check_by(options.get("by"), net, who)
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repository.change_commune(conn, fiche_id, commune, who=who, network=net, **options)


def edit(
    db_url: str | None,
    rules_path: str | Path | None,
    fiche_id: str,
    changes: dict[str, Any],
    as_: str | None,
    **options: Any,
) -> repository.Change:
    """``fiche edit``: change any field (``changes``: field → new value), record old → new and a fresh
    suggestion; ``options`` are at, by, comment, expected_version."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    _check_by(options.get("by"), net, who)
    with opened(db_url) as store, store.transaction(fiche_id) as conn:
        return repository.edit_fiche(conn, fiche_id, changes, who=who, network=net, suggester=suggester(net), **options)


@dataclass
class Imported:
    """``fiche import``: what was stored, what was rejected and where the rejects went."""

    batch: Batch
    changes: list[repository.Change]
    rejects_file: Path | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.batch.source,
            "imported": [c.fiche for c in self.changes],
            "rejected": [{"line": r.line, "errors": [str(p) for p in r.problems]} for r in self.batch.rejected],
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
        }


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (links and relative paths included)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def import_file(
    db_url: str | None,
    rules_path: str | Path | None,
    path: str | Path,
    as_: str | None,
    *,
    skip_invalid: bool = False,
    rejects: str | Path | None = None,
    suggest: bool = False,
) -> Imported:
    """``fiche import``: all rows or none; with ``skip_invalid`` the good rows, bad ones to ``rejects``."""
    if rejects is not None and _same_file(rejects, path):
        message = _("--rejects {path}: that is the file being imported, which it would overwrite; give another name")
        raise InputError(message.format(path=rejects))
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    batch = read_import(path, net.fiche_context())
    if batch.rejected and not skip_invalid:
        raise InputError(problems=batch.problems)
    rejects_file = None
    if batch.rejected:
        source = Path(path)
        rejects_file = Path(rejects) if rejects else source.with_name(f"{source.stem}.rejects{source.suffix}")
    with opened(db_url) as store, store.transaction() as conn:
        changes = repository.add_fiches(
            conn, batch.fiches, who=who, network=net, suggester=suggester(net) if suggest else None
        )
        if rejects_file:
            write_rejects(rejects_file, batch)
    return Imported(batch, changes, rejects_file)


def export_fiches(
    db_url: str | None,
    rules_path: str | Path | None,
    fmt: str,
    as_: str | None,
    flt: queries.ListFilter,
    *,
    excel: bool = False,
) -> str:
    """``fiche export``: every matching fiche as the caller may see it (``excel``: for a French Excel)."""
    net = load_network(rules_path)
    who = access.viewer(as_, net.structure_ids)
    flt = flt.check(net)
    with opened(db_url) as store, store.transaction() as conn:
        return export(queries.iter_fiches(conn, flt), who, fmt, excel=excel)


def stored_fiches(db_url: str | None, ids: Sequence[str]) -> tuple[list[Any], dict[str, int]]:
    """Stored fiches by id and the caseloads, for ``suggest F-2026-0012``."""
    with opened(db_url) as store, store.transaction() as conn:
        return queries.load_fiches(conn, ids), queries.caseload(conn)


def store_caseload(db_url: str | None) -> dict[str, int] | None:
    """The stored caseloads when a store is configured or the default file exists, else None."""
    import os

    if not db_url and not os.environ.get("CAPACTIF_DB"):
        default = db.resolve_url(None).removeprefix("sqlite:///")
        if not Path(default).exists():
            return None
    with opened(db_url) as store, store.transaction() as conn:
        return queries.caseload(conn)


def verify(db_url: str | None, *, anchor: str | None = None) -> Any:
    """``db verify``: the hash chain, then every fiche rebuilt from its events, in one snapshot.

    ``anchor``: a head hash written down earlier (the committee's minutes): whether it is still a
    link of the chain.
    """
    from engine.store.verify import verify as check

    with opened(db_url) as store, store.transaction(snapshot=True) as conn:
        return check(conn, anchor=anchor)


def grant_roles(db_url: str | None, role: str, password: str | None = None) -> Any:
    """``db roles``: the application's PostgreSQL role, which may insert events but not change them."""
    from engine.store.roles import grant_app_role

    with opened(db_url) as store, store.transaction() as conn:
        return grant_app_role(conn, role, password)


def chain_head(db_url: str | None) -> tuple[int, str]:
    """``db verify --anchor``: the number of events and the hash of the last one."""
    from engine.store.verify import head

    with opened(db_url) as store, store.transaction(snapshot=True) as conn:
        return head(conn)


def upgrade(db_url: str | None) -> tuple[str, str | None, str]:
    """``db upgrade``: (the store as displayed, revision before, revision after)."""
    url = db.resolve_url(db_url)
    store = db.Store(url, db.make_engine(url))
    try:
        before, after = db.upgrade(store)
    finally:
        store.dispose()
    return db.display(url), before, after


def _check_by(by: str | None, net: Any, who: access.Viewer) -> None:
    """``--by``: only the coordinator records on behalf of someone else (the event keeps both names)."""
    if by and net.structure_ids and by not in net.structure_ids and by not in access.ROLES:
        from engine.vocabulary import unknown

        raise InputError(f"--by: {unknown('structure', by, sorted(net.structure_ids))}")
    if by and not who.is_coordinator and by != who.name:
        from engine.errors import AccessDenied

        raise AccessDenied(
            _(
                "--by {by}: {who} may record only in their own name; only the coordinator records on behalf "
                "of another structure (remove --by, or ask the coordinator)"
            ).format(by=by, who=who.label())
        )
