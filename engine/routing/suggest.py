"""Who leads and who supports a fiche, and why: :func:`suggest`, a pure function over compiled rules.

The semantics (also in ``docs/suggest.md``):

* A structure is **eligible** for a fiche when it is active, its territory covers the fiche's commune
  and its competence filters pass (kinds, stages, natures against the fiche's *effective* nature —
  an artisanal activity above ten employees is handled as commercial —, NAF prefixes, required
  publics, most employees).  A fiche without a NAF code or nature passes no nature or NAF filter; an
  unknown headcount counts as 0 (the common one-person project).
* The **lead** is taken from successive *phases*; the first phase with a candidate wins:
  1. structures **required** as lead by a coordinator rule that fired (eligible and able to lead;
     ``lead.natures`` does not restrict a required structure: the rule is the coordinator's word);
  2. the policy's ``lead_steps`` in order: ``nature`` — eligible structures whose ``lead.natures``
     is empty or contains the effective nature (a fiche with no nature: only structures that lead
     for any nature); ``fallback`` — the eligible ``fallback_lead`` structures.
  In every phase, a structure **excluded** by a rule or **at capacity** (caseload ≥ capacity; the
  caseload is unknown, so never reached, when none is given) is dropped, and the reasons say so.
  Candidates of a phase are ranked by the policy's ``tie_break`` (rule preference, lead priority,
  territorial specificity — fewer communes covered first —, caseload, then id).
  ``alternatives`` are the candidates that would lead next, in that order: remove the lead's
  structure and the first alternative leads.
* **Supporting** structures are chosen per declared need, never the lead (plus the needs a fired
  ``require`` support rule offers although the fiche does not declare them): a structure required
  for the need by a rule; else one preferred for it by a rule; else the lead itself when it serves
  the need (the need is then *covered by the lead*, said in the lead's reasons); else the most
  specific eligible structure serving the need (``support.needs``, with ``support.naf_prefixes``),
  then by id.  A rule of role support without ``need`` applies to every need.  A need nobody covers
  is an **uncovered need**.  A structure supporting several needs appears once, with all its needs.
* Structures that **declined** the fiche ("Pas pour nous", recorded in the store) are passed in
  ``declined``: one that declined to lead is dropped from every lead phase (the reasons say so),
  one that declined to support is never chosen as a supporting structure; the next one is.
* No lead → **orphan**.  ``alternatives`` then lists the structures that came closest (able to lead
  in the commune, but dropped) with why, and is empty when no structure able to lead covers the commune.

Reason strings are said in the language in force when :func:`suggest` runs (French by default,
English with ``--lang en``; ``docs/i18n.md``): the compiled rules hold no sentence, only the parts of
one (ids, labels, a structure's :class:`~engine.routing.compile.TerritoryWords`), so one compiled rule
set serves requests in both languages.  The fixed fragments are memoised per language, so that a
full suggestion still costs a few microseconds (``bench/bench_suggest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from engine.i18n import _, get_language, ngettext, pin, unpin
from engine.routing.compile import CompiledRule, CompiledRules, CompiledStructure, label_of
from engine.routing.eligibility import eligibility_problems
from engine.vocabulary import NEEDS

Caseload = Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Declined:
    """The structures that answered "Pas pour nous" for a fiche, per role, with the words to say so.

    ``lead`` and ``support`` map a structure id to a short reason (e.g. "declined to lead this fiche
    on 2026-03-04"); the porteur-facing free text of the answer is never part of it.
    """

    lead: Mapping[str, str] = field(default_factory=dict)
    support: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.lead) or bool(self.support)


@dataclass(slots=True)
class Choice:
    """A structure chosen (or passed over) for the lead, with its reasons."""

    structure: str
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        """``{"structure", "reasons"}``."""
        return {"structure": self.structure, "reasons": list(self.reasons)}


@dataclass(slots=True)
class Support:
    """A supporting structure: the needs it covers for this fiche and why."""

    structure: str
    needs: list[str]
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        """``{"structure", "needs", "reasons"}``."""
        return {"structure": self.structure, "needs": list(self.needs), "reasons": list(self.reasons)}


@dataclass(slots=True)
class Orientation:
    """Where to send the porteur for a need no member covers: structures outside the network."""

    need: str
    structures: list[Any]  # CompiledOrientation, surest first

    def to_dict(self) -> dict[str, Any]:
        """``{"need", "label", "structures": [{"id", "name", "kind", "confirmed", "confirmed_label", ...}]}``."""
        return {"need": self.need, "label": NEEDS[self.need], "structures": [o.to_dict() for o in self.structures]}


@dataclass(slots=True)
class Suggestion:
    """The suggestion for one fiche.  ``to_dict`` gives the documented JSON keys, in order."""

    fiche: str
    lead: Choice | None
    supporting: list[Support]
    uncovered_needs: list[str]
    alternatives: list[Choice]
    rules_version: str
    commune: str = field(default="", compare=False)
    nature: str | None = field(default=None, compare=False)
    #: Per uncovered need (in its order), the structures outside the network to orient the porteur to.
    orientations: list[Orientation] = field(default_factory=list)
    #: What the technician should confirm or know (as ``fiche check`` shows it).
    notes: list[str] = field(default_factory=list)
    #: The nature question the form asks when the NAF code leaves the nature uncertain (or None).
    nature_to_confirm: dict[str, str] | None = None

    @property
    def orphan(self) -> bool:
        """True when no structure can lead the fiche."""
        return self.lead is None

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "lead", "supporting", "uncovered_needs", "orientations", "alternatives", "orphan",
        "rules_version", "notes", "nature_to_confirm"}``."""
        return {
            "fiche": self.fiche,
            "lead": self.lead.to_dict() if self.lead else None,
            "supporting": [s.to_dict() for s in self.supporting],
            "uncovered_needs": list(self.uncovered_needs),
            "orientations": [o.to_dict() for o in self.orientations],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "orphan": self.orphan,
            "rules_version": self.rules_version,
            "notes": list(self.notes),
            "nature_to_confirm": dict(self.nature_to_confirm) if self.nature_to_confirm else None,
        }


# --- fragments, written once per language ---------------------------------------------------------


@lru_cache(maxsize=256)
def _nature_step(nature: str | None, language: str) -> str:
    if nature is None:
        return _("leads for any nature (the fiche has no nature: no NAF code and no 'nature:')")
    return _("competent to lead for nature {nature}").format(nature=label_of("nature", nature))


@lru_cache(maxsize=256)
def _fallback_step(nature: str | None, language: str) -> str:
    if nature is None:
        return _("fallback lead of the routing policy: the fiche has no nature and no structure leads for any")
    return _("fallback lead of the routing policy: no structure of the commune can lead for nature {nature}").format(
        nature=label_of("nature", nature)
    )


@lru_cache(maxsize=256)
def _need(need: str, language: str) -> str:
    """'need 'honour_loan' (prêt d'honneur)' in ``language`` (the language in force: the cache key)."""
    return _("need {need}").format(need=label_of("need", need))


@lru_cache(maxsize=256)
def _lead_covers(need: str, language: str) -> str:
    return _("also covers need {need} as lead").format(need=label_of("need", need))


# --- the pure function -------------------------------------------------------------------------------


def suggest(
    fiche: Any,
    rules: CompiledRules,
    caseload: Caseload | None = None,
    *,
    alternatives: int = 0,
    declined: Declined | None = None,
) -> Suggestion:
    """The lead, supporting structures, uncovered needs and ``alternatives`` next leads for a fiche.

    ``rules`` comes from :func:`engine.routing.compile_rules`; ``caseload`` maps a structure id to
    its active fiches as lead (from the store); ``declined``: the structures that declined the fiche.
    Pure: same fiche, rules, caseload and declines → same result.
    """
    commune = fiche.commune
    nature = fiche.effective_nature
    fired = [r for r in rules.rules_at(commune) if r.when.holds(fiche, nature)] if rules.rules else ()
    pools = {step: rules.lead_pool(commune, nature) for step in rules.lead_steps if step == "nature"}
    if "fallback" in rules.lead_steps:
        pools["fallback"] = rules.fallback_pool(commune)
    return decide(
        fiche, rules, commune, nature, fired, pools, rules.support_pool, caseload, alternatives, declined or _NOBODY
    )


_NOBODY = Declined()


@dataclass(slots=True)
class _Fired:
    """The rules that fired for a fiche, sorted by what they do."""

    lead_excluded: dict[str, CompiledRule] = field(default_factory=dict)
    lead_required: list[CompiledRule] = field(default_factory=list)
    lead_preferred: dict[str, CompiledRule] = field(default_factory=dict)
    support: list[CompiledRule] = field(default_factory=list)


def _sort_fired(fired: Sequence[CompiledRule]) -> _Fired:
    out = _Fired()
    for rule in fired:
        if rule.role == "support":
            out.support.append(rule)
        elif rule.action == "exclude":
            out.lead_excluded.setdefault(rule.structure, rule)
        elif rule.action == "require":
            out.lead_required.append(rule)
        else:
            out.lead_preferred.setdefault(rule.structure, rule)
    return out


_NO_RULES = _Fired()


def decide(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    fired: Sequence[CompiledRule],
    pools: Mapping[str, Sequence[CompiledStructure]],
    support_pool: Callable[[str, str], Sequence[CompiledStructure]],
    caseload: Caseload | None,
    alternatives: int,
    declined: Declined = _NOBODY,
) -> Suggestion:
    """Rank the candidates found (by the indexes, or by a scan) into a suggestion.

    ``pools`` maps each lead step to the structures of the commune able to lead in that step, in
    static tie-break order; ``support_pool(commune, need)`` gives those serving a need, most
    specific first.  Competence filters, rules and capacity are applied here.

    The language in force is pinned for the call (:func:`engine.i18n.pin`): each reason then finds
    it in the context variable instead of reading ``$CAPACTIF_LANG`` again, which cost more than the
    routing itself.
    """
    token = pin()
    try:
        return _decide(fiche, rules, commune, nature, fired, pools, support_pool, caseload, alternatives, declined)
    finally:
        unpin(token)


def _decide(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    fired: Sequence[CompiledRule],
    pools: Mapping[str, Sequence[CompiledStructure]],
    support_pool: Callable[[str, str], Sequence[CompiledStructure]],
    caseload: Caseload | None,
    alternatives: int,
    declined: Declined,
) -> Suggestion:
    f = _sort_fired(fired) if fired else _NO_RULES
    dynamic = bool(f.lead_preferred) or bool(caseload)
    dropped: list[str] = []
    phases: list[tuple[str, list[CompiledStructure]]] = []

    if f.lead_required:
        required = []
        for rule in f.lead_required:
            s = rules.structures[rule.structure]
            if s in required:
                continue
            if s.id in declined.lead:
                dropped.append(_required_but(rule, s.id, declined.lead[s.id]))
                continue
            problem = lead_obstacle(s, fiche, commune, nature, f.lead_excluded, caseload, rules, required=True)
            if problem is None:
                required.append(s)
            else:
                dropped.append(_required_but(rule, s.id, problem))
        if required:
            required.sort(key=lambda s: rules.lead_key(s, f.lead_preferred, caseload))
            phases.append(("required", required))

    cut = len(dropped) if phases else None  # drops after the lead's phase do not explain the lead
    for step in rules.lead_steps:
        pool = pools.get(step, ())
        found: list[CompiledStructure] = []
        for s in pool:
            if not s.admits(fiche) or (step == "fallback" and not s.admits_nature(nature)):
                continue
            if s.id in f.lead_excluded:
                rule = f.lead_excluded[s.id]
                dropped.append(
                    _("{structure}: excluded as lead by {rule}: {why}").format(
                        structure=s.id, rule=rule.cite, why=rule.why
                    )
                )
                continue
            if s.id in declined.lead:
                dropped.append(_named(s.id, declined.lead[s.id]))
                continue
            if s.capacity is not None and caseload and caseload.get(s.id, 0) >= s.capacity:
                dropped.append(_named(s.id, _at_capacity(s, caseload)))
                continue
            found.append(s)
        if found:
            if dynamic:
                found.sort(key=lambda s: rules.lead_key(s, f.lead_preferred, caseload))
            phases.append((step, found))
            if cut is None:
                cut = len(dropped)
            if not alternatives:
                break

    lead_choice: Choice | None = None
    lead: CompiledStructure | None = None
    alts: list[Choice] = []
    commune_text = rules.commune_words.get(commune, commune)
    if phases:
        phase, ranked = phases[0]
        lead = ranked[0]
        reasons = [
            _phase_reason(phase, lead, nature, f),
            _("covers commune {commune}: its territory is {territory}").format(
                commune=commune_text, territory=lead.territory_words
            ),
        ]
        if len(ranked) > 1:
            reasons.append(_beats(rules, lead, ranked[1], f, caseload, len(ranked)))
        nature_reasons = getattr(fiche, "nature_reasons", None)
        if nature_reasons:
            reasons.extend(nature_reasons())
        reasons.extend(dropped[:cut])
        lead_choice = Choice(lead.id, reasons)
        if alternatives:
            alts = _alternatives(rules, phases, lead, nature, f, caseload, alternatives)
    else:
        alts = [Choice(s.id, [why]) for s, why in near_misses(fiche, rules, commune, nature, f, caseload)]
        alts += [Choice(s, [why]) for s, why in declined.lead.items() if s not in {a.structure for a in alts}]

    supporting, uncovered = _supporting(
        fiche, rules, commune, nature, f, lead, lead_choice, support_pool, commune_text, declined.support
    )
    orientations = orientations_of(rules, uncovered, commune, nature, fiche.kind) if rules.orientations else []
    notices = getattr(fiche, "notices", None)
    to_confirm = getattr(fiche, "nature_to_confirm", None)
    return Suggestion(
        fiche.label(),
        lead_choice,
        supporting,
        uncovered,
        alts,
        rules.version,
        commune=commune,
        nature=nature,
        orientations=orientations,
        notes=notices() if notices else [],
        nature_to_confirm=to_confirm() if to_confirm else None,
    )


def orientations_of(
    rules: CompiledRules, needs: Sequence[str], commune: str, nature: str | None, kind: str | None
) -> list[Orientation]:
    """For each need (uncovered), the structures outside the network to orient the porteur to."""
    out = []
    for need in needs:
        found = rules.orientations_for(need, commune, nature, kind)
        if found:
            out.append(Orientation(need, found))
    return out


# --- lead ------------------------------------------------------------------------------------------


def lead_obstacle(
    s: CompiledStructure,
    fiche: Any,
    commune: str,
    nature: str | None,
    excluded: Mapping[str, CompiledRule],
    caseload: Caseload | None,
    rules: CompiledRules,
    *,
    required: bool = False,
) -> str | None:
    """Why ``s`` cannot lead this fiche, in words (``None`` when it can).

    A required structure only needs to be able to lead at all; otherwise it must lead for the
    nature or be a fallback lead.  The words need no subject: "does not cover commune …".
    """
    problems = eligibility_problems(s, fiche, rules)
    if problems:
        return problems[0]
    if s.id in excluded:
        return _("excluded as lead by {rule}: {why}").format(rule=excluded[s.id].cite, why=excluded[s.id].why)
    if not s.can_lead:
        if required or s.id not in rules.fallback_lead:
            return _("never leads (its file has no 'lead:' section)")
    elif not required and not s.leads_for(nature) and s.id not in rules.fallback_lead:
        return _does_not_lead(s, nature)
    if s.capacity is not None and caseload and caseload.get(s.id, 0) >= s.capacity:
        return _at_capacity(s, caseload)
    return None


def _does_not_lead(s: CompiledStructure, nature: str | None) -> str:
    leads = ", ".join(sorted(s.lead_natures or ()))
    return _("does not lead for nature {nature}: it leads for {natures}").format(
        nature=label_of("nature", nature), natures=leads
    )


def _at_capacity(s: CompiledStructure, caseload: Caseload) -> str:
    n = caseload.get(s.id, 0)
    return ngettext(
        "at capacity ({n} active fiche as lead, capacity {capacity})",
        "at capacity ({n} active fiches as lead, capacity {capacity})",
        n,
    ).format(n=n, capacity=s.capacity)


def _named(structure: str, why: str) -> str:
    """'cma-63: at capacity (…)': a reason about another structure than the one it explains."""
    return _("{structure}: {why}").format(structure=structure, why=why)


def _required_but(rule: CompiledRule, structure: str, problem: str) -> str:
    return _("{rule} requires {structure} as lead, but {structure}: {problem}").format(
        rule=rule.cite, structure=structure, problem=problem
    )


def _phase_reason(phase: str, s: CompiledStructure, nature: str | None, f: _Fired) -> str:
    if phase == "nature":
        return _nature_step(nature, get_language())
    if phase == "fallback":
        return _fallback_step(nature, get_language())
    rule = next(r for r in f.lead_required if r.structure == s.id)
    return _("required as lead by {rule}: {why}").format(rule=rule.cite, why=rule.why)


def _criterion(criterion: str) -> str:
    """A tie-break criterion's name, as the reasons say it."""
    names = {
        "rule_preference": _("rule preference"),
        "priority": _("lead priority"),
        "specificity": _("territorial specificity"),
        "caseload": _("caseload"),
    }
    return names.get(criterion, _("id"))


def _first_difference(
    rules: CompiledRules, a: CompiledStructure, b: CompiledStructure, f: _Fired, caseload: Any
) -> str:
    """The tie-break criterion that puts ``a`` before ``b``."""
    if f.lead_preferred or caseload:
        ka, kb = rules.lead_key(a, f.lead_preferred, caseload), rules.lead_key(b, f.lead_preferred, caseload)
    else:
        ka, kb = a.rank, b.rank
    criteria = (*rules.tie_break, "id") if "id" not in rules.tie_break else rules.tie_break
    for criterion, x, y in zip(criteria, ka, kb, strict=False):
        if x != y:
            return criterion
    return "id"  # pragma: no cover - ids are unique


def _criterion_words(criterion: str, a: CompiledStructure, b: CompiledStructure, f: _Fired, caseload: Any) -> str:
    """Why ``a`` ranks before ``b`` by ``criterion``, in words."""
    if criterion == "rule_preference":
        rule = f.lead_preferred[a.id]
        return _("preferred by {rule}: {why}").format(rule=rule.cite, why=rule.why)
    if criterion == "priority":
        return _("higher lead priority ({priority} against {other} for {structure})").format(
            priority=a.priority, other=b.priority, structure=b.id
        )
    if criterion == "specificity":
        return _("more specific territory ({n} communes against {other} for {structure})").format(
            n=a.specificity, other=b.specificity, structure=b.id
        )
    if criterion == "caseload":
        return _("fewer active fiches as lead ({n} against {other} for {structure})").format(
            n=caseload.get(a.id, 0), other=caseload.get(b.id, 0), structure=b.id
        )
    return _("tied with {structure} on every other criterion: first by id").format(structure=b.id)


def _beats(
    rules: CompiledRules, lead: CompiledStructure, runner: CompiledStructure, f: _Fired, caseload: Any, n: int
) -> str:
    criterion = _first_difference(rules, lead, runner, f, caseload)
    return _("first of {n} candidates by {criterion}: {why}").format(
        n=n, criterion=_criterion(criterion), why=_criterion_words(criterion, lead, runner, f, caseload)
    )


def _alternatives(
    rules: CompiledRules,
    phases: list[tuple[str, list[CompiledStructure]]],
    lead: CompiledStructure,
    nature: str | None,
    f: _Fired,
    caseload: Any,
    limit: int,
) -> list[Choice]:
    """The next leads in order, each with why it lost to the lead."""
    out: list[Choice] = []
    seen = {lead.id}
    lead_phase = phases[0][0]
    for phase, ranked in phases:
        for s in ranked:
            if s.id in seen:
                continue
            seen.add(s.id)
            if phase == lead_phase:
                criterion = _first_difference(rules, lead, s, f, caseload)
                lost = _("ranked after {lead} by {criterion}: {why}").format(
                    lead=lead.id, criterion=_criterion(criterion), why=_criterion_words(criterion, lead, s, f, caseload)
                )
            elif lead_phase == "required":
                lost = _("{lead} is required as lead by a rule").format(lead=lead.id)
            else:
                lost = _("the {step} step is used only when the {lead_step} step finds no structure; it found {lead}")
                lost = lost.format(step=phase, lead_step=lead_phase, lead=lead.id)
            if phase == "fallback":
                why = _(
                    "fallback lead of the routing policy "
                    "(leads when no structure of the commune can lead for the nature)"
                )
            else:
                why = _phase_reason(phase, s, nature, f)
            out.append(Choice(s.id, [why, lost]))
            if len(out) >= limit:
                return out
    return out


def near_misses(
    fiche: Any, rules: CompiledRules, commune: str, nature: str | None, f: Any, caseload: Caseload | None
) -> list[tuple[CompiledStructure, str]]:
    """For an orphan: the structures of the commune that could have led, and why each did not."""
    excluded = f.lead_excluded if f is not None else {}
    out = []
    for s in rules.by_commune.get(commune, ()):
        if not (s.can_lead or s.id in rules.fallback_lead):
            continue
        why = lead_obstacle(s, fiche, commune, nature, excluded, caseload, rules)
        if why is not None:
            out.append((s, why))
    return out


# --- supporting --------------------------------------------------------------------------------------


def _supporting(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    f: _Fired,
    lead: CompiledStructure | None,
    lead_choice: Choice | None,
    support_pool: Callable[[str, str], Sequence[CompiledStructure]],
    commune_text: str,
    declined: Mapping[str, str] = {},
) -> tuple[list[Support], list[str]]:
    chosen: dict[str, Support] = {}
    uncovered: list[str] = []
    for need in fiche.needs:
        rules_for_need = [r for r in f.support if r.need is None or r.need == need] if f.support else ()
        picked, why = None, ""
        if rules_for_need:
            picked, why = _by_rule(fiche, rules, commune, nature, need, rules_for_need, lead, declined)
        if (
            picked is None
            and lead is not None
            and lead_choice is not None
            and _lead_serves(lead, need, fiche, rules_for_need)
        ):
            lead_choice.reasons.append(_lead_covers(need, get_language()))
            continue
        if picked is None:
            excluded = {r.structure for r in rules_for_need if r.action == "exclude"} if rules_for_need else ()
            found = [
                s
                for s in support_pool(commune, need)
                if s is not lead
                and s.id not in excluded
                and s.id not in declined
                and s.serves(need, fiche)
                and s.admits(fiche)
                and s.admits_nature(nature)
            ]
            if found:
                picked = found[0]
                if len(found) > 1:
                    why = _(
                        "{need}: serves it in {commune} (its territory is {territory}), "
                        "most specific of {n} structures ({specificity} communes)"
                    ).format(
                        need=_need(need, get_language()),
                        commune=commune_text,
                        territory=picked.territory_words,
                        n=len(found),
                        specificity=picked.specificity,
                    )
                else:
                    why = _("{need}: serves it in {commune} (its territory is {territory})").format(
                        need=_need(need, get_language()), commune=commune_text, territory=picked.territory_words
                    )
        if picked is None:
            uncovered.append(need)
            continue
        _add_support(chosen, picked, need, why)
    for need, rule_group in _offered_needs(fiche, f):
        picked, why = _by_rule(fiche, rules, commune, nature, need, rule_group, lead, declined)
        if picked is not None:
            offered = _("offered although the fiche does not declare it: {why}").format(why=why)
            _add_support(chosen, picked, need, offered)
    return list(chosen.values()), uncovered


def _add_support(chosen: dict[str, Support], picked: CompiledStructure, need: str, why: str) -> None:
    """Record that ``picked`` supports ``need``; a structure appears once, with all its needs."""
    entry = chosen.get(picked.id)
    if entry is None:
        chosen[picked.id] = Support(picked.id, [need], [why])
    else:
        entry.needs.append(need)
        entry.reasons.append(why)


def _offered_needs(fiche: Any, f: _Fired) -> list[tuple[str, list[CompiledRule]]]:
    """Needs a fired ``require`` support rule names although the fiche does not declare them.

    The coordinator's rule is the network's word that the porteur is offered that help (e.g. ADIE's
    microcredit to a porteur the bank turned down); an offered need nobody can take is not reported
    as uncovered, since the porteur did not ask for it.
    """
    offered: dict[str, list[CompiledRule]] = {}
    for rule in f.support:
        if rule.action == "require" and rule.need is not None and rule.need not in fiche.needs:
            offered.setdefault(rule.need, [r for r in f.support if r.need in (None, rule.need)])
    return list(offered.items())


def _lead_serves(lead: CompiledStructure, need: str, fiche: Any, rules_for_need: Sequence[CompiledRule]) -> bool:
    if not lead.serves(need, fiche) or not lead.admits_nature(fiche.effective_nature):
        return False
    return not any(r.action == "exclude" and r.structure == lead.id for r in rules_for_need)


def _by_rule(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    need: str,
    fired: Sequence[CompiledRule],
    lead: CompiledStructure | None,
    declined: Mapping[str, str] = {},
) -> tuple[CompiledStructure | None, str]:
    """A structure required, else preferred, for the need by a rule that fired (eligible, not the lead,
    and it did not decline to support the fiche)."""
    excluded = {r.structure for r in fired if r.action == "exclude"} | set(declined)
    for action in ("require", "prefer"):
        for rule in fired:
            if rule.action != action or rule.structure in excluded:
                continue
            s = rules.structures[rule.structure]
            if s is lead or eligibility_problems(s, fiche, rules):
                continue
            if (rule.need is None or action == "prefer") and not s.serves(need, fiche):
                continue
            if action == "require":
                acted = _("{need}: required by {rule}: {why}")
            else:
                acted = _("{need}: preferred by {rule}: {why}")
            return s, acted.format(need=_need(need, get_language()), rule=rule.cite, why=rule.why)
    return None, ""


def lead_competence_problem(fiche: Any, rules: CompiledRules, sid: str) -> str | None:
    """Why the rules say ``sid`` is not competent to lead this fiche (its commune, its nature, its
    competence filters), in words; None when it is.

    A fallback lead is competent only where no structure of the commune leads for the nature (the
    policy's fallback step).  Capacity and the coordinator's exclusion rules are not competence:
    they are the alerts' business.  ``fiche assign`` refuses such a lead unless forced with a reason.
    """
    s = rules.structures.get(sid)
    if s is None:
        return None  # an unknown id is reported by the caller
    problems = eligibility_problems(s, fiche, rules)
    if problems:
        return problems[0]
    nature = fiche.effective_nature
    if s.leads_for(nature):
        return None
    if sid in rules.fallback_lead:
        here = [x for x in rules.lead_pool(fiche.commune, nature) if x.admits(fiche) and x.admits_nature(nature)]
        if not here:
            return None
        return _(
            "leads only as fallback where no structure of the commune leads for nature {nature}; here {structure} does"
        ).format(nature=label_of("nature", nature), structure=here[0].id)
    if not s.can_lead:
        return _("never leads (its file has no 'lead:' section)")
    return _does_not_lead(s, nature)


def orientation_words(orientation: Orientation | None) -> str:
    """'orient to Initiative Loire (à confirmer en partie), …', or that no structure is known."""
    from engine.rules.model import CONFIRMED_LABELS

    if orientation is None or not orientation.structures:
        return _("no structure known outside the network either (orientation.yaml): ask the coordinator")
    named = [
        o.name if o.confirmed == "yes" else f"{o.name} ({CONFIRMED_LABELS[o.confirmed]})"
        for o in orientation.structures
    ]
    return _("orient to {structures}").format(structures="; ".join(named))
