"""Loading a rules directory: every file checked, every problem of every file reported at once.

Pass 1 reads each file with the fast C loader and validates its shape with the pydantic models of
:mod:`engine.rules.model`; pass 2 (:mod:`engine.rules.references`) checks what the files say about
each other (ids, communes, rules that can never apply or contradict).  The round-trip YAML tree is
parsed only for a file that has a problem to locate.  A validated rule set is cached under a key
made of every rules file's bytes (:mod:`engine.rules.cache`), so the coordinator edits a file and the
next call re-reads and re-validates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from engine.errors import EngineError, Problem, RulesError, excerpt
from engine.i18n import _, ngettext
from engine.rules.model import OrientationFile, RoutingPolicy, StructureSpec
from engine.rules.ruleset import RuleSet
from engine.rules.version import content_hash as content_hash  # re-exported: where callers look for it
from engine.rules.version import rules_version
from engine.territory import Territory, build_territory
from engine.vocabulary import NEEDS, unknown
from engine.yamlsource import Document, plain_message, read_document

if TYPE_CHECKING:
    from engine.rules.references import LoadedStructure

STRUCTURES = "structures"
ROUTING = "routing.yaml"
TERRITORY = "territory.yaml"
ORIENTATION = "orientation.yaml"


@dataclass
class CheckResult:
    """What ``rules check`` reports: ok or not, every problem, and counts of what was read."""

    ok: bool
    problems: list[Problem]
    summary: dict[str, Any]
    ruleset: RuleSet | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``rules check --format json``."""
        return {
            "ok": self.ok,
            "summary": self.summary,
            "problems": [
                {"file": p.source, "line": p.line, "column": p.column, "message": p.message, "text": str(p)}
                for p in self.problems
            ],
        }


def load_rules(rules_dir: Path) -> RuleSet:
    """The validated rules of a directory, or a :class:`RulesError` listing every problem found.

    A rule set that passed validation is cached by content (see :mod:`engine.rules.cache`); its
    directory and version are always those of this call.
    """
    from engine.rules import cache

    rules_dir = Path(rules_dir)
    cache_key = cache.key(rules_dir) if rules_dir.is_dir() else ""
    cached = cache.get(cache_key) if cache_key else None
    if cached is not None:
        cached.rules_dir = rules_dir
        cached.version = rules_version(rules_dir)
        return cached
    ruleset, problems, _ = _load(rules_dir)
    if problems:
        raise RulesError(problems=problems)
    assert ruleset is not None
    if cache_key:
        cache.put(cache_key, ruleset)
    return ruleset


def check_rules(rules_dir: Path) -> CheckResult:
    """Check a rules directory without raising: the problems and a summary of what was read."""
    ruleset, problems, counts = _load(Path(rules_dir))
    summary: dict[str, Any] = dict(counts)
    summary["problems"] = len(problems)
    summary["files_with_problems"] = len({p.source for p in problems})
    summary["version"] = ruleset.version if ruleset else None
    return CheckResult(not problems, problems, summary, ruleset)


def display_path(path: Path, rules_dir: Path) -> str:
    """A path as the coordinator knows it: relative to the rules directory's parent."""
    try:
        return str(path.relative_to(rules_dir.parent))
    except ValueError:
        return str(path)


# --- the passes ----------------------------------------------------------------------------------


def _load(rules_dir: Path) -> tuple[RuleSet | None, list[Problem], dict[str, int]]:
    """Read and check everything; returns the rule set (None when something is wrong)."""
    from engine.rules.references import check_references  # not needed when the cache answers

    counts = {"structures": 0, "active_structures": 0, "lead_structures": 0, "communes": 0,
              "local_networks": 0, "rules": 0}  # fmt: skip
    if not rules_dir.is_dir():
        missing = Problem(
            str(rules_dir), 0, 0, _("rules directory not found (give an existing directory with --rules)")
        )
        return None, [missing], counts
    problems: list[Problem] = []

    territory = _territory(rules_dir, problems)
    if territory is not None:
        counts["communes"] = len(territory.communes)
        counts["local_networks"] = len(territory.local_networks)

    structures, broken = _structures(rules_dir, problems)
    counts["structures"] = len(structures)
    counts["active_structures"] = sum(1 for s in structures if s.spec.active)
    counts["lead_structures"] = sum(1 for s in structures if s.spec.active and s.spec.can_lead)

    policy, policy_doc = _policy(rules_dir, problems)
    if policy is not None:
        counts["rules"] = len(policy.rules)

    orientation, orientation_doc = _orientation(rules_dir, problems)
    counts["orientations"] = len(orientation.orientations) if orientation else 0

    if territory is None or policy is None or policy_doc is None:
        return None, _sorted(problems), counts
    problems.extend(check_references(territory, structures, policy, policy_doc, broken))
    if orientation is not None and orientation_doc is not None:
        from engine.rules.references import orientation_problems

        member_ids = {s.spec.id for s in structures} | broken
        problems.extend(orientation_problems(territory, orientation, orientation_doc, member_ids))
    if problems:
        return None, _sorted(problems), counts
    by_id = {s.spec.id: s.spec for s in sorted(structures, key=lambda s: s.spec.id)}
    locations = {s.spec.id: (s.doc.source, _line_of(s.doc.text, r"^id:")) for s in structures}
    for rule in policy.rules:
        pattern = r"^\s*(-\s+)?id:\s*['\"]?" + re.escape(rule.id) + r"['\"]?\s*(#.*)?$"
        locations[rule.id] = (policy_doc.source, _line_of(policy_doc.text, pattern))
    orientations = list(orientation.orientations) if orientation else []
    if orientation_doc is not None:
        for entry in orientations:
            pattern = r"^\s*(-\s+)?id:\s*['\"]?" + re.escape(entry.id) + r"['\"]?\s*(#.*)?$"
            locations[f"orientation:{entry.id}"] = (orientation_doc.source, _line_of(orientation_doc.text, pattern))
    ruleset = RuleSet(rules_dir, territory, by_id, policy, rules_version(rules_dir), locations, orientations)
    return ruleset, [], counts


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems in file order then position, each once (the same problem may be found twice)."""
    return sorted(set(problems))


def _read(path: Path, rules_dir: Path, problems: list[Problem]) -> Document | None:
    """One parsed file, or None with its (located) syntax problem recorded."""
    try:
        return read_document(path, display_path(path, rules_dir), aliases=True)
    except EngineError as exc:
        problems.extend(exc.problems)
        return None


def _territory(rules_dir: Path, problems: list[Problem]) -> Territory | None:
    doc = _read(rules_dir / TERRITORY, rules_dir, problems)
    if doc is None:
        return None
    territory, found = build_territory(doc, rules_dir, rules_dir)
    problems.extend(found)
    return territory


def _structures(rules_dir: Path, problems: list[Problem]) -> tuple[list[LoadedStructure], set[str]]:
    """The structure files that pass pass 1, and the ids (file names) of those that do not."""
    from engine.rules.references import LoadedStructure

    folder = rules_dir / STRUCTURES
    shown = display_path(folder, rules_dir)
    if not folder.is_dir():
        problems.append(Problem(shown, 0, 0, _("folder not found: put one file per structure in it (<id>.yaml)")))
        return [], set()
    for odd in sorted(folder.glob("*.yml")):
        problems.append(
            Problem(display_path(odd, rules_dir), 0, 0, _("structure files end in .yaml: rename it, or it is ignored"))
        )
    files = sorted(folder.glob("*.yaml"))
    if not files:
        problems.append(Problem(shown, 0, 0, _("no structure file (<id>.yaml) in this folder")))
    loaded, broken = [], set()
    for path in files:
        doc = _read(path, rules_dir, problems)
        spec = None
        if doc is not None:
            expected = _("a structure file holds fields such as 'id:', 'name:', 'kind:'")
            spec = _validate(doc, StructureSpec, problems, expected)
        if spec is None:
            broken.add(path.stem)
        else:
            loaded.append(LoadedStructure(spec, doc, path.stem))  # type: ignore[arg-type]
    return loaded, broken


def _policy(rules_dir: Path, problems: list[Problem]) -> tuple[RoutingPolicy | None, Document | None]:
    doc = _read(rules_dir / ROUTING, rules_dir, problems)
    if doc is None:
        return None, None
    # An empty routing.yaml is refused (issue 14): a file emptied by mistake must not silently become
    # the default policy; 'rules: []' says on purpose that there is no explicit rule.
    policy = _validate(doc, RoutingPolicy, problems, _("routing.yaml holds fields such as 'fallback_lead:', 'rules:'"))
    return policy, doc


def _orientation(rules_dir: Path, problems: list[Problem]) -> tuple[OrientationFile | None, Document | None]:
    """``orientation.yaml``, optional: a network may list no structure outside it."""
    path = rules_dir / ORIENTATION
    if not path.exists():
        return None, None
    doc = _read(path, rules_dir, problems)
    if doc is None:
        return None, None
    if doc.data is None:
        doc.data = {}
    found = _validate(doc, OrientationFile, problems, _("orientation.yaml holds 'orientations:', a list of structures"))
    return found, doc


def _validate(doc: Document, model: type[BaseModel], problems: list[Problem], expected: str) -> Any:
    """Pass 1: the file's shape against its model; every error located and in plain words."""
    if not isinstance(doc.data, dict):
        message = _("file is empty: {expected}") if doc.data is None else _("file is not a list of fields: {expected}")
        problems.append(Problem(doc.source, 1, 1, message.format(expected=expected)))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(shape_problems(doc, exc, model))
        return None


def shape_problems(doc: Document, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Pydantic errors as located problems; a bad key of a mapping of needs is named as a need."""
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if loc and loc[-1] == "[key]":
            out.append(doc.problem(loc[:-1], unknown("need", error.get("input"), NEEDS), key=True))
            continue
        out.append(doc.problem(loc, _message(error, model), key=error["type"] == "extra_forbidden"))
    return out


def _message(error: Any, model: type[BaseModel]) -> str:
    """The plain message of one error; the two kinds the generic wording leaves technical are reworded."""
    named = [p for p in error["loc"] if isinstance(p, str)]
    name = named[-1] if named else "value"
    if error["type"] == "string_too_short":
        return ngettext(
            "'{name}' is too short: write at least {n} character",
            "'{name}' is too short: write at least {n} characters",
            error["ctx"]["min_length"],
        ).format(name=name, n=error["ctx"]["min_length"])
    if error["type"] == "string_pattern_mismatch" and name == "id":
        return _("id '{id}' must be lower-case letters, digits and hyphens, like 'cci-thiers'").format(
            id=excerpt(error["input"])
        )
    return plain_message(error, model)


def _line_of(text: str, pattern: str) -> int:
    """1-based line of the first line matching ``pattern`` (1 when none does): cheap locations."""
    regex = re.compile(pattern)
    for number, line in enumerate(text.splitlines(), 1):
        if regex.match(line):
            return number
    return 1
