"""Reading routing test files: every problem of every file located as ``file:line:col``, at once.

Three passes per file, so that a coordinator fixes everything in one round: the file's shape
(pydantic, unknown keys with a did-you-mean), then each case's fiche merged over the base and
validated as a real fiche against the network's territory, then the structure ids the
expectations name, which must exist in the rules under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import InputError, Problem
from engine.fiche import Fiche
from engine.i18n import N_, _
from engine.rulestest.model import Case, CaseFileSpec, Expectation
from engine.vocabulary import unknown
from engine.yamlsource import Document, plain_message, read_document, validation_problems

#: A case expects something of a need its fiche does not declare.
_UNDECLARED = N_("the case's fiche does not declare need '{need}': add it to 'needs'")


def default_case_files(rules_dir: Path) -> list[Path]:
    """The bundled cases of a rules directory: ``<rules dir>/tests/*.yaml``, sorted by name."""
    return sorted((rules_dir / "tests").glob("*.yaml"))


def load_cases(paths: Iterable[str | Path], fiche_context: dict[str, Any]) -> list[Case]:
    """Every case of every file, in file order; an :class:`InputError` listing all problems otherwise.

    ``fiche_context`` is the network's fiche validation context (territory and structure ids); the
    structure ids also check the expectations.
    """
    cases: list[Case] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            doc = read_document(path, aliases=True)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        found, bad = cases_from_document(doc, fiche_context)
        cases.extend(found)
        problems.extend(bad)
    if problems:
        raise InputError(problems=problems)
    return cases


def cases_from_document(doc: Document, fiche_context: dict[str, Any]) -> tuple[list[Case], list[Problem]]:
    """The cases of one parsed test file, with every problem found in it."""
    if not isinstance(doc.data, dict):
        return [], [Problem(doc.source, 1, 1, _("a routing test file must hold 'base:' (optional) and 'cases:'"))]
    problems: list[Problem] = []
    bad_cases: set[int] = set()
    try:
        spec = CaseFileSpec.model_validate(doc.data)
    except ValidationError as exc:
        problems = validation_problems(doc, exc, CaseFileSpec)
        locs = [tuple(e["loc"]) for e in exc.errors()]
        if not all(len(loc) > 1 and loc[0] == "cases" and isinstance(loc[1], int) for loc in locs):
            return [], problems  # the base or the file's shape is wrong: cases cannot be read over it
        bad_cases = {int(loc[1]) for loc in locs}
        good = [c for i, c in enumerate(doc.data["cases"]) if i not in bad_cases]
        spec = CaseFileSpec.model_validate({**doc.data, "cases": good})
    structures = fiche_context.get("structures")
    raw_cases = doc.data["cases"]
    indexes = [i for i in range(len(raw_cases)) if i not in bad_cases]
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for i, case in zip(indexes, spec.cases, strict=True):
        where = ("cases", i)
        if case.name in seen:
            problems.append(
                doc.problem(
                    (*where, "name"),
                    _("duplicate case name '{name}' (also case {number})").format(
                        name=case.name, number=seen[case.name] + 1
                    ),
                )
            )
        seen.setdefault(case.name, i)
        fiche, fiche_problems = _fiche_of(doc, spec.base, raw_cases[i].get("fiche") or {}, i, fiche_context)
        problems.extend(fiche_problems)
        if structures is not None:
            problems.extend(_unknown_structures(doc, case.expect, where, structures))
        orientations = fiche_context.get("orientations")
        if orientations is not None:
            for need, oid in case.expect.oriented_to.items():
                if oid not in orientations:
                    loc = (*where, "expect", "oriented_to", need)
                    what = unknown("structure outside the network (orientation.yaml)", oid, sorted(orientations))
                    problems.append(doc.problem(loc, what))
        if fiche is not None:
            problems.extend(_undeclared_needs(doc, case.expect, where, fiche))
            fiche._source = f"{doc.source}#{case.name}"
            line, _column = doc.locate(where)
            cases.append(Case(doc.source, line, case.name, fiche, Expectation.from_spec(case.expect)))
    return cases, sorted(set(problems))


def merge_fiche(base: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The case's fields written over the base; nested mappings (``porteur``) merge key by key."""
    merged = dict(base)
    for key, value in fields.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_fiche(merged[key], value)
        else:
            merged[key] = value
    return merged


def _fiche_of(
    doc: Document, base: dict[str, Any], fields: dict[str, Any], index: int, ctx: dict[str, Any]
) -> tuple[Fiche | None, list[Problem]]:
    """Validate one case's fiche; each problem is located where the faulty field was written."""
    try:
        return Fiche.model_validate(merge_fiche(base, fields), context=ctx), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if _has_path(fields, loc) or not _has_path(base, loc):
                full = ("cases", index, "fiche", *loc)  # a missing field: where the case's fiche starts
            else:
                full = ("base", *loc)
            message = plain_message(error, Fiche)
            if error["type"] == "missing":
                message = _("{problem} (write it in the case's fiche or in the file's base)").format(problem=message)
            problems.append(doc.problem(full, message, key=error["type"] == "extra_forbidden"))
        return None, problems


def _has_path(data: Any, loc: tuple[Any, ...]) -> bool:
    """True when ``loc`` (field names and list indexes) leads to a value written in ``data``."""
    if not loc:
        return False
    node = data
    for part in loc:
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_mapping or in_list):
            return False
        node = node[part]
    return True


def _unknown_structures(doc: Document, expect: Any, where: tuple[Any, ...], structures: Iterable[str]) -> list[Problem]:
    """Structure ids in the expectations that the rules under test do not define."""
    known = sorted(structures)
    known_set = set(known)
    problems = []
    for need, sid in expect.covered_by.items():
        if sid not in known_set:
            problems.append(doc.problem((*where, "expect", "covered_by", need), unknown("structure", sid, known)))
    if expect.lead is not None and expect.lead not in known_set:
        problems.append(doc.problem((*where, "expect", "lead"), unknown("structure", expect.lead, known)))
    for key in ("supporting_include", "supporting_exclude"):
        for j, sid in enumerate(getattr(expect, key)):
            if sid not in known_set:
                problems.append(doc.problem((*where, "expect", key, j), unknown("structure", sid, known)))
    return problems


def _undeclared_needs(doc: Document, expect: Any, where: tuple[Any, ...], fiche: Fiche) -> list[Problem]:
    """Expectations about a need the case's fiche does not declare (they could never be met)."""
    problems = []
    for j, need in enumerate(expect.uncovered_needs):
        if need not in fiche.needs:
            loc = (*where, "expect", "uncovered_needs", j)
            problems.append(
                doc.problem(
                    loc, _("the case's fiche does not declare need '{need}': add it to 'needs'").format(need=need)
                )
            )
    for need in expect.oriented_to:
        if need not in fiche.needs:
            loc = (*where, "expect", "oriented_to", need)
            problems.append(
                doc.problem(
                    loc,
                    _("the case's fiche does not declare need '{need}': add it to 'needs'").format(need=need),
                    key=True,
                )
            )
    for need in expect.covered_by:
        if need not in fiche.needs:
            loc = (*where, "expect", "covered_by", need)
            problems.append(
                doc.problem(
                    loc,
                    _("the case's fiche does not declare need '{need}': add it to 'needs'").format(need=need),
                    key=True,
                )
            )
    return problems
