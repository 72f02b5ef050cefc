"""Loading ``charter/commitments.yaml``: every problem at once, each as ``file:line:col: message``.

Pass 1 is pydantic (shapes, types, unknown fields with a did-you-mean); pass 2 checks what pydantic
cannot know from the shapes alone: the ids are the engine's own (a typo gets a did-you-mean), none is
missing, each one has the thresholds it needs and no threshold it would silently ignore, and stages
are real, open stages.  Both passes run on the same file so the coordinator sees everything in one go.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine import paths
from engine.charter.model import (
    ALERT_CHECKS,
    COMMITMENTS,
    AlertThreshold,
    Charter,
    Commitment,
    CommitmentsFile,
    frozen_mapping,
)
from engine.errors import CharterError, InputError, Problem
from engine.i18n import N_, _
from engine.vocabulary import ACTIVE_STAGES, CLOSED_STAGES, STAGES, noun, unknown
from engine.yamlsource import Document, read_document, validation_problems

FILE_NAME = "commitments.yaml"

#: What each kind of threshold means, for the "has no meaning" message.
_THRESHOLDS = ("days", "per_stage", "count")
#: Each threshold as the messages name it.
_THRESHOLD_WORDS = {
    "days": N_("'days: N' (a delay in days)"),
    "count": N_("'count: N'"),
    "per_stage": N_("'per_stage:' delays"),
}


def load_charter(charter_dir: Path | str | None = None) -> Charter:
    """Load and validate a charter directory (default: see :func:`engine.paths.charter_dir`).

    Raises :class:`CharterError` with every problem located in ``commitments.yaml``.
    """
    directory = paths.charter_dir(charter_dir)
    path = directory / FILE_NAME
    source = _display(path, directory)
    if not directory.is_dir():
        raise CharterError(
            problems=[Problem(str(directory), 0, 0, _("charter directory not found: give --charter DIR"))]
        )
    try:
        doc = read_document(path, source, aliases=True)
    except InputError as exc:
        raise CharterError(problems=exc.problems) from None
    return parse_charter(doc, directory)


def parse_charter(doc: Document, directory: Path) -> Charter:
    """Validate a parsed ``commitments.yaml`` and build the :class:`Charter`."""
    data = doc.data
    if not isinstance(data, dict):
        raise CharterError(
            problems=[Problem(doc.source, 1, 1, _("commitments.yaml must hold 'commitments:' and 'alerts:' mappings"))]
        )
    problems: list[Problem] = []
    spec: CommitmentsFile | None = None
    try:
        spec = CommitmentsFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(doc, exc, CommitmentsFile))
    problems.extend(_check_section(doc, data, "commitments", "commitment", COMMITMENTS))
    problems.extend(_check_section(doc, data, "alerts", "alert check", ALERT_CHECKS))
    if problems or spec is None:
        raise CharterError(problems=sorted(set(problems)))
    commitments = [
        Commitment(cid, c.title.strip(), c.days, frozen_mapping(c.per_stage)) for cid, c in spec.commitments.items()
    ]
    thresholds = {
        check: AlertThreshold(a.severity, a.days, frozen_mapping(a.per_stage), a.count)
        for check, a in spec.alerts.items()
    }
    years = spec.retention.personal_data_years if spec.retention else None
    return Charter(
        directory,
        doc.source,
        commitments,
        thresholds,
        years,
        reminder_days=tuple(spec.notify.reminders),
        agenda_days_before=spec.notify.agenda_days_before,
    )


def _check_section(
    doc: Document, data: dict[str, Any], section: str, what: str, known: dict[str, str]
) -> list[Problem]:
    """Pass 2 for one section: ids known and all present, thresholds as each id needs, stages open."""
    entries = data.get(section)
    if not isinstance(entries, dict):
        return []  # missing or not a mapping: pass 1 says so
    problems = []
    for key, entry in entries.items():
        if key not in known:
            problems.append(doc.problem((section, key), unknown(what, key, known), key=True))
            continue
        if not isinstance(entry, dict):
            continue
        problems.extend(_check_thresholds(doc, section, str(key), entry, what, known[key]))
    for key in known:
        if key not in entries:
            problems.append(
                doc.problem(
                    (section,),
                    _("missing {what} '{key}': add it under '{section}:' (see docs/charter.md)").format(
                        what=noun(what), key=key, section=section
                    ),
                    key=True,
                )
            )
    return problems


def _check_thresholds(
    doc: Document, section: str, key: str, entry: dict[str, Any], what: str, needs: str
) -> list[Problem]:
    problems = []
    given = [t for t in _THRESHOLDS if t in entry]
    allowed = {t for t in _THRESHOLDS if t in needs}
    for t in given:
        if t not in allowed:
            if needs:
                meaning = _("{what} '{key}' takes {words}").format(what=noun(what), key=key, words=_needs_words(needs))
            else:
                meaning = _("{what} '{key}' takes only a severity").format(what=noun(what), key=key)
            message = _("'{threshold}' has no meaning here ({meaning}): remove it").format(threshold=t, meaning=meaning)
            problems.append(doc.problem((section, key, t), message, key=True))
    if needs and not any(t in entry for t in allowed):
        message = _("{what} '{key}' needs {words}").format(what=noun(what), key=key, words=_needs_words(needs))
        problems.append(doc.problem((section, key), message, key=True))
    stages = entry.get("per_stage")
    if "per_stage" in allowed and isinstance(stages, dict):
        for stage in stages:
            if stage in CLOSED_STAGES:
                message = _("stage '{stage}' is closed: a closed fiche is never checked, remove it").format(stage=stage)
            elif stage not in ACTIVE_STAGES:
                message = unknown("stage", stage, STAGES)
            else:
                continue
            problems.append(doc.problem((section, key, "per_stage", stage), message, key=True))
    return problems


def _needs_words(needs: str) -> str:
    words = [_(_THRESHOLD_WORDS[n]) for n in needs.split(" or ")]
    said = words[0]
    for more in words[1:]:
        said = _("{one} or {other}").format(one=said, other=more)
    return said


def _display(path: Path, directory: Path) -> str:
    """The file as the coordinator knows it: relative to the charter directory's parent."""
    try:
        return str(path.relative_to(directory.parent))
    except ValueError:
        return str(path)
