"""Use cases of the rules in force: publish a rules set, its history, export one, store a draft.

The coordinator alone publishes (and stores drafts); everyone reads the history: rules hold no
personal data.  Publishing validates the set, runs its routing tests (``<set>/tests/*.yaml``) and
refuses a set whose tests fail or that has none, unless forced with a reason that is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.app.workspace import Workspace
from engine.errors import AccessDenied, EngineError, InputError, Problem, RulesError
from engine.i18n import _
from engine.identity import Identity
from engine.published import repository as repo
from engine.published.snapshot import Snapshot, read_directory

MESSAGE_MAX = 2000


class TestsFailed(EngineError):
    """The routing tests of a set to publish failed (or there are none): nothing was published."""

    __test__ = False
    exit_code = 1

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self._lines = lines

    def lines(self) -> list[str]:
        return list(self._lines)


@dataclass
class TestsSummary:
    """What the routing tests of a set gave: how many, which failed (name, file:line, differences)."""

    __test__ = False

    total: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    missing: bool = False

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.failures

    def to_dict(self) -> dict[str, Any]:
        """``total``, ``failed``, ``missing`` (no case), ``failures`` [{``name``, ``where``, ``differences``}]."""
        return {"total": self.total, "failed": self.failed, "missing": self.missing, "failures": self.failures}


@dataclass
class PublishResult:
    """``rules publish``: the set, its tests, and the publication (None for a draft or a set already in force)."""

    version: str
    source: str
    tests: TestsSummary
    stored: repo.StoredSet
    publication: repo.Publication | None
    previous: repo.Publication | None
    draft: bool = False
    already_in_force: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``version``, ``source``, ``draft``, ``already_in_force``, ``tests``, ``publication``, ``previous``."""
        return {
            "version": self.version,
            "source": self.source,
            "draft": self.draft,
            "already_in_force": self.already_in_force,
            "tests": self.tests.to_dict(),
            "publication": self.publication.to_dict() if self.publication else None,
            "previous": self.previous.version if self.previous else None,
        }


def _check_coordinator(who: Identity, action: str) -> None:
    if not who.is_coordinator:
        raise AccessDenied(
            _(
                "{who} may not {action}: only the coordinator publishes the network's rules "
                "(sign in or run the command as the coordinator)"
            ).format(who=who.label(), action=action)
        )


def _relabel(source: str, rules_dir: Path, label: str) -> str:
    """A file of the materialised copy named as the person knows it: under the directory or version given."""
    for inside in (str(rules_dir) + "/", rules_dir.name + "/"):
        if source.startswith(inside):
            return f"{label}/{source.removeprefix(inside)}"
    return source


def run_tests(rules_dir: Path, label: str | None = None) -> TestsSummary:
    """The set's own routing tests; a case file with a problem is an input error (exit 2)."""
    from engine import network
    from engine.routing import compile_rules
    from engine.rulestest.loader import default_case_files, load_cases
    from engine.rulestest.runner import run_cases

    files = default_case_files(rules_dir)
    if not files:
        return TestsSummary(0, missing=True)
    net = network.load(rules_dir)
    report = run_cases(load_cases(files, net.fiche_context()), compile_rules(net.rules))
    failures = [
        {
            "name": f.case.name,
            "where": f"{_relabel(f.case.source, rules_dir, label or str(rules_dir))}:{f.case.line}",
            "differences": list(f.differences),
        }
        for f in report.failures
    ]
    return TestsSummary(report.total, failures)


def _validate(rules_dir: Path, label: str) -> None:
    from engine.rules.loader import check_rules

    checked = check_rules(rules_dir)
    if not checked.ok:
        problems = [
            Problem(_relabel(p.source, rules_dir, label), p.line, p.column, p.message) for p in checked.problems
        ]
        raise RulesError(problems=problems)


def publish_rules(
    ws: Workspace,
    who: Identity,
    source: str | Path | None = None,
    *,
    message: str,
    force: bool = False,
    reason: str | None = None,
    decision: str | None = None,
    draft: bool = False,
    snapshot: Snapshot | None = None,
) -> PublishResult:
    """Check, test, store and (unless ``draft``) put in force a rules set.

    ``source``: a rules directory (default: the configured one), or a stored version
    (``sha256:…``) to put a draft in force; ``snapshot``: files already read (an uploaded archive).
    """
    from engine.decisions.repository import get_decision
    from engine.published.materialise import materialise

    _check_coordinator(who, _("publish rules"))
    problems = []
    message = (message or "").strip()
    if not message:
        problems.append(
            Problem("--message", 0, 0, _("say in a few words what changes, e.g. --message 'ADIE in Brioude'"))
        )
    elif len(message) > MESSAGE_MAX:
        problems.append(
            Problem("--message", 0, 0, _("{n} characters: at most {max}").format(n=len(message), max=MESSAGE_MAX))
        )
    if force and not (reason or "").strip():
        problems.append(Problem("--reason", 0, 0, _("--force needs a reason, recorded with the publication")))
    if draft and decision:
        problems.append(Problem("--decision", 0, 0, _("a draft is not in force: name the decision when publishing it")))
    if problems:
        raise InputError(problems=problems)

    stored_version = None
    if snapshot is not None:
        label = "uploaded rules"
    elif source is not None and str(source).startswith("sha256:") and not Path(source).is_dir():
        stored_version = str(source)
        label = stored_version
    else:
        directory = Path(source) if source is not None else ws.config.rules_dir
        snapshot = read_directory(directory)
        label = str(directory)
    if stored_version is not None:
        with ws.store.transaction() as conn:
            found = repo.find_set(conn, stored_version, where="VERSION")
            snapshot = repo.set_files(conn, found.version)
    assert snapshot is not None
    rules_dir = materialise(snapshot)
    _validate(rules_dir, label)
    tests = run_tests(rules_dir, label)
    if not tests.ok and not force and not draft:
        lines = [f"{f['where']}: {f['name']}: {'; '.join(f['differences'])}" for f in tests.failures]
        if tests.missing:
            lines.append(
                _("{rules}: no routing tests (tests/*.yaml): the network publishes tested rules only").format(
                    rules=label
                )
            )
        lines.append(
            _(
                "{failed} of {total} routing test(s) failed: nothing was published; fix the rules or the "
                "cases ('capactif rules test'), or publish anyway with --force --reason '…'"
            ).format(failed=tests.failed, total=tests.total)
            if tests.failures
            else _("nothing was published: add routing cases, or publish anyway with --force --reason '…'")
        )
        raise TestsFailed(lines)
    with ws.store.transaction() as conn:
        previous = repo.in_force(conn)
        if decision:
            adopted = get_decision(conn, decision, where="--decision")
            if adopted.outcome != "adopted":
                raise InputError(
                    problems=[
                        Problem(
                            "--decision", 0, 0,
                            _("decision {id} is {outcome}, not adopted: record the committee's decision first "
                              "('capactif decision record')").format(id=adopted.id, outcome=adopted.outcome),
                        )
                    ]
                )  # fmt: skip
        source_version = None if stored_version or label == "uploaded rules" else _source_version(Path(label))
        stored = repo.store_set(conn, snapshot, by=who.name, source=label, source_version=source_version)
        if draft:
            return PublishResult(stored.version, label, tests, stored, None, previous, draft=True)
        if previous is not None and previous.version == stored.version:
            return PublishResult(stored.version, label, tests, stored, None, previous, already_in_force=True)
        publication = repo.publish(
            conn, stored.version, by=who.name or "coordinator", message=message, decision=decision,
            tests_total=tests.total, tests_failed=tests.failed + (1 if tests.missing else 0),
            forced=force and not tests.ok, force_reason=(reason or "").strip() or None,
        )  # fmt: skip
    return PublishResult(stored.version, label, tests, stored, publication, previous)


def _source_version(directory: Path) -> str | None:
    """The directory's git version when it is a clean git work tree (kept to find the commit again)."""
    from engine.rules.loader import rules_version

    version = rules_version(directory)
    return version if version.startswith("git:") else None


@dataclass
class RulesHistory:
    """``rules history``: every publication (latest first), the set in force, the drafts never published."""

    publications: list[repo.Publication]
    drafts: list[repo.StoredSet]

    @property
    def in_force(self) -> repo.Publication | None:
        return self.publications[0] if self.publications else None

    def to_dict(self) -> dict[str, Any]:
        """``in_force`` (version or null), ``publications`` [...], ``drafts`` [...] (docs/rules-publish.md)."""
        return {
            "in_force": self.in_force.version if self.in_force else None,
            "publications": [p.to_dict() for p in self.publications],
            "drafts": [d.to_dict() for d in self.drafts],
        }


def rules_history(ws: Workspace, who: Identity) -> RulesHistory:
    """The publications and the drafts (rules hold no personal data: everyone may read them)."""
    with ws.store.transaction() as conn:
        publications = repo.history(conn)
        published = {p.version for p in publications}
        drafts = [s for s in repo.stored_sets(conn) if s.version not in published]
    return RulesHistory(publications, drafts)


@dataclass
class ExportResult:
    """``rules export``: which version went where."""

    version: str
    directory: Path
    files: int

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "directory": str(self.directory), "files": self.files}


def export_rules(ws: Workspace, who: Identity, version: str, target: Path) -> ExportResult:
    """Write a stored set (``published`` for the one in force) into a new or empty directory."""
    from engine.published.materialise import write_directory

    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            problems=[Problem(str(target), 0, 0, _("exists and is not an empty directory: choose a new directory"))]
        )
    with ws.store.transaction() as conn:
        found = repo.find_set(conn, version, where="VERSION")
        snap = repo.set_files(conn, found.version)
    target.mkdir(parents=True, exist_ok=True)
    write_directory(snap, target)
    return ExportResult(found.version, target, len(snap.files))


def set_snapshot(ws: Workspace, version: str) -> Snapshot:
    """The files of a stored set (``published`` for the one in force)."""
    with ws.store.transaction() as conn:
        found = repo.find_set(conn, version, where="VERSION")
        return repo.set_files(conn, found.version)


def replay_base(ws: Workspace, base: str) -> tuple[str, Path] | None:
    """For ``rules diff --base``: ``published`` or ``sha256:…`` name a stored set (its label and directory);
    anything else (a directory, a git revision) is not the store's, so None."""
    from engine.published.materialise import materialise

    if base != repo.PUBLISHED and not base.startswith("sha256:"):
        return None
    if base.startswith("sha256:") and Path(base).is_dir():
        return None
    with ws.store.transaction() as conn:
        found = repo.find_set(conn, base, where="--base")
        snap = repo.set_files(conn, found.version)
    label = f"published {found.version}" if base == repo.PUBLISHED else f"stored {found.version}"
    return label, materialise(snap)
