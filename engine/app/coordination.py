"""Use cases of the coordinator's rules pages: the rules in force and their history, the routing
tests' result, the coverage gaps, and a candidate rules set (an uploaded archive or a stored draft)
replayed over the stored fiches before it is published.  For the coordinator only.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from engine.app.published import RulesHistory, TestsSummary, publish_rules, rules_history, run_tests
from engine.app.workspace import Workspace
from engine.errors import AccessDenied, InputError, Problem
from engine.i18n import _
from engine.identity import Identity
from engine.published.snapshot import MAX_BYTES, MAX_FILES, from_files

#: The largest archive accepted (its files are also limited once unpacked).
ARCHIVE_MAX = 2 * 1024 * 1024


def check_coordinator(who: Identity) -> None:
    if not who.is_coordinator:
        raise AccessDenied(_("{who} may not open the coordinator's rules pages").format(who=who.label()))


@dataclass
class RulesOverview:
    """The rules the network routes with now, their history, their tests and their coverage gaps."""

    version: str
    published: bool
    directory: str
    history: RulesHistory
    tests: TestsSummary
    coverage_counts: dict[str, int]
    gaps: list[dict[str, Any]]


def rules_overview(ws: Workspace, who: Identity, *, gaps: int = 20) -> RulesOverview:
    """What the coordinator's rules page shows (the coverage's largest lead gaps first)."""
    from engine.coverage import coverage

    check_coordinator(who)
    net = ws.network
    choice = ws.rules_choice
    tests = run_tests(choice.directory, net.rules.version)
    cov = coverage(ws.compiled_rules)
    entries = []
    for network_id, name, found in cov.by_network():
        for entry in found:
            if entry.status == "gap":
                entries.append({"network": name, "network_id": network_id, **entry.to_dict()})
    entries.sort(key=lambda e: (e["role"] != "lead", -e["count"]))
    return RulesOverview(net.rules.version, choice.published, str(choice.directory), rules_history(ws, who), tests,
                         cov.counts(), entries[:gaps])  # fmt: skip


def _safe(name: str) -> str | None:
    """A member name as a relative POSIX path, or None for what an archive must not hold."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path.as_posix()


def read_archive(filename: str, data: bytes) -> dict[str, bytes]:
    """The files of an uploaded rules archive (.zip, .tar.gz, .tgz, .tar), limited in count and size;
    a single top folder (``rules/``) is removed so that ``territory.yaml`` is at the top."""
    if len(data) > ARCHIVE_MAX:
        raise InputError(
            problems=[Problem(filename, 0, 0, _("the archive is larger than {n} kB").format(n=ARCHIVE_MAX // 1024))]
        )
    files: dict[str, bytes] = {}
    total = 0

    def add(name: str, content: bytes) -> None:
        nonlocal total
        safe = _safe(name)
        if safe is None:
            raise InputError(
                problems=[Problem(filename, 0, 0, _("unsafe path in the archive: {name}").format(name=name))]
            )
        total += len(content)
        if len(files) >= MAX_FILES or total > MAX_BYTES:
            raise InputError(problems=[Problem(filename, 0, 0, _("too many or too large files for a rules set"))])
        files[safe] = content

    try:
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    if info.file_size > MAX_BYTES:
                        raise InputError(
                            problems=[Problem(filename, 0, 0, _("{name} is too large").format(name=info.filename))]
                        )
                    add(info.filename, archive.read(info))
        else:
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                for member in tar.getmembers():
                    if member.isdir():
                        continue
                    if not member.isfile():
                        raise InputError(
                            problems=[Problem(filename, 0, 0, _("{name} is not a plain file").format(name=member.name))]
                        )
                    if member.size > MAX_BYTES:
                        raise InputError(
                            problems=[Problem(filename, 0, 0, _("{name} is too large").format(name=member.name))]
                        )
                    extracted = tar.extractfile(member)
                    add(member.name, extracted.read() if extracted else b"")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError):
        raise InputError(
            problems=[
                Problem(filename, 0, 0, _("not a readable archive: send a .zip or .tar.gz of the rules directory"))
            ]
        ) from None
    files = {k: v for k, v in files.items() if not any(p.startswith(".") or p == "__MACOSX" for p in k.split("/"))}
    tops = {k.split("/", 1)[0] for k in files}
    if "territory.yaml" not in files and len(tops) == 1:
        top = tops.pop() + "/"
        files = {k.removeprefix(top): v for k, v in files.items() if k.startswith(top)}
    if "territory.yaml" not in files:
        raise InputError(
            problems=[
                Problem(filename, 0, 0, _("no territory.yaml at the top of the archive: is it a rules directory?"))
            ]
        )
    return files


def upload_candidate(ws: Workspace, who: Identity, filename: str, data: bytes) -> str:
    """Store an uploaded rules archive as a draft (checked; its tests run): its version."""
    check_coordinator(who)
    snapshot = from_files(read_archive(filename, data))
    message = _("candidate uploaded: {file}").format(file=filename)[:200]  # stored: said in the language of who sent it
    result = publish_rules(ws, who, message=message, draft=True, snapshot=snapshot)
    return result.version


@dataclass
class CandidateDiff:
    """A stored set replayed over the stored fiches against the rules in force."""

    version: str
    in_force: str | None
    tests: TestsSummary
    report: Any  # engine.replay.diff.ReplayReport


def candidate_diff(ws: Workspace, who: Identity, version: str) -> CandidateDiff:
    """Replay every stored fiche through the rules in force (or, with nothing published, the
    configured directory) and through the candidate ``version``."""
    from engine.app.published import replay_base, set_snapshot
    from engine.published.materialise import materialise
    from engine.replay import run_replay

    check_coordinator(who)
    snap = set_snapshot(ws, version)
    directory = materialise(snap)
    tests = run_tests(directory, snap.version)
    history = rules_history(ws, who)
    base = "published" if history.in_force is not None else str(ws.config.rules_dir)
    report = run_replay(base, directory, ["store"], None, db_url=ws.config.db,
                        resolve_base=lambda name: replay_base(ws, name))  # fmt: skip
    report.working = snap.version
    return CandidateDiff(snap.version, history.in_force.version if history.in_force else None, tests, report)
