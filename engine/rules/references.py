"""Pass 2 of validation: what the rules files say about each other and about the territory.

Pass 1 (the pydantic models) knows each file alone.  Here: ids that name nothing (structures,
communes, intercommunal bodies, local networks, departments, NAF prefixes), a file whose name is not
its id, duplicate ids, a structure covering no commune, and the coordinator's routing rules that can
never apply (their ``when`` matches no possible fiche, or the structure they name is not competent
there) or that contradict one another.  Every problem is located in its file.

A rule's reach is reasoned about as a :class:`Space` of fiches (kinds, natures, stages, communes,
NAF prefixes, headcount): a rule never applies when its space is empty, two rules conflict when
their spaces meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine import activities
from engine.errors import Problem
from engine.i18n import N_, _, ngettext
from engine.rules.model import Condition, OrientationFile, RoutingPolicy, RoutingRule, StructureSpec
from engine.rules.ruleset import condition_communes, resolve_territory
from engine.territory import Territory
from engine.vocabulary import did_you_mean, unknown
from engine.yamlsource import Document


@dataclass
class LoadedStructure:
    """A structure file that passed pass 1: its spec, its document (to locate problems), its file stem."""

    spec: StructureSpec
    doc: Document
    stem: str


def check_references(
    territory: Territory,
    structures: list[LoadedStructure],
    policy: RoutingPolicy,
    policy_doc: Document,
    broken: set[str] | frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every cross-file problem of a rules directory, located.

    ``broken`` holds the ids (file names) of structure files that failed pass 1: they were reported
    there, so a reference to them is not reported again as unknown.
    """
    problems: list[Problem] = []
    by_id: dict[str, LoadedStructure] = {}
    for loaded in structures:
        problems.extend(_structure_problems(loaded, territory))
        sid = loaded.spec.id
        if sid in by_id:
            problems.append(
                loaded.doc.problem(
                    ("id",),
                    _("duplicate structure id '{id}': also the id in {file}").format(
                        id=sid, file=by_id[sid].doc.source
                    ),
                )
            )
        else:
            by_id[sid] = loaded
    problems.extend(_PolicyCheck(territory, by_id, policy, policy_doc, broken).run())
    return problems


def orientation_problems(
    territory: Territory, orientation: OrientationFile, doc: Document, member_ids: set[str]
) -> list[Problem]:
    """``orientation.yaml``: unknown places, duplicate ids, an id that is a member's, no commune covered."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(orientation.orientations):
        base = ("orientations", i)
        if entry.id in seen:
            problems.append(
                doc.problem(
                    (*base, "id"),
                    _("duplicate orientation id '{id}': also entry {n}").format(id=entry.id, n=seen[entry.id] + 1),
                )
            )
        seen.setdefault(entry.id, i)
        if entry.id in member_ids:
            problems.append(
                doc.problem(
                    (*base, "id"),
                    _(
                        "'{id}' is a member of the network (structures/{id}.yaml): orientation lists "
                        "structures outside the network only; give it another id or remove it"
                    ).format(id=entry.id),
                )
            )
        found = place_problems(doc, (*base, "territory"), entry.territory, territory)
        problems.extend(found)
        if not found and not resolve_territory(entry.territory, territory):
            problems.append(
                doc.problem(
                    (*base, "territory"), _("covers no commune of the territory: name its departments or communes")
                )
            )
    return problems


# --- references to the territory -----------------------------------------------------------------


def place_problems(doc: Document, base: tuple[Any, ...], spec: Any, territory: Territory) -> list[Problem]:
    """Unknown departments, local networks, intercommunal bodies and communes under ``base``."""
    problems = []
    known_sirens = sorted(territory.intercommunals)
    for name in ("departments", "except_departments"):
        for j, value in enumerate(getattr(spec, name, [])):
            if value not in territory.departments:
                message = unknown("department", value, sorted(territory.departments))
                problems.append(doc.problem((*base, name, j), message))
    for name in ("local_networks", "except_local_networks"):
        for j, value in enumerate(getattr(spec, name, [])):
            if value not in territory.local_networks:
                message = unknown("local network", value, sorted(territory.local_networks))
                problems.append(doc.problem((*base, name, j), message))
    for name in ("intercommunals", "except_intercommunals"):
        for j, value in enumerate(getattr(spec, name, [])):
            if value not in territory.intercommunals:
                hint = did_you_mean(value, known_sirens) or _(
                    " (write the SIREN number of a body listed in the communes file, e.g. 246300974)"
                )
                message = _("unknown intercommunal body '{value}'{hint}").format(value=value, hint=hint)
                problems.append(doc.problem((*base, name, j), message))
    for name in ("communes", "except_communes"):
        for j, value in enumerate(getattr(spec, name, [])):
            if value not in territory.communes:
                problems.append(doc.problem((*base, name, j), _unknown_commune(value, territory)))
    return problems


def _unknown_commune(value: str, territory: Territory) -> str:
    try:
        commune = territory.resolve(value)
    except ValueError as exc:
        return str(exc)
    return _("write communes by INSEE code: '{insee}' for {name}").format(insee=commune.insee, name=commune.name)


def naf_problems(doc: Document, loc: tuple[Any, ...], prefixes: list[str]) -> list[Problem]:
    """NAF prefixes that start no code of the nomenclature."""
    problems = []
    for j, prefix in enumerate(prefixes):
        if not naf_codes(prefix):
            problems.append(
                doc.problem(
                    (*loc, j),
                    _(
                        "unknown NAF prefix '{prefix}': write a NAF rév. 2 code or its beginning, "
                        "as in '10.71C', '10.7' or '43'"
                    ).format(prefix=prefix),
                )
            )
    return problems


def naf_codes(prefix: str) -> list[str]:
    """The NAF sub-classes starting with ``prefix`` (none for a prefix that is not one)."""
    return [code for code in activities.nomenclature() if code.startswith(str(prefix))] if prefix else []


def _structure_problems(loaded: LoadedStructure, territory: Territory) -> list[Problem]:
    spec, doc = loaded.spec, loaded.doc
    problems = []
    if spec.id != loaded.stem:
        problems.append(
            doc.problem(
                ("id",),
                _("id '{id}' differs from the file name '{stem}.yaml': rename the file or change the id").format(
                    id=spec.id, stem=loaded.stem
                ),
            )
        )
    for j, net in enumerate(spec.local_networks):
        if net not in territory.local_networks:
            message = unknown("local network", net, sorted(territory.local_networks))
            problems.append(doc.problem(("local_networks", j), message))
    problems.extend(place_problems(doc, ("territory",), spec.territory, territory))
    problems.extend(naf_problems(doc, ("competence", "naf_prefixes"), spec.competence.naf_prefixes))
    for need, prefixes in spec.support.naf_prefixes.items():
        problems.extend(naf_problems(doc, ("support", "naf_prefixes", need), prefixes))
        if need not in spec.support.needs:
            problems.append(
                doc.problem(
                    ("support", "naf_prefixes", need),
                    _("need '{need}' has NAF prefixes but is not in 'needs': add it to support.needs").format(
                        need=need
                    ),
                    key=True,
                )
            )
    for need in spec.support.only_with_needs:
        if need not in spec.support.needs:
            problems.append(
                doc.problem(
                    ("support", "only_with_needs", need),
                    _(
                        "need '{need}' is limited by only_with_needs but is not in 'needs': add it to support.needs"
                    ).format(need=need),
                    key=True,
                )
            )
    if spec.lead and spec.competence.natures:
        for j, nature in enumerate(spec.lead.natures):
            if nature not in spec.competence.natures:
                problems.append(
                    doc.problem(
                        ("lead", "natures", j),
                        _("leads nature '{nature}' but competence.natures does not include it").format(nature=nature),
                    )
                )
    if not spec.active or problems:
        return problems
    if not resolve_territory(spec.territory, territory):
        if spec.can_lead:
            message = _("structure '{id}' can lead but covers no commune: its territory is empty")
        else:
            message = _("structure '{id}' covers no commune: its territory is empty")
        problems.append(doc.problem(("territory",), message.format(id=spec.id), key=True))
    if not spec.can_lead and not spec.support.needs:
        problems.append(
            doc.problem(
                ("id",),
                _("structure '{id}' neither leads nor supports a need: add 'lead:' or 'support:'").format(id=spec.id),
            )
        )
    return problems


# --- the space of fiches a rule reaches ----------------------------------------------------------

NATURE_NAMES = ("agricultural", "artisanal", "commercial", "liberal")


@dataclass(frozen=True)
class Space:
    """The fiches a condition (or a structure's competence) reaches; None means 'any'."""

    kinds: frozenset[str] | None = None
    natures: frozenset[str] | None = None  # the effective nature (artisanal above 10 employees → commercial)
    stages: frozenset[str] | None = None
    communes: frozenset[str] | None = None
    naf: tuple[str, ...] | None = None
    above: int | None = None  # employees > above
    at_most: int | None = None  # employees <= at_most

    def meet(self, other: Space) -> Space:
        """The fiches in both spaces."""
        return Space(
            _meet_set(self.kinds, other.kinds),
            _meet_set(self.natures, other.natures),
            _meet_set(self.stages, other.stages),
            _meet_set(self.communes, other.communes),
            _meet_naf(self.naf, other.naf),
            _max_opt(self.above, other.above),
            _min_opt(self.at_most, other.at_most),
        )

    def possible_natures(self) -> frozenset[str]:
        """The effective natures a fiche of this space can have, given its NAF prefixes and headcount."""
        base: set[str] = set(NATURE_NAMES)
        if self.naf is not None:
            base = {activities.nature_of(code).nature for prefix in self.naf for code in naf_codes(prefix)}
            base.add("agricultural")  # a farmer's related activity, an equestrian centre: any code (L311-1)
        limit = activities.ARTISAN_MAX_EMPLOYEES
        out = set(base)
        if "artisanal" in base:
            # a registered artisan stays artisanal up to the droit de suite's limit (loi 96-603 art. 19)
            if self.above is not None and self.above >= activities.ARTISAN_REGISTERED_MAX_EMPLOYEES:
                out.discard("artisanal")
            if self.at_most is None or self.at_most > limit:
                out.add("commercial")
        return frozenset(out)

    def empty_dimension(self) -> str | None:
        """Why no fiche is in this space ('place', 'kind', 'stage', 'naf', 'employees', 'nature'), or None."""
        for name, value in (("place", self.communes), ("kind", self.kinds), ("stage", self.stages)):
            if value is not None and not value:
                return name
        if self.naf is not None and not self.naf:
            return "naf"
        if self.above is not None and self.at_most is not None and self.above >= self.at_most:
            return "employees"
        if self.natures is not None and not (self.natures & self.possible_natures()):
            return "nature"
        return None


def _meet_set(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    return a if b is None else a & b


def _meet_naf(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if a is None:
        return b
    if b is None:
        return a
    both = {max(p, q, key=len) for p in a for q in b if p.startswith(q) or q.startswith(p)}
    return tuple(sorted(both))


def _max_opt(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _min_opt(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _opt(values: Sequence[str]) -> frozenset[str] | None:
    return frozenset(values) if values else None


def condition_space(cond: Condition, territory: Territory) -> Space:
    """The fiches a ``when`` condition matches."""
    communes = condition_communes(cond, territory)
    return Space(
        _opt(cond.kinds),
        _opt(cond.natures),
        _opt(cond.stages),
        communes,
        tuple(cond.naf_prefixes) if cond.naf_prefixes else None,
        cond.employees_above,
        cond.employees_at_most,
    )


def structure_space(spec: StructureSpec, territory: Territory, role: str, need: str | None) -> Space:
    """The fiches a structure can take in a role (its territory and competence filters)."""
    comp = spec.competence
    natures = _opt(comp.natures)
    if role == "lead" and spec.lead and spec.lead.natures:
        natures = _meet_set(natures, frozenset(spec.lead.natures))
    naf = tuple(comp.naf_prefixes) if comp.naf_prefixes else None
    if role == "support" and need in spec.support.naf_prefixes:
        naf = _meet_naf(naf, tuple(spec.support.naf_prefixes[need]))  # type: ignore[index]
    return Space(
        _opt(comp.kinds),
        natures,
        _opt(comp.stages),
        resolve_territory(spec.territory, territory),
        naf,
        None,
        comp.max_employees,
    )


def place_words(cond: Condition, territory: Territory) -> str:
    """'department 63 and local network brioude': the places a condition names, in words."""
    parts = []
    if cond.departments:
        parts.append(
            _plural(ngettext("department {names}", "departments {names}", len(cond.departments)), cond.departments)
        )
    if cond.local_networks:
        nets = cond.local_networks
        parts.append(_plural(ngettext("local network {names}", "local networks {names}", len(nets)), nets))
    if cond.intercommunals:
        bodies = territory.intercommunals
        names = [f"{s} ({bodies[s].name})" for s in cond.intercommunals if s in bodies]
        parts.append(_plural(ngettext("intercommunal body {names}", "intercommunal bodies {names}", len(names)), names))
    if cond.communes:
        communes = [str(territory.communes[c]) for c in cond.communes if c in territory.communes]
        parts.append(_plural(ngettext("commune {names}", "communes {names}", len(communes)), communes))
    if not parts:
        return _("the territory")
    words = parts[0]
    for part in parts[1:]:
        words = _("{places} and in {more}").format(places=words, more=part)
    return words


def _plural(words: str, values: list[str]) -> str:
    """The places named: ``words`` is the translated (singular or plural) phrase with ``{names}``."""
    return words.format(names=", ".join(values))


def _list(values: Any) -> str:
    return ", ".join(sorted(values))


# --- the routing policy --------------------------------------------------------------------------

#: What the rule says of the structure, as the contradiction's sentence needs it.
CONFLICTS = {
    "require": N_(
        "requires '{structure}' as {role} {where}, and a fiche can match both: "
        "make the conditions exclusive or remove one"
    ),
    "prefer": N_(
        "prefers '{structure}' as {role} {where}, and a fiche can match both: "
        "make the conditions exclusive or remove one"
    ),
    "exclude": N_(
        "excludes '{structure}' as {role} {where}, and a fiche can match both: "
        "make the conditions exclusive or remove one"
    ),
}
#: What the other rule says of the same structure ("where the other excludes it").
OTHER_SAYS = {
    "require": N_("where the other requires it"),
    "prefer": N_("where the other prefers it"),
    "exclude": N_("where the other excludes it"),
}


class _PolicyCheck:
    """The checks of routing.yaml, with what they need at hand."""

    def __init__(
        self,
        territory: Territory,
        by_id: dict[str, LoadedStructure],
        policy: RoutingPolicy,
        doc: Document,
        broken: set[str] | frozenset[str],
    ) -> None:
        self.broken = broken
        self.territory = territory
        self.by_id = by_id
        self.policy = policy
        self.doc = doc
        self.problems: list[Problem] = []

    def run(self) -> list[Problem]:
        self._fallback()
        seen: dict[str, int] = {}
        sound: list[tuple[int, RoutingRule]] = []
        for i, rule in enumerate(self.policy.rules):
            if rule.id in seen:
                line = self.doc.locate(("rules", seen[rule.id], "id"))[0]
                message = _("duplicate rule id '{id}': also the id of the rule at line {line}")
                self._add(("rules", i, "id"), message.format(id=rule.id, line=line))
            seen.setdefault(rule.id, i)
            if self._rule_ok(i, rule):
                sound.append((i, rule))
        self._contradictions(sound)
        return self.problems

    def _add(self, loc: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(self.doc.problem(loc, message, key=key))

    def _fallback(self) -> None:
        for j, sid in enumerate(self.policy.fallback_lead):
            loc = ("fallback_lead", j)
            if sid in self.broken:
                continue
            if sid not in self.by_id:
                self._add(loc, unknown("structure", sid, sorted(self.by_id)))
            elif not self.by_id[sid].spec.can_lead:
                self._add(loc, _("structure '{id}' cannot lead: its file has no 'lead:' section").format(id=sid))
            elif not self.by_id[sid].spec.active:
                self._add(loc, _("structure '{id}' is not active (active: false in its file)").format(id=sid))

    def _rule_ok(self, i: int, rule: RoutingRule) -> bool:
        """Check one rule alone; False when it has a problem (then it takes no part in contradictions)."""
        before = len(self.problems)
        base = ("rules", i)
        when = rule.when
        self.problems.extend(place_problems(self.doc, (*base, "when"), when, self.territory))
        self.problems.extend(naf_problems(self.doc, (*base, "when", "naf_prefixes"), when.naf_prefixes))
        if rule.structure in self.broken:
            return False
        if rule.structure not in self.by_id:
            self._add((*base, "structure"), unknown("structure", rule.structure, sorted(self.by_id)))
        if rule.role == "lead" and rule.need is not None:
            self._add(
                (*base, "need"), _("'need' is only for role support: remove it or write 'role: support'"), key=True
            )
        if len(self.problems) > before:
            return False
        space = condition_space(when, self.territory)
        reason = self._never(i, space, when)
        if reason:
            self._add(*reason)
            return False
        reason = self._structure_cannot(i, rule, space)
        if reason:
            self._add(*reason)
            return False
        return True

    def _never(self, i: int, space: Space, when: Condition) -> tuple[tuple[Any, ...], str] | None:
        """Why a condition alone matches no possible fiche (location, message), or None."""
        dim = space.empty_dimension()
        if dim is None:
            return None
        base = ("rules", i, "when")
        if dim == "place":
            return base, _("rule can never apply: no commune is in {places}").format(
                places=place_words(when, self.territory)
            )
        if dim == "employees":
            return (*base, "employees_above"), _(
                "rule can never apply: employees_above ({above}) must be less than employees_at_most ({most})"
            ).format(above=when.employees_above, most=when.employees_at_most)
        limit = activities.ARTISAN_REGISTERED_MAX_EMPLOYEES
        if when.naf_prefixes:
            natures = _list(space.possible_natures())
            return (*base, "naf_prefixes"), _(
                "rule can never apply: no activity with NAF prefix {prefixes} is of nature {natures} "
                "(they are {possible})"
            ).format(prefixes=", ".join(when.naf_prefixes), natures=_list(when.natures), possible=natures)
        return (*base, "natures"), _(
            "rule can never apply: an artisanal firm above {limit} employees is handled as commercial, even a "
            "registered one (droit de suite, loi 96-603 art. 19), so nature artisanal never goes with "
            "employees_above {above}"
        ).format(limit=limit, above=when.employees_above)

    def _structure_cannot(self, i: int, rule: RoutingRule, space: Space) -> tuple[tuple[Any, ...], str] | None:
        """Why the rule's structure can never take part where the rule applies (location, message), or None."""
        spec = self.by_id[rule.structure].spec
        loc = ("rules", i, "structure")
        sid = spec.id
        if not spec.active:
            return loc, _("rule can never apply: structure '{id}' is not active (active: false in its file)").format(
                id=sid
            )
        if rule.role == "lead" and not spec.can_lead:
            return loc, _(
                "rule can never apply: structure '{id}' never leads (its file has no 'lead:' section)"
            ).format(id=sid)
        if rule.role == "support":
            if rule.need is not None and rule.need not in spec.support.needs:
                supported = _list(spec.support.needs) or _("no need")
                return ("rules", i, "need"), _(
                    "rule can never apply: structure '{id}' does not support need '{need}' (it supports: {supported})"
                ).format(id=sid, need=rule.need, supported=supported)
            if rule.need is None and not spec.support.needs:
                return loc, _(
                    "rule can never apply: structure '{id}' supports no need (its file has no 'support: needs:')"
                ).format(id=sid)
        own = structure_space(spec, self.territory, rule.role, rule.need)
        dim = space.meet(own).empty_dimension()
        if dim is None:
            return None
        comp = spec.competence
        if dim == "place":
            message = _("rule can never apply: structure '{id}' covers no commune of {places}")
        elif dim == "kind":
            message = _("rule can never apply: structure '{id}' handles only projects of kind {kinds}")
        elif dim == "stage":
            message = _("rule can never apply: structure '{id}' works only at stage {stages}")
        elif dim == "naf":
            message = _("rule can never apply: structure '{id}' works only for NAF prefixes {prefixes}")
        elif dim == "employees":
            message = _("rule can never apply: structure '{id}' works only up to {n} employees")
        elif rule.role == "lead":
            message = _("rule can never apply: structure '{id}' leads only for nature {natures}")
        else:
            message = _("rule can never apply: structure '{id}' works only for nature {natures}")
        return loc, message.format(
            id=sid,
            places=place_words(rule.when, self.territory) if dim == "place" else "",
            kinds=_list(comp.kinds),
            stages=_list(comp.stages),
            prefixes=_list(own.naf or ()),
            n=comp.max_employees,
            natures=_list(own.natures or ()),
        )

    def _contradictions(self, rules: list[tuple[int, RoutingRule]]) -> None:
        for a_pos, (i, first) in enumerate(rules):
            for j, second in rules[a_pos + 1 :]:
                message = self._conflict(first, second)
                if message:
                    line = self.doc.locate(("rules", i))[0]
                    self._add(
                        ("rules", j, "action"),
                        _("rule '{id}' contradicts rule '{other}' (line {line}): {why}").format(
                            id=second.id, other=first.id, line=line, why=message
                        ),
                    )

    def _reach(self, rule: RoutingRule) -> Space:
        spec = self.by_id[rule.structure].spec
        own = structure_space(spec, self.territory, rule.role, rule.need)
        return condition_space(rule.when, self.territory).meet(own)

    def _conflict(self, first: RoutingRule, second: RoutingRule) -> str | None:
        """Why two rules cannot both be followed for some fiche, or None."""
        both = self._reach(first).meet(self._reach(second))
        if both.empty_dimension() is not None:
            return None
        same_target = first.structure == second.structure and first.role == second.role
        same_need = first.need is None or second.need is None or first.need == second.need
        excludes = {first.action, second.action} in ({"exclude", "require"}, {"exclude", "prefer"})
        if same_target and same_need and excludes:
            return _(CONFLICTS[second.action]).format(
                structure=second.structure, role=second.role, where=_(OTHER_SAYS[first.action])
            )
        both_require_lead = first.role == second.role == "lead" and first.action == second.action == "require"
        if both_require_lead and first.structure != second.structure:
            return _(
                "requires '{structure}' as lead where the other requires '{other}', "
                "and a fiche has only one lead: make the conditions exclusive or remove one"
            ).format(structure=second.structure, other=first.structure)
        return None
