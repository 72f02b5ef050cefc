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
set serves requests in both languages.  A suggestion keeps its reasons as parts and says them on
first read (:mod:`engine.routing.reasons`), so that a full suggestion costs a few microseconds
whether or not its reasons are read (``bench/bench_suggest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from engine.i18n import _, get_language
from engine.routing.compile import CompiledRule, CompiledRules, CompiledStructure, label_of
from engine.routing.eligibility import eligibility_problems, eligible
from engine.routing.reasons import (
    Choice,
    Said,
    Support,
    add_support,
    beats_words,
    by_rule_words,
    capacity_words,
    covers_words,
    excluded_lead_words,
    fallback_alternative_words,
    later_step_words,
    lead_covers_words,
    named_capacity_words,
    named_words,
    offered_words,
    phase_words,
    ranked_after_words,
    required_but_words,
    required_lead_words,
    serves_words,
)
from engine.vocabulary import NEEDS

__all__ = ["Caseload", "Choice", "Declined", "Orientation", "Suggestion", "Support", "decide", "suggest"]

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
    place = rules._places.get((commune, nature))
    if place is None:
        place = _place(rules, commune, nature)
    fired: Sequence[CompiledRule] = ()
    if place.rules:
        needs = fiche.needs
        fired = [r for r, need in place.rules if (need is None or need in needs) and r.when.holds(fiche, nature)]
    if fired or alternatives or declined or place.lead is None or (caseload and not place.caseload_free):
        return _decide(
            fiche,
            rules,
            commune,
            nature,
            fired,
            place.pools,
            rules.support_plan,
            caseload,
            alternatives,
            declined or _NOBODY,
            get_language(),
        )
    # Nothing but the fiche's own facts is involved: the lead of the commune and nature, then the needs.
    language = get_language()
    lead = place.lead
    facts = getattr(fiche, "routing_facts", None)
    if facts is not None:
        nature_reasons, notes, to_confirm = facts(language)
    else:
        nature_reasons, notes, to_confirm = _facts(fiche)
    said = [*place.said, *nature_reasons] if nature_reasons else [*place.said]
    lead_choice = Choice(lead.id, said, language)
    supporting: list[Support] = []
    uncovered: list[str] = []
    needs = fiche.needs
    if needs:
        chosen: dict[str, Support] = {}
        plans = place.needs
        for need in needs:
            plan = plans.get(need)
            if plan is None:
                plan = _need_plan(rules, place, commune, nature, need)
            cover, check, pool, why = plan
            if cover is not None and (not check or lead.serves(need, fiche)):
                said.append(cover)
                continue
            if why is None:  # the pool depends on the fiche (or is empty): usually one structure, no list
                n = 0
                for s in pool:
                    if (need in s.plain_needs or s.serves(need, fiche)) and (not s.filters or s.admits(fiche)):
                        if not n:
                            picked = s
                        n += 1
                if not n:
                    uncovered.append(need)
                    continue
                why = (serves_words, need, place.commune_text, picked.territory_words, n, picked.specificity)
            else:
                picked = pool[0]
            entry = chosen.get(picked.id)
            if entry is None:
                chosen[picked.id] = Support(picked.id, [need], [why], language)
            else:
                entry.needs.append(need)
                entry._said.append(why)
        supporting = list(chosen.values())
    return Suggestion(
        fiche.label(),
        lead_choice,
        supporting,
        uncovered,
        [],
        rules.version,
        commune,
        nature,
        orientations_of(rules, uncovered, commune, nature, fiche.kind) if uncovered and rules.orientations else [],
        notes,
        to_confirm,
    )


def has_lead(fiche: Any, rules: CompiledRules) -> bool:
    """Whether :func:`suggest` names a lead for the fiche without caseloads or declines (``suggest(fiche,
    rules).lead is not None``), deciding only that: no supporting structures, reasons or near misses.

    Why: ``capactif alerts`` asks it of every active fiche without a référent (``no_competent_structure``:
    30,000 fiches at 200,000) and needs the whole suggestion only for the alerts it shows.  The same steps
    as :func:`suggest` and :func:`_lead`: the place's lead when no rule fires, else a structure required by
    a fired rule that may lead the fiche, else the first candidate of a lead step that the competence
    filters, the fallback's natures and the rules' exclusions leave (tests/test_alerts_shortcuts.py).
    """
    commune = fiche.commune
    nature = fiche.effective_nature
    place = rules._places.get((commune, nature))
    if place is None:
        place = _place(rules, commune, nature)
    fired: Sequence[CompiledRule] = ()
    if place.rules:
        needs = fiche.needs
        fired = [r for r, need in place.rules if (need is None or need in needs) and r.when.holds(fiche, nature)]
    if not fired and place.lead is not None:
        return True
    f = _sort_fired(fired) if fired else _NO_RULES
    excluded = f.lead_excluded
    for rule in f.lead_required:
        s = rules.structures[rule.structure]
        if lead_obstacle(s, fiche, commune, nature, excluded, None, rules, required=True) is None:
            return True
    for step in rules.lead_steps:
        for s in place.pools.get(step, ()):
            if (s.filters and not s.admits(fiche)) or (
                step == "fallback" and s.natures is not None and nature not in s.natures
            ):
                continue
            if s.id not in excluded:
                return True
    return False


#: The rules that may act at a place, each with the need a fiche must declare for it to act (or None).
_Acting = tuple[tuple[CompiledRule, str | None], ...]


@dataclass(slots=True)
class _Place:
    """What every fiche of a commune and nature shares: the rules that may fire there, the lead pools
    of the policy's steps, and the lead when nothing else than the fiche's competence is involved."""

    #: The rules that may act here, in file order, each with the need the fiche must declare for it to
    #: act (see :func:`_acting_rules`).
    rules: _Acting
    pools: dict[str, tuple[CompiledStructure, ...]]
    commune_text: str
    #: The lead of every fiche here without fired rules, caseload, declines or alternatives; None when
    #: it depends on the fiche (a candidate of the deciding step has competence filters) or there is none.
    lead: CompiledStructure | None
    #: Its first reasons (phase, territory, tie-break).
    said: tuple[Said, ...]
    #: Whether the caseloads change nothing here: no candidate has a capacity, and each candidate of
    #: the deciding step ranks before the next by a criterion that comes before the caseload.
    caseload_free: bool = False
    #: Per need, what the fast path decides for it here (:func:`_need_plan`), filled on first use.
    needs: dict[str, _NeedPlan] = field(default_factory=dict)


#: What :func:`suggest`'s fast path does with one need at a place: ``(cover, check, pool, why)``.  ``cover``
#: is the lead's reason "also covers need … as lead" when the lead may cover the need (None otherwise),
#: ``check`` whether that depends on the fiche (the need's NAF or ``only_with_needs`` conditions);
#: ``pool`` the other structures that may serve it, in rank order, the lead and those of other natures
#: left out; ``why`` the reason of ``pool[0]`` when every one of them serves the need whatever the
#: fiche (then it is chosen, and the reason is the same for every fiche here), else None.
_NeedPlan = tuple[Any, bool, tuple[CompiledStructure, ...], Any]


def _need_plan(rules: CompiledRules, place: _Place, commune: str, nature: str | None, need: str) -> _NeedPlan:
    """Compute and memoise the :data:`_NeedPlan` of ``need`` at ``place`` (whose lead does not depend on the
    fiche): the same checks as the general path's, those that depend only on the place made once."""
    lead = place.lead
    assert lead is not None
    cover: Any = None
    check = False
    if need in lead.support_needs and (lead.natures is None or nature in lead.natures):
        cover = (lead_covers_words, need)
        check = need not in lead.plain_needs
    pool, _plain = rules.support_plan(commune, need)
    pool = tuple(s for s in pool if s is not lead and (s.natures is None or nature in s.natures))
    why = None
    if pool and all(need in s.plain_needs and not s.filters for s in pool):
        first = pool[0]
        why = (serves_words, need, place.commune_text, first.territory_words, len(pool), first.specificity)
    plan = place.needs[need] = (cover, check, pool, why)
    return plan


def _place(rules: CompiledRules, commune: str, nature: str | None) -> _Place:
    """Compute and memoise :class:`_Place` (the same steps as :func:`_lead` with nothing dropped: the first
    step with a candidate wins, and without competence filters its candidates do not depend on the fiche)."""
    pools = rules.lead_pools(commune, nature)
    commune_text = rules.commune_words.get(commune, commune)
    lead: CompiledStructure | None = None
    said: list[Said] = []
    caseload_free = False
    for step in rules.lead_steps:
        found = [s for s in pools.get(step, ()) if step != "fallback" or s.natures is None or nature in s.natures]
        if any(s.filters for s in found):
            break
        if found:
            lead = found[0]
            said = [(phase_words, step, nature, None), (covers_words, commune_text, lead.territory_words)]
            if len(found) > 1:
                said.append((beats_words, len(found), *_first_difference(rules, lead, found[1], _NO_RULES, None)))
            caseload_free = all(s.capacity is None for pool in pools.values() for s in pool) and all(
                _before_caseload(rules, a, b) for a, b in pairwise(found)
            )
            break
    place = _Place(_acting_rules(rules, commune, nature), pools, commune_text, lead, tuple(said), caseload_free)
    rules._places[(commune, nature)] = place
    return place


def _acting_rules(rules: CompiledRules, commune: str, nature: str | None) -> _Acting:
    """The rules of a commune that can act on a fiche of this (effective) nature, each with the need the
    fiche must declare for the rule to act, or None.

    A rule whose ``when`` names other natures never fires here.  A support rule that excludes or prefers
    a structure for one need acts only on that need: when the fiche does not declare it, the rule changes
    nothing of the suggestion (not the lead, not another need), so it is not even checked — unless a
    ``require`` support rule of the place names the same need, which may offer it to the porteur
    although the fiche does not declare it (:func:`_offered_needs`): then it is checked as any rule.
    """
    if not rules.rules:
        return ()
    here = [r for r in rules.rules_at(commune) if r.when.natures is None or nature in r.when.natures]
    may_offer = {r.need for r in here if r.role == "support" and r.action == "require" and r.need is not None}
    out = []
    for rule in here:
        acts_alone = rule.role == "support" and rule.action != "require" and rule.need not in may_offer
        out.append((rule, rule.need if acts_alone else None))
    return tuple(out)


def _serving(
    pool: Sequence[CompiledStructure], need: str, fiche: Any, lead: CompiledStructure | None, nature: str | None
) -> list[CompiledStructure]:
    """The structures of a support pool, the lead aside, that serve ``need`` for this fiche and its nature."""
    return [
        s
        for s in pool
        if s is not lead
        and (need in s.plain_needs or s.serves(need, fiche))
        and (not s.filters or s.admits(fiche))
        and (s.natures is None or nature in s.natures)
    ]


def _before_caseload(rules: CompiledRules, a: CompiledStructure, b: CompiledStructure) -> bool:
    """``a`` ranks before ``b`` by a tie-break criterion that comes before the caseload (or there is no
    caseload criterion): their order and the words for it are then the same whatever the caseloads."""
    if "caseload" not in rules.tie_break:
        return True
    criterion = _first_difference(rules, a, b, _NO_RULES, None)[0]
    criteria = list(rules.tie_break)
    return criterion in criteria and criteria.index(criterion) < criteria.index("caseload")


def _facts(fiche: Any) -> tuple[list[str], list[str], dict[str, str] | None]:
    """``(nature reasons, notices, nature to confirm)`` of a fiche-like object without ``routing_facts``."""
    nature_reasons = getattr(fiche, "nature_reasons", None)
    notices = getattr(fiche, "notices", None)
    to_confirm = getattr(fiche, "nature_to_confirm", None)
    return (
        nature_reasons() if nature_reasons is not None else [],
        notices() if notices is not None else [],
        to_confirm() if to_confirm is not None else None,
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

    The language in force is read once: the reasons are said in it when read
    (:mod:`engine.routing.reasons`).
    """
    plan = _plan_of(support_pool)
    return _decide(fiche, rules, commune, nature, fired, pools, plan, caseload, alternatives, declined, get_language())


def _plan_of(
    support_pool: Callable[[str, str], Sequence[CompiledStructure]],
) -> Callable[[str, str], tuple[Sequence[CompiledStructure], bool]]:
    """A support pool as a plan that never claims the pool needs no checking (the general path)."""
    return lambda commune, need: (support_pool(commune, need), False)


def _decide(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    fired: Sequence[CompiledRule],
    pools: Mapping[str, Sequence[CompiledStructure]],
    support_plan: Callable[[str, str], tuple[Sequence[CompiledStructure], bool]],
    caseload: Caseload | None,
    alternatives: int,
    declined: Declined,
    language: str,
) -> Suggestion:
    f = _sort_fired(fired) if fired else _NO_RULES
    commune_text = rules.commune_words.get(commune, commune)
    lead, lead_choice, alts = _lead(
        fiche, rules, commune, nature, f, pools, caseload, alternatives, declined.lead, commune_text, language
    )
    if fiche.needs or f.support:
        supporting, uncovered = _supporting(
            fiche, rules, commune, nature, f, lead, lead_choice, support_plan, commune_text, declined.support, language
        )
    else:
        supporting, uncovered = [], []
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
        commune,
        nature,
        orientations,
        notices() if notices is not None else [],
        to_confirm() if to_confirm is not None else None,
    )


def _lead(
    fiche: Any,
    rules: CompiledRules,
    commune: str,
    nature: str | None,
    f: _Fired,
    pools: Mapping[str, Sequence[CompiledStructure]],
    caseload: Caseload | None,
    alternatives: int,
    declined_lead: Mapping[str, str],
    commune_text: str,
    language: str,
) -> tuple[CompiledStructure | None, Choice | None, list[Choice]]:
    """The lead (None for an orphan), its choice with the reasons, and the alternatives."""
    excluded_lead = f.lead_excluded
    dynamic = bool(f.lead_preferred) or bool(caseload)
    dropped: list[Said] = []
    phases: list[tuple[str, list[CompiledStructure]]] = []

    if f.lead_required:
        required = []
        for rule in f.lead_required:
            s = rules.structures[rule.structure]
            if s in required:
                continue
            if s.id in declined_lead:
                dropped.append((required_but_words, rule, s.id, declined_lead[s.id]))
                continue
            problem = lead_obstacle(s, fiche, commune, nature, excluded_lead, caseload, rules, required=True)
            if problem is None:
                required.append(s)
            else:
                dropped.append((required_but_words, rule, s.id, problem))
        if required:
            required.sort(key=lambda s: rules.lead_key(s, f.lead_preferred, caseload))
            phases.append(("required", required))

    cut = len(dropped) if phases else None  # drops after the lead's phase do not explain the lead
    for step in rules.lead_steps:
        found: list[CompiledStructure] = []
        for s in pools.get(step, ()):
            if (s.filters and not s.admits(fiche)) or (
                step == "fallback" and s.natures is not None and nature not in s.natures
            ):
                continue
            sid = s.id
            if sid in excluded_lead:
                dropped.append((excluded_lead_words, sid, excluded_lead[sid]))
                continue
            if sid in declined_lead:
                dropped.append((named_words, sid, declined_lead[sid]))
                continue
            if s.capacity is not None and caseload and caseload.get(sid, 0) >= s.capacity:
                dropped.append((named_capacity_words, sid, caseload.get(sid, 0), s.capacity))
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

    if not phases:
        alts = [Choice(s.id, [why]) for s, why in near_misses(fiche, rules, commune, nature, f, caseload)]
        alts += [Choice(s, [why]) for s, why in declined_lead.items() if s not in {a.structure for a in alts}]
        return None, None, alts
    phase, ranked = phases[0]
    lead = ranked[0]
    reasons: list[Said] = [
        (phase_words, phase, nature, _required_rule(f, lead) if phase == "required" else None),
        (covers_words, commune_text, lead.territory_words),
    ]
    if len(ranked) > 1:
        reasons.append((beats_words, len(ranked), *_first_difference(rules, lead, ranked[1], f, caseload)))
    nature_reasons = getattr(fiche, "nature_reasons", None)
    if nature_reasons is not None:
        reasons.extend(nature_reasons())
    if dropped:
        reasons.extend(dropped[:cut])
    alts = _alternatives(rules, phases, lead, nature, f, caseload, alternatives, language) if alternatives else []
    return lead, Choice(lead.id, reasons, language), alts


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
    if not eligible(s, fiche):
        return eligibility_problems(s, fiche, rules)[0]
    if s.id in excluded:
        return _("excluded as lead by {rule}: {why}").format(rule=excluded[s.id].cite, why=excluded[s.id].why)
    if not s.can_lead:
        if required or s.id not in rules.fallback_lead:
            return _("never leads (its file has no 'lead:' section)")
    elif not required and not s.leads_for(nature) and s.id not in rules.fallback_lead:
        return _does_not_lead(s, nature)
    if s.capacity is not None and caseload and caseload.get(s.id, 0) >= s.capacity:
        return capacity_words(caseload.get(s.id, 0), s.capacity)
    return None


def _does_not_lead(s: CompiledStructure, nature: str | None) -> str:
    leads = ", ".join(sorted(s.lead_natures or ()))
    return _("does not lead for nature {nature}: it leads for {natures}").format(
        nature=label_of("nature", nature), natures=leads
    )


def _required_rule(f: _Fired, s: CompiledStructure) -> CompiledRule:
    """The first fired rule requiring ``s`` as lead."""
    return next(r for r in f.lead_required if r.structure == s.id)


def _first_difference(
    rules: CompiledRules, a: CompiledStructure, b: CompiledStructure, f: _Fired, caseload: Any
) -> tuple[str, CompiledStructure, CompiledStructure, CompiledRule | None, tuple[int, int]]:
    """The tie-break criterion that puts ``a`` before ``b``, with what its words need: ``(criterion, a, b,
    the rule preferring a, their caseloads)`` (the caseloads read now: the mapping may change later)."""
    if f.lead_preferred or caseload:
        ka, kb = rules.lead_key(a, f.lead_preferred, caseload), rules.lead_key(b, f.lead_preferred, caseload)
    else:
        ka, kb = a.rank, b.rank
    criteria = (*rules.tie_break, "id") if "id" not in rules.tie_break else rules.tie_break
    found = "id"
    for criterion, x, y in zip(criteria, ka, kb, strict=False):
        if x != y:
            found = criterion
            break
    loads = (caseload.get(a.id, 0), caseload.get(b.id, 0)) if caseload else (0, 0)
    return found, a, b, f.lead_preferred.get(a.id), loads


def _alternatives(
    rules: CompiledRules,
    phases: list[tuple[str, list[CompiledStructure]]],
    lead: CompiledStructure,
    nature: str | None,
    f: _Fired,
    caseload: Any,
    limit: int,
    language: str,
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
            lost: Said
            if phase == lead_phase:
                criterion, _a, _b, rule, loads = _first_difference(rules, lead, s, f, caseload)
                lost = (ranked_after_words, lead, criterion, s, rule, loads)
            elif lead_phase == "required":
                lost = (required_lead_words, lead.id)
            else:
                lost = (later_step_words, phase, lead_phase, lead.id)
            why: Said
            if phase == "fallback":
                why = (fallback_alternative_words,)
            else:
                why = (phase_words, phase, nature, _required_rule(f, s) if phase == "required" else None)
            out.append(Choice(s.id, [why, lost], language))
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
    support_plan: Callable[[str, str], tuple[Sequence[CompiledStructure], bool]],
    commune_text: str,
    declined: Mapping[str, str],
    language: str,
) -> tuple[list[Support], list[str]]:
    chosen: dict[str, Support] = {}
    uncovered: list[str] = []
    support_rules = f.support
    lead_said = lead_choice._said if lead_choice is not None else None
    if lead is not None:
        lead_nature = lead.natures is None or nature in lead.natures
        lead_plain, lead_needs = lead.plain_needs, lead.support_needs
    for need in fiche.needs:
        rules_for_need = [r for r in support_rules if r.need is None or r.need == need] if support_rules else ()
        picked: CompiledStructure | None = None
        why: Said = ""
        if rules_for_need:
            picked, why = _by_rule(fiche, rules, need, rules_for_need, lead, declined)
        if (
            picked is None
            and lead is not None
            and lead_said is not None
            and need in lead_needs
            and lead_nature
            and (need in lead_plain or lead.serves(need, fiche))
            and not (rules_for_need and any(r.action == "exclude" and r.structure == lead.id for r in rules_for_need))
        ):
            lead_said.append((lead_covers_words, need))
            continue
        if picked is None:
            pool, plain = support_plan(commune, need)
            if rules_for_need or declined:
                excluded = {r.structure for r in rules_for_need if r.action == "exclude"} if rules_for_need else ()
                pool = [
                    s
                    for s in pool
                    if s is not lead
                    and s.id not in excluded
                    and s.id not in declined
                    and s.serves(need, fiche)
                    and (not s.filters or s.admits(fiche))
                    and (s.natures is None or nature in s.natures)
                ]
            elif not plain or lead in pool:
                pool = _serving(pool, need, fiche, lead, nature)
            n = len(pool)  # (a plain pool without the lead: every one serves it)
            if n:
                picked = pool[0]
                why = (serves_words, need, commune_text, picked.territory_words, n, picked.specificity)
        if picked is None:
            uncovered.append(need)
            continue
        add_support(chosen, picked.id, need, why, language)
    if support_rules:
        for need, rule_group in _offered_needs(fiche, f):
            picked, why = _by_rule(fiche, rules, need, rule_group, lead, declined)
            if picked is not None:
                _add_support(chosen, picked, need, (offered_words, *why[1:]), language)
    return list(chosen.values()), uncovered


def _add_support(chosen: dict[str, Support], picked: CompiledStructure, need: str, why: Said, language: str) -> None:
    """Record that ``picked`` supports ``need``; a structure appears once, with all its needs."""
    add_support(chosen, picked.id, need, why, language)


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


def _by_rule(
    fiche: Any,
    rules: CompiledRules,
    need: str,
    fired: Sequence[CompiledRule],
    lead: CompiledStructure | None,
    declined: Mapping[str, str] = {},
) -> tuple[CompiledStructure | None, Said]:
    """A structure required, else preferred, for the need by a rule that fired (eligible, not the lead,
    and it did not decline to support the fiche), with the reason as ``(by_rule_words, action, need, rule)``."""
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
            return s, (by_rule_words, action, need, rule)
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
