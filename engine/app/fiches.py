"""Use cases of the fiches: check, add, show, list, assign, move, note, consent, edit, import, export.

Each function takes the :class:`~engine.app.workspace.Workspace` (store, rules), the caller's
:class:`~engine.identity.Identity` and plain arguments, runs in ONE store transaction (any error
rolls everything back), and returns a typed result whose fiche data is already masked for the
caller (:mod:`engine.privacy`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import privacy
from engine.app import audit
from engine.app.workspace import Workspace
from engine.errors import InputError, Problem
from engine.fiche import Fiche
from engine.i18n import _
from engine.identity import ROLES, Identity
from engine.routing.compile import CompiledRules
from engine.store import queries, repository
from engine.store.bulk import collector_paused
from engine.store.exporting import can_see_personal, export, for_viewer
from engine.store.importing import Batch, read_import, write_rejects
from engine.store.queries import ListFilter
from engine.store.records import StoredFiche
from engine.store.repository import Change
from engine.vocabulary import canonical

__all__ = [
    "AddedFiches",
    "Change",
    "CheckedFiches",
    "ExportedFiches",
    "FicheList",
    "Imported",
    "ListFilter",
    "ShownEvent",
    "ShownFiche",
    "add",
    "assign",
    "assign_lead",
    "check",
    "consent",
    "edit_commune",
    "edit_fiche",
    "export_fiches",
    "import_file",
    "list_fiches",
    "move",
    "note",
    "show",
    "suggester",
]


def lead_check(rules: CompiledRules) -> repository.LeadCheck:
    """What the rules say against a structure leading a fiche (routing's), as the store's repository takes it."""
    from engine.routing.suggest import lead_competence_problem

    return lambda fiche, sid: lead_competence_problem(fiche, rules, sid)


def suggester(rules: CompiledRules) -> repository.Suggester:
    """Routing's ``suggest`` over compiled rules, as the store's repository takes it (the store never
    imports routing: the application layer hands it this function); ``declined``: role → structure →
    the words of its refusal, so that re-routing passes over the structures that declined."""
    from engine.routing import Declined, suggest

    def run(fiche: Any, caseload: dict[str, int], declined: dict[str, dict[str, str]] | None = None) -> Any:
        gone = Declined(**declined) if declined else None
        return suggest(fiche, rules, caseload, declined=gone)

    return run


# --- check ----------------------------------------------------------------------------------------


@dataclass
class CheckedFiches:
    """``fiche check``: the fiches read, all valid (a problem raises before), with their notices."""

    fiches: list[Fiche]

    def to_dict(self) -> list[dict[str, Any]]:
        """One ``{fiche, valid, notices}`` per fiche."""
        return [{"fiche": f.label(), "valid": True, "notices": f.notices()} for f in self.fiches]


def check(ws: Workspace, files: Sequence[str], *, stdin_text: str | None = None) -> CheckedFiches:
    """Validate fiche files against the network (every problem of every file at once: ``InputError``)."""
    from engine.fiche import read_fiches

    return CheckedFiches(read_fiches(files, ws.network.fiche_context(), stdin_text=stdin_text, to_store=True))


# --- add ------------------------------------------------------------------------------------------


@dataclass
class AddedFiches:
    """``fiche add``: each new fiche's id, version and the events recorded (its suggestion, its assignment)."""

    changes: list[Change]

    def to_dict(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.changes]


def add(
    ws: Workspace, who: Identity, files: Sequence[str], *, assign: bool = False, stdin_text: str | None = None
) -> AddedFiches:
    """Validate every file first (all problems at once), then store, suggest and, with ``assign``, assign."""
    from engine.fiche import read_fiches

    net = ws.network
    items = read_fiches(files, net.fiche_context(), stdin_text=stdin_text, to_store=True)
    with ws.store.transaction() as conn:
        changes = repository.add_fiches(
            conn, items, who=who, network=net, suggester=suggester(ws.compiled_rules), assign=assign
        )
    return AddedFiches(changes)


# --- show -----------------------------------------------------------------------------------------


@dataclass
class ShownEvent:
    """One entry of a fiche's history as the caller may see it; ``hidden`` names the payload keys masked."""

    kind: str
    at: Any
    recorded_at: Any
    by: str | None
    version: int
    payload: dict[str, Any]
    hidden: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``kind``, ``at``, ``recorded_at``, ``by``, ``version``, ``payload`` (masked keys null)."""
        return {
            "kind": self.kind,
            "at": self.at,
            "recorded_at": self.recorded_at,
            "by": self.by,
            "version": self.version,
            "payload": self.payload,
        }


@dataclass
class ShownFiche:
    """``fiche show``: the fiche and its history as the caller may see them, and the store's metadata.

    ``fiche`` and every event's payload are masked already (:mod:`engine.privacy`): nothing here may
    be hidden at rendering time.
    """

    fiche: dict[str, Any]
    history: list[ShownEvent]
    personal: bool
    version: int
    orphan: bool
    local_network: str | None
    commune_label: str

    def to_dict(self) -> dict[str, Any]:
        """Keys of docs/store.md: ``fiche``, ``version``, ``orphan``, ``local_network``,
        ``personal_data_shown``, ``history``."""
        return {
            "fiche": self.fiche,
            "version": self.version,
            "orphan": self.orphan,
            "local_network": self.local_network,
            "personal_data_shown": self.personal,
            "history": [e.to_dict() for e in self.history],
        }


def show(ws: Workspace, who: Identity, fiche_id: str) -> ShownFiche:
    """One stored fiche with its history, personal data and free text as the caller may see them."""
    territory = ws.network.territory
    with ws.store.transaction() as conn:
        stored = queries.get(conn, fiche_id)
        history = queries.history(conn, fiche_id)
    visible = can_see_personal(stored, who)
    fiche = for_viewer(stored, who)
    events = []
    for event in history:
        raw = event["payload"]
        payload = privacy.mask_payload(event["kind"], raw, visible)
        hidden = tuple(k for k, v in raw.items() if v and k != "fiche" and payload.get(k) != v)
        events.append(
            ShownEvent(event["kind"], event["at"], event["recorded_at"], event["by"], event["version"], payload, hidden)
        )
    commune = fiche["commune"]
    label = str(territory.communes[commune]) if commune in territory.communes else str(commune)
    if visible:
        audit.record_reads(ws, who, [stored.id], "fiche show")
    return ShownFiche(fiche, events, visible, stored.version, stored.orphan, stored.local_network, label)


# --- list and export ------------------------------------------------------------------------------


@dataclass
class FicheList:
    """``fiche list``: the matching fiches by id, as the caller may see them, and which are orphans."""

    fiches: list[dict[str, Any]]
    orphans: set[str] = field(default_factory=set)

    def to_dict(self) -> list[dict[str, Any]]:
        return self.fiches


def list_fiches(ws: Workspace, who: Identity, flt: ListFilter) -> FicheList:
    """The fiches matching every filter given (unknown values refused with the closest match)."""
    flt = flt.check(ws.network)
    result = FicheList([])
    shown: list[str] = []
    with ws.store.transaction() as conn:
        for stored in queries.iter_fiches(conn, flt):
            result.fiches.append(for_viewer(stored, who))
            if stored.orphan:
                result.orphans.add(stored.fiche["id"])
            if can_see_personal(stored, who):
                shown.append(stored.id)
    audit.record_reads(ws, who, shown, "fiche list")
    return result


@dataclass
class ExportedFiches:
    """``fiche export``: the fiches as the caller may see them, as a file in ``file_format`` (csv, json, yaml)."""

    file_format: str
    text: str


def export_fiches(
    ws: Workspace, who: Identity, file_format: str, flt: ListFilter, *, excel: bool = False
) -> ExportedFiches:
    """Every matching fiche as the caller may see it, as CSV (importable, formulas neutralised; ``excel``:
    for a French Excel), JSON or YAML."""
    flt = flt.check(ws.network)
    shown: list[str] = []

    def noting(stored: Iterable[StoredFiche]) -> Iterator[StoredFiche]:
        for one in stored:
            if can_see_personal(one, who):
                shown.append(one.id)
            yield one

    with ws.store.transaction() as conn:
        exported = ExportedFiches(
            file_format, export(noting(queries.iter_fiches(conn, flt)), who, file_format, excel=excel)
        )
    audit.record_reads(ws, who, shown, f"fiche export ({file_format})")
    return exported


# --- changes --------------------------------------------------------------------------------------


def assign(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    *,
    lead: str | None = None,
    supports: Sequence[str] = (),
    remove_supports: Sequence[str] = (),
    remove_lead: bool = False,
    at: dt.date | None = None,
    expected_version: int | None = None,
    force_reason: str | None = None,
) -> Change:
    """Assign the lead and supporting structures (``expected_version``: write only if still at it).

    A lead the rules say is not competent (nature, commune, competence) is refused unless
    ``force_reason`` (``--force --reason``), recorded in the ``lead_assigned`` event."""
    if not (lead or supports or remove_supports or remove_lead):
        raise InputError(_("nothing to assign: give --lead S, --support S, --remove-support S or --remove-lead"))
    net = ws.network
    with ws.store.transaction(fiche_id) as conn:
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
            check_competence=lead_check(ws.compiled_rules),
            force_reason=force_reason,
        )


def assign_lead(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    lead: str,
    *,
    force_reason: str | None = None,
    expected_version: int | None = None,
    at: dt.date | None = None,
) -> Change:
    """Make ``lead`` the référent; refused when the rules say it is not competent for the fiche's
    nature or commune, unless ``force_reason`` (recorded in the ``lead_assigned`` event)."""
    with ws.store.transaction(fiche_id) as conn:
        return repository.assign_fiche(
            conn, fiche_id, who=who, network=ws.network, lead=lead, at=at, expected_version=expected_version,
            check_competence=lead_check(ws.compiled_rules), force_reason=force_reason,
        )  # fmt: skip


def edit_fiche(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    comment: str | None = None,
    at: dt.date | None = None,
    by: str | None = None,
) -> Change:
    """Change any field (``changes``: field → new value, ``porteur.name`` for the porteur's): the
    history keeps old → new and a fresh suggestion is recorded (:func:`repository.edit_fiche`)."""
    _check_by(by, ws.network.structure_ids, who)
    with ws.store.transaction(fiche_id) as conn:
        return repository.edit_fiche(
            conn, fiche_id, changes, who=who, network=ws.network, suggester=suggester(ws.compiled_rules), at=at, by=by,
            comment=comment, expected_version=expected_version,
        )  # fmt: skip


def move(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    trigger: str,
    *,
    at: dt.date | None = None,
    by: str | None = None,
    comment: str | None = None,
    installed_on: dt.date | None = None,
    follow_up_by: str | None = None,
    expected_version: int | None = None,
) -> Change:
    """Move the fiche through the lifecycle by ``trigger`` (guards checked, see ``capactif lifecycle``)."""
    net = ws.network
    _check_by(by, net.structure_ids, who)
    with ws.store.transaction(fiche_id) as conn:
        return repository.move_fiche(
            conn,
            fiche_id,
            trigger,
            who=who,
            network=net,
            at=at,
            by=by,
            comment=comment,
            installed_on=installed_on,
            follow_up_by=follow_up_by,
            expected_version=expected_version,
        )


def note(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    text: str,
    *,
    channel: str | None = None,
    at: dt.date | None = None,
    by: str | None = None,
    expected_version: int | None = None,
    activity: str | None = None,
) -> Change:
    """A note, or with ``channel`` a contact with the porteur, in the fiche's history.

    ``activity`` (an id or its French word): follow-up found the installed activity ``active`` or
    ``ceased`` (the report's ``survival``).
    """
    _check_by(by, ws.network.structure_ids, who)
    kind = "contact" if channel else "note"
    if activity is not None:
        try:
            activity = canonical("activity", activity)
        except ValueError as exc:
            raise InputError(problems=[Problem("--activity", 0, 0, str(exc))]) from None
    with ws.store.transaction(fiche_id, immediate=True) as conn:
        return repository.note_fiche(
            conn, fiche_id, text, who=who, at=at, by=by, kind=kind, channel=channel,
            expected_version=expected_version, activity=activity,
        )  # fmt: skip


def consent(ws: Workspace, who: Identity, fiche_id: str, value: bool, *, expected_version: int | None = None) -> Change:
    """Whether the porteur agrees to share the fiche (and their contact details) with the whole network."""
    with ws.store.transaction(fiche_id) as conn:
        return repository.set_consent(conn, fiche_id, value, who=who, expected_version=expected_version)


def edit_commune(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    commune: str,
    *,
    at: dt.date | None = None,
    by: str | None = None,
    comment: str | None = None,
    expected_version: int | None = None,
) -> Change:
    """The porteur settles elsewhere: the fiche's commune (and local network) change, as an event."""
    net = ws.network
    _check_by(by, net.structure_ids, who)
    with ws.store.transaction(fiche_id) as conn:
        return repository.change_commune(
            conn,
            fiche_id,
            commune,
            who=who,
            network=net,
            at=at,
            by=by,
            comment=comment,
            expected_version=expected_version,
        )


# --- import ---------------------------------------------------------------------------------------


@dataclass
class Imported:
    """``fiche import``: what was stored, what was rejected and where the rejects went."""

    batch: Batch
    changes: list[Change]
    rejects_file: Path | None
    path: str = ""
    """The file as the caller named it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.batch.source,
            "imported": [c.fiche for c in self.changes],
            "rejected": [{"line": r.line, "errors": [str(p) for p in r.problems]} for r in self.batch.rejected],
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
        }


def import_file(
    ws: Workspace,
    who: Identity,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    rejects: str | Path | None = None,
    suggest: bool = False,
) -> Imported:
    """All rows or none; with ``skip_invalid`` the good rows, and the bad ones written to ``rejects``."""
    if rejects is not None and _same_file(rejects, path):
        from engine.i18n import _

        message = _("--rejects {path}: that is the file being imported, which it would overwrite; give another name")
        raise InputError(message.format(path=rejects))
    net = ws.network
    with collector_paused():  # a bounded job keeping what it allocates (engine.store.bulk)
        batch = read_import(path, net.fiche_context())
        if batch.rejected and not skip_invalid:
            raise InputError(problems=batch.problems)
        rejects_file = None
        if batch.rejected:
            source = Path(path)
            rejects_file = Path(rejects) if rejects else source.with_name(f"{source.stem}.rejects{source.suffix}")
        with ws.store.transaction() as conn:
            changes = repository.add_fiches(
                conn,
                batch.fiches,
                who=who,
                network=net,
                suggester=suggester(ws.compiled_rules) if suggest else None,
                fiche_dicts=batch.dicts,
            )
            if rejects_file:
                write_rejects(rejects_file, batch)
    return Imported(batch, changes, rejects_file, str(path))


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (links and relative paths included)."""
    import os

    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _check_by(by: str | None, structures: frozenset[str], who: Identity | None = None) -> None:
    """``--by``: a known structure, and only the coordinator records on behalf of someone else."""
    if by and structures and by not in structures and by not in ROLES:
        from engine.vocabulary import unknown

        raise InputError(f"--by: {unknown('structure', by, sorted(structures))}")
    if who is not None and by and not who.is_coordinator and by != who.name:
        from engine.errors import AccessDenied
        from engine.i18n import _

        raise AccessDenied(
            _(
                "--by {by}: {who} may record only in their own name; only the coordinator records on behalf "
                "of another structure (remove --by, or ask the coordinator)"
            ).format(by=by, who=who.label())
        )
