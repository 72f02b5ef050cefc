"""Rules compiled once into indexes, so that one suggestion never scans every structure or rule.

:func:`compile_rules` turns a :class:`~engine.rules.ruleset.RuleSet` into a :class:`CompiledRules`:

* each structure becomes a :class:`CompiledStructure`: its territory resolved to a frozenset of
  communes (with its size, the *territorial specificity*), its competence filters as frozensets
  (``None`` = any), its lead and support abilities, and the words that explanations reuse;
* **by commune**: the active structures whose territory covers the commune;
* **by nature**: the structures able to lead for a nature (``lead.natures`` empty or containing it,
  and ``competence.natures`` empty or containing it);
* **by need**: the structures that serve a need as supporting structures;
* each coordinator rule becomes a :class:`CompiledRule` whose ``when`` is split into a territorial
  part (resolved to communes, indexed by commune) and the rest (checked against the fiche).

The intersections a suggestion needs — lead candidates of a commune for a nature, supporting
candidates of a commune for a need, rules that may fire in a commune — are computed on first use
and memoised, already sorted by the static part of the tie-break order.  The memo is invisible
from outside: the same fiche always gets the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.i18n import _, get_language, ngettext
from engine.territory import Territory, reduce_by_constructor
from engine.vocabulary import KINDS, NATURES, NEEDS, PUBLICS, STAGES

if TYPE_CHECKING:  # the rules' pydantic models: compiling needs them, routing with compiled rules does not
    from engine.rules.model import RoutingRule, StructureSpec, TerritorySpec
    from engine.rules.ruleset import RuleSet

#: Supporting structures of a need are ranked by these keys (lead ranking follows the policy).
SUPPORT_TIE_BREAK = ("rule_preference", "specificity", "id")


def _set(values: Iterable[str]) -> frozenset[str] | None:
    """A filter: ``None`` when the list is empty (any value passes)."""
    values = frozenset(values)
    return values or None


@dataclass(slots=True, eq=False)
class CompiledStructure:
    """One structure as routing sees it: sets to test against a fiche and words to explain it."""

    id: str
    name: str
    kind: str
    active: bool
    communes: frozenset[str]
    specificity: int  # number of communes covered: fewer = more specific
    territory_words: TerritoryWords  # "department 63 (Puy-de-Dôme)" in the language in force when shown
    kinds: frozenset[str] | None
    stages: frozenset[str] | None
    natures: frozenset[str] | None
    naf_prefixes: tuple[str, ...]
    requires_publics: frozenset[str] | None
    max_employees: int | None
    can_lead: bool
    lead_natures: frozenset[str] | None  # None = any nature
    priority: int
    support_needs: frozenset[str]
    support_naf: dict[str, tuple[str, ...]]
    capacity: int | None
    #: A need served only when the fiche also declares one of these needs.
    support_with: dict[str, frozenset[str]] = field(default_factory=dict)
    #: True when a filter other than the nature applies (kinds, stages, NAF, publics, headcount).
    filters: bool = False
    #: The static part of the policy's tie-break key (no rule preference, no caseload); set by compile_rules.
    rank: tuple = ()
    #: The needs served for any fiche the structure admits: no ``only_with_needs``, no NAF restriction.
    plain_needs: frozenset[str] = frozenset()

    def admits(self, fiche: Any) -> bool:
        """The competence filters other than the nature pass for this fiche."""
        if not self.filters:
            return True
        if self.kinds is not None and fiche.kind not in self.kinds:
            return False
        if self.stages is not None and fiche.stage not in self.stages:
            return False
        if self.naf_prefixes and not (fiche.naf and fiche.naf.startswith(self.naf_prefixes)):
            return False
        if self.requires_publics is not None and not any(p in self.requires_publics for p in fiche.publics):
            return False
        return self.max_employees is None or (fiche.employees or 0) <= self.max_employees

    def admits_nature(self, nature: str | None) -> bool:
        """The competence filter on the nature passes (a fiche with no nature passes no nature filter)."""
        return self.natures is None or nature in self.natures

    def serves(self, need: str, fiche: Any) -> bool:
        """Serves ``need`` for this fiche, NAF restrictions of that need included (competence aside)."""
        if need not in self.support_needs:
            return False
        if self.support_with and need in self.support_with and not self.support_with[need].intersection(fiche.needs):
            return False
        prefixes = self.support_naf.get(need)
        return prefixes is None or bool(fiche.naf and fiche.naf.startswith(prefixes))

    def leads_for(self, nature: str | None) -> bool:
        """Able to lead for this nature in the policy step 'nature'."""
        return self.can_lead and (self.lead_natures is None or nature in self.lead_natures)


@dataclass(slots=True, eq=False)
class CompiledCondition:
    """A rule's ``when``: the territorial part as communes (None = anywhere), the rest as sets."""

    communes: frozenset[str] | None
    kinds: frozenset[str] | None
    natures: frozenset[str] | None
    stages: frozenset[str] | None
    needs_any: frozenset[str] | None
    needs_all: frozenset[str]
    publics_any: frozenset[str] | None
    naf_prefixes: tuple[str, ...]
    employees_above: int | None
    employees_at_most: int | None

    def holds(self, fiche: Any, nature: str | None) -> bool:
        """Every non-territorial condition holds (the territorial one is checked by the index)."""
        if self.kinds is not None and fiche.kind not in self.kinds:
            return False
        if self.natures is not None and nature not in self.natures:
            return False
        if self.stages is not None and fiche.stage not in self.stages:
            return False
        needs = fiche.needs
        if self.needs_any is not None and not any(n in self.needs_any for n in needs):
            return False
        if self.needs_all and not self.needs_all.issubset(needs):
            return False
        if self.publics_any is not None and not any(p in self.publics_any for p in fiche.publics):
            return False
        if self.naf_prefixes and not (fiche.naf and fiche.naf.startswith(self.naf_prefixes)):
            return False
        employees = fiche.employees or 0
        if self.employees_above is not None and employees <= self.employees_above:
            return False
        return self.employees_at_most is None or employees <= self.employees_at_most


@dataclass(slots=True, eq=False)
class CompiledRule:
    """A coordinator rule ready to fire: its condition compiled, its citation written once."""

    order: int  # position in routing.yaml: earlier rules win between rules of the same action
    id: str
    why_as_written: str  # the rule's 'why', in the network's words (French)
    why_en: str | None  # its optional English ('why_en'), said instead with --lang en
    action: str
    structure: str
    role: str
    need: str | None
    when: CompiledCondition
    where: str  # "rules/routing.yaml:14", or "" when the rule was not read from a file

    @property
    def why(self) -> str:
        """The rule's ``why`` in the language in force: ``why_en`` in English when the file gives it, else
        the ``why`` as the network wrote it (routing pins the language, so this is one context read)."""
        if self.why_en is not None and get_language() == "en":
            return self.why_en
        return self.why_as_written

    @property
    def cite(self) -> str:
        """ "rule `no-adie-above-12k` (rules/routing.yaml:14)", in the language in force (the id keeps its
        backquotes: the replay finds the rules a reason cites by them)."""
        if self.where:
            return _("rule `{rule}` ({where})").format(rule=self.id, where=self.where)
        return _("rule `{rule}`").format(rule=self.id)


@dataclass(slots=True, eq=False)
class CompiledOrientation:
    """A structure outside the network, as routing names it next to an uncovered need."""

    id: str
    name: str
    kind: str
    communes: frozenset[str]
    needs: frozenset[str]
    natures: frozenset[str] | None
    kinds: frozenset[str] | None
    confirmed: str  # yes | partly | no
    note: str
    web: str | None
    cite: str  # "rules/orientation.yaml:12"

    def serves(self, need: str, commune: str, nature: str | None, kind: str | None) -> bool:
        """Answers this need for a porteur of this commune, nature and kind of project."""
        return (
            need in self.needs
            and commune in self.communes
            and (self.natures is None or nature in self.natures)
            and (self.kinds is None or kind in self.kinds)
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "name", "kind", "confirmed", "confirmed_label", "web", "note", "file"}``."""
        from engine.rules.model import CONFIRMED_LABELS

        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "confirmed": self.confirmed,
            "confirmed_label": CONFIRMED_LABELS[self.confirmed],
            "web": self.web,
            "note": self.note,
            "file": self.cite,
        }


#: Orientations are listed surest first: confirmed, then partly, then the gaps.
_CONFIRMED_ORDER = {"yes": 0, "partly": 1, "no": 2}


@dataclass(slots=True, eq=False)
class CompiledRules:
    """The rules a suggestion works from: structures, rules and the indexes over them."""

    version: str
    territory: Territory
    structures: dict[str, CompiledStructure]
    rules: tuple[CompiledRule, ...]
    lead_steps: tuple[str, ...]
    fallback_lead: tuple[str, ...]
    tie_break: tuple[str, ...]
    by_commune: dict[str, tuple[CompiledStructure, ...]]
    lead_by_nature: dict[str | None, frozenset[str]]
    support_by_need: dict[str, frozenset[str]]
    rules_anywhere: tuple[CompiledRule, ...]
    rules_by_commune: dict[str, tuple[CompiledRule, ...]]
    commune_words: dict[str, str]  # "63003 Ambert"
    orientations: tuple[CompiledOrientation, ...] = ()
    _lead_pools: dict[tuple[str, str | None], tuple[CompiledStructure, ...]] = field(default_factory=dict)
    _fallback_pools: dict[str, tuple[CompiledStructure, ...]] = field(default_factory=dict)
    _support_pools: dict[tuple[str, str], tuple[CompiledStructure, ...]] = field(default_factory=dict)
    _rules_at: dict[str, tuple[CompiledRule, ...]] = field(default_factory=dict)
    _orientations: dict[tuple[str, str, str | None, str | None], tuple[CompiledOrientation, ...]] = field(
        default_factory=dict
    )
    _support_plans: dict[tuple[str, str], tuple[tuple[CompiledStructure, ...], bool]] = field(default_factory=dict)
    #: Memo of :mod:`engine.routing.suggest`: per (commune, nature), what every fiche there shares.
    _places: dict[tuple[str, str | None], Any] = field(default_factory=dict)
    _step_pools: dict[tuple[str, str | None], dict[str, tuple[CompiledStructure, ...]]] = field(default_factory=dict)

    # --- keys ------------------------------------------------------------------------------------

    def lead_key(
        self, s: CompiledStructure, preferred: frozenset[str] | dict = frozenset(), caseload: Any = None
    ) -> tuple:
        """The tie-break key of a lead candidate, in the policy's order (smaller wins)."""
        parts: list[Any] = []
        for criterion in self.tie_break:
            if criterion == "rule_preference":
                parts.append(0 if s.id in preferred else 1)
            elif criterion == "priority":
                parts.append(-s.priority)
            elif criterion == "specificity":
                parts.append(s.specificity)
            elif criterion == "caseload":
                parts.append(caseload.get(s.id, 0) if caseload else 0)
            else:
                parts.append(s.id)
        if "id" not in self.tie_break:
            parts.append(s.id)  # ids are unique: the order is always total
        return tuple(parts)

    @staticmethod
    def support_key(s: CompiledStructure, preferred: frozenset[str] | dict = frozenset()) -> tuple:
        """The rank of a supporting candidate for a need: preferred, most specific, then id."""
        return (0 if s.id in preferred else 1, s.specificity, s.id)

    # --- memoised intersections of the indexes ---------------------------------------------------

    def lead_pool(self, commune: str, nature: str | None) -> tuple[CompiledStructure, ...]:
        """Structures of the commune able to lead for the nature, in static tie-break order."""
        key = (commune, nature)
        pool = self._lead_pools.get(key)
        if pool is None:
            able = self.lead_by_nature.get(nature, frozenset())
            pool = tuple(sorted((s for s in self.by_commune.get(commune, ()) if s.id in able), key=self.lead_key))
            self._lead_pools[key] = pool
        return pool

    def lead_pools(self, commune: str, nature: str | None) -> dict[str, tuple[CompiledStructure, ...]]:
        """Each lead step of the policy → its pool in the commune for the nature (shared: do not change it)."""
        key = (commune, nature)
        pools = self._step_pools.get(key)
        if pools is None:
            pools = {}
            for step in self.lead_steps:
                if step == "nature":
                    pools[step] = self.lead_pool(commune, nature)
                elif step == "fallback":
                    pools[step] = self.fallback_pool(commune)
            self._step_pools[key] = pools
        return pools

    def fallback_pool(self, commune: str) -> tuple[CompiledStructure, ...]:
        """The policy's fallback leads that cover the commune, in static tie-break order."""
        pool = self._fallback_pools.get(commune)
        if pool is None:
            fallback = set(self.fallback_lead)
            pool = tuple(sorted((s for s in self.by_commune.get(commune, ()) if s.id in fallback), key=self.lead_key))
            self._fallback_pools[commune] = pool
        return pool

    def support_pool(self, commune: str, need: str) -> tuple[CompiledStructure, ...]:
        """Structures of the commune serving the need, most specific first."""
        key = (commune, need)
        pool = self._support_pools.get(key)
        if pool is None:
            able = self.support_by_need.get(need, frozenset())
            pool = tuple(sorted((s for s in self.by_commune.get(commune, ()) if s.id in able), key=self.support_key))
            self._support_pools[key] = pool
        return pool

    def support_plan(self, commune: str, need: str) -> tuple[tuple[CompiledStructure, ...], bool]:
        """:meth:`support_pool`, and whether every structure of it serves the need for any fiche (no
        competence filter, no nature filter, the need without condition): then the first one is
        chosen unless a rule, a decline or the lead intervenes."""
        key = (commune, need)
        plan = self._support_plans.get(key)
        if plan is None:
            pool = self.support_pool(commune, need)
            plain = all(need in s.plain_needs and not s.filters and s.natures is None for s in pool)
            plan = self._support_plans[key] = (pool, plain)
        return plan

    def rules_at(self, commune: str) -> tuple[CompiledRule, ...]:
        """Rules whose territorial condition holds in the commune, in file order."""
        found = self._rules_at.get(commune)
        if found is None:
            local = self.rules_by_commune.get(commune, ())
            found = tuple(sorted((*self.rules_anywhere, *local), key=lambda r: r.order))
            self._rules_at[commune] = found
        return found

    def orientations_for(
        self, need: str, commune: str, nature: str | None, kind: str | None
    ) -> list[CompiledOrientation]:
        """The structures outside the network answering ``need`` there: confirmed first, most specific next."""
        key = (need, commune, nature, kind)
        known = self._orientations.get(key)
        if known is None:
            found = [o for o in self.orientations if o.serves(need, commune, nature, kind)]
            known = self._orientations[key] = tuple(
                sorted(found, key=lambda o: (_CONFIRMED_ORDER[o.confirmed], len(o.communes), o.id))
            )
        return list(known)

    def commune_text(self, commune: str) -> str:
        """'63003 Ambert' for a code of the territory, the code itself otherwise."""
        return self.commune_words.get(commune, commune)


# --- compiling -----------------------------------------------------------------------------------


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Compile a loaded rule set into the indexes suggestions use (see the module docstring)."""

    territory = ruleset.territory
    structures = {sid: compile_structure(spec, territory) for sid, spec in sorted(ruleset.structures.items())}
    by_commune: dict[str, list[CompiledStructure]] = {}
    for s in structures.values():
        if s.active:
            for code in s.communes:
                by_commune.setdefault(code, []).append(s)
    lead_by_nature: dict[str | None, frozenset[str]] = {}
    for nature in (*NATURES, None):
        lead_by_nature[nature] = frozenset(
            s.id for s in structures.values() if s.active and s.leads_for(nature) and s.admits_nature(nature)
        )
    support_by_need = {
        need: frozenset(s.id for s in structures.values() if s.active and need in s.support_needs) for need in NEEDS
    }
    rules = tuple(
        _compile_rule(i, rule, territory, ruleset.locations)
        for i, rule in enumerate(ruleset.policy.rules)
        if rule.structure in structures  # a rule naming no known structure cannot act (rules check reports it)
    )
    rules_by_commune: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        for code in rule.when.communes or ():
            rules_by_commune.setdefault(code, []).append(rule)
    policy = ruleset.policy
    tie_break = tuple(dict.fromkeys(policy.tie_break))
    compiled = CompiledRules(
        version=ruleset.version,
        territory=territory,
        structures=structures,
        rules=rules,
        lead_steps=tuple(dict.fromkeys(policy.lead_steps)),
        fallback_lead=tuple(sid for sid in policy.fallback_lead if sid in structures),
        tie_break=tie_break,
        by_commune={code: tuple(found) for code, found in by_commune.items()},
        lead_by_nature=lead_by_nature,
        support_by_need=support_by_need,
        rules_anywhere=tuple(r for r in rules if r.when.communes is None),
        rules_by_commune={code: tuple(found) for code, found in rules_by_commune.items()},
        commune_words={code: f"{c.insee} {c.name}" for code, c in territory.communes.items()},
        orientations=tuple(_compile_orientation(o, territory, ruleset.locations) for o in ruleset.orientations),
    )
    for s in structures.values():
        s.rank = compiled.lead_key(s)
    return compiled


def compile_structure(spec: StructureSpec, territory: Territory) -> CompiledStructure:
    """One structure file as sets and words."""
    from engine.rules.ruleset import resolve_territory

    communes = resolve_territory(spec.territory, territory)
    comp = spec.competence
    s = CompiledStructure(
        id=spec.id,
        name=spec.name,
        kind=spec.kind,
        active=spec.active,
        communes=communes,
        specificity=len(communes),
        territory_words=territory_words(spec.territory, territory),
        kinds=_set(comp.kinds),
        stages=_set(comp.stages),
        natures=_set(comp.natures),
        naf_prefixes=tuple(comp.naf_prefixes),
        requires_publics=_set(comp.requires_publics),
        max_employees=comp.max_employees,
        can_lead=spec.lead is not None,
        lead_natures=_set(spec.lead.natures) if spec.lead is not None else None,
        priority=spec.lead.priority if spec.lead is not None else 0,
        support_needs=frozenset(spec.support.needs),
        support_naf={need: tuple(p) for need, p in spec.support.naf_prefixes.items() if p},
        capacity=spec.capacity,
        support_with={need: frozenset(with_) for need, with_ in spec.support.only_with_needs.items() if with_},
    )
    s.filters = any((s.kinds, s.stages, s.naf_prefixes, s.requires_publics, s.max_employees is not None))
    s.plain_needs = frozenset(n for n in s.support_needs if n not in s.support_with and n not in s.support_naf)
    return s


def _compile_orientation(spec: Any, territory: Territory, locations: dict) -> CompiledOrientation:
    from engine.rules.ruleset import resolve_territory

    where = locations.get(f"orientation:{spec.id}")
    return CompiledOrientation(
        id=spec.id,
        name=spec.name,
        kind=spec.kind,
        communes=resolve_territory(spec.territory, territory),
        needs=frozenset(spec.needs),
        natures=_set(spec.natures),
        kinds=_set(spec.kinds),
        confirmed=spec.confirmed,
        note=spec.note,
        web=spec.web,
        cite=f"{where[0]}:{where[1]}" if where else "",
    )


def _compile_rule(order: int, rule: RoutingRule, territory: Territory, locations: dict) -> CompiledRule:
    from engine.rules.ruleset import condition_communes

    when = rule.when
    communes = condition_communes(when, territory)
    where = locations.get(rule.id)
    return CompiledRule(
        order=order,
        id=rule.id,
        why_as_written=rule.why,
        why_en=rule.why_en,
        action=rule.action,
        structure=rule.structure,
        role=rule.role,
        need=rule.need,
        when=CompiledCondition(
            communes=communes,
            kinds=_set(when.kinds),
            natures=_set(when.natures),
            stages=_set(when.stages),
            needs_any=_set(when.needs_any),
            needs_all=frozenset(when.needs_all),
            publics_any=_set(when.publics_any),
            naf_prefixes=tuple(when.naf_prefixes),
            employees_above=when.employees_above,
            employees_at_most=when.employees_at_most,
        ),
        where=f"{where[0]}:{where[1]}" if where else "",
    )


# --- words ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TerritoryWords:
    """A structure's territory as the coordinator wrote it, put into words when shown.

    Compiled once with the rules (which are cached per workspace and serve every request), so it
    holds the parts — which departments, local networks, intercommunal bodies and communes, and the
    exceptions — rather than a sentence: ``str()`` says them in the language in force at that moment
    (memoised per language), and one compiled rule set speaks French and English alike.
    """

    whole_network: bool
    #: (part, values shown, how many are shown before "and N more"); part is department, local network,
    #: intercommunal body or commune.
    included: tuple[tuple[str, tuple[str, ...], int], ...]
    excluded: tuple[tuple[str, tuple[str, ...], int], ...]
    #: The words already said, per language (a suggestion says them at each call: no re-hashing).
    said: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    __reduce__ = reduce_by_constructor

    def __str__(self) -> str:
        language = get_language()
        text = self.said.get(language)
        if text is None:
            text = self.said[language] = _territory_text(self, language)
        return text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _territory_text(words: TerritoryWords, language: str) -> str:
    """``words`` in ``language`` (the language in force, which keys the structure's memo)."""
    parts = [_("the whole network")] if words.whole_network else []
    parts += [_part(part, values, limit) for part, values, limit in words.included]
    text = _joined(parts) if parts else _("no commune")
    if words.excluded:
        excluded = _joined([_part(part, values, limit) for part, values, limit in words.excluded])
        text = _("{territory} except {excluded}").format(territory=text, excluded=excluded)
    return text


def _joined(parts: list[str]) -> str:
    text = parts[0]
    for more in parts[1:]:
        text = _("{territory} and {more}").format(territory=text, more=more)
    return text


def _part(part: str, values: tuple[str, ...], limit: int) -> str:
    """'departments 63 (Puy-de-Dôme), 42 (Loire)', 'communes A, B, C, D and 2 more'."""
    n = len(values)
    shown = ", ".join(values[:limit])
    if n > limit:
        shown = ngettext("{values} and {n} more", "{values} and {n} more", n - limit).format(values=shown, n=n - limit)
    if part == "department":
        return ngettext("department {values}", "departments {values}", n).format(values=shown)
    if part == "local network":
        return ngettext("local network {values}", "local networks {values}", n).format(values=shown)
    if part == "intercommunal body":
        return ngettext("intercommunal body {values}", "intercommunal bodies {values}", n).format(values=shown)
    return ngettext("commune {values}", "communes {values}", n).format(values=shown)


def territory_words(spec: TerritorySpec, territory: Territory) -> TerritoryWords:
    """A structure's territory as the coordinator wrote it: 'department 63 (Puy-de-Dôme)' once shown."""

    def department(code: str) -> str:
        return f"{code} ({territory.departments.get(code, '?')})"

    included: list[tuple[str, tuple[str, ...], int]] = []
    if spec.departments:
        included.append(("department", tuple(department(d) for d in spec.departments), 6))
    if spec.local_networks:
        included.append(("local network", tuple(spec.local_networks), 6))
    if spec.intercommunals:
        included.append(("intercommunal body", tuple(_body(b, territory) for b in spec.intercommunals), 6))
    if spec.communes:
        included.append(("commune", tuple(_commune(c, territory) for c in spec.communes), 4))
    excluded: list[tuple[str, tuple[str, ...], int]] = []
    for part, values, show in (
        ("commune", spec.except_communes, lambda v: _commune(v, territory)),
        ("intercommunal body", spec.except_intercommunals, lambda v: _body(v, territory)),
        ("department", getattr(spec, "except_departments", []), department),
        ("local network", getattr(spec, "except_local_networks", []), str),
    ):
        if values:
            excluded.append((part, tuple(show(v) for v in values), 4))
    return TerritoryWords(bool(spec.whole_network), tuple(included), tuple(excluded))


def _body(siren: str, territory: Territory) -> str:
    body = territory.intercommunals.get(siren)
    return f"{siren} ({body.name})" if body else siren


def _commune(code: str, territory: Territory) -> str:
    commune = territory.communes.get(code)
    return f"{code} {commune.name}" if commune else code


def label_of(kind: str, value: str | None) -> str:
    """'artisanal (artisanale)': a vocabulary value with its French label, for reasons."""
    table = {"kind": KINDS, "nature": NATURES, "need": NEEDS, "public": PUBLICS, "stage": STAGES}[kind]
    if value is None:
        return _("none")
    return f"'{value}' ({table.get(value, value)})"
