"""The reasons of a suggestion, kept as parts and put into words only when someone reads them.

Routing decides in a few microseconds; saying each decision in French (or English) cost more than
deciding (``docs/performance.md``).  A suggestion therefore records each reason as a *said* item: a
plain string, or a tuple ``(words, *parts)`` where ``words`` is one of the functions below and the
parts are the immutable values it needs (ids, labels, a compiled rule or structure, numbers, the
commune's text).  :attr:`Choice.reasons` and :attr:`Support.reasons` call the functions on first
read, in the language that was in force when the suggestion was made, and keep the strings.  The
sentences are exactly those routing wrote before (same msgids, same catalog), and the replay, the
alerts and ``rules diff`` that compare decisions only never pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from engine.i18n import _, get_language, ngettext, pin, unpin
from engine.routing.compile import CompiledRule, CompiledStructure, label_of

#: A reason as routing records it: the sentence, or ``(words, *parts)`` to say it later.
Said = Any


def say(items: Sequence[Said], language: str) -> list[str]:
    """The sentences of ``items`` in ``language`` (a function may give several: a list, spliced in)."""
    token = pin(language)
    try:
        out: list[str] = []
        for item in items:
            if type(item) is str:
                out.append(item)
            else:
                text = item[0](*item[1:])
                if type(text) is list:
                    out.extend(text)
                else:
                    out.append(text)
        return out
    finally:
        unpin(token)


class _SaidOnRead:
    """Reasons kept as parts and said once, on first read, in the language in force when they were made."""

    __slots__ = ("_language", "_said")

    _said: list[Any]
    #: The language to say the reasons in; None once they are all strings.
    _language: str | None

    @property
    def reasons(self) -> list[str]:
        """The reasons in words, in the language in force when the suggestion was made."""
        if self._language is not None:
            self._said = say(self._said, self._language)
            self._language = None
        return self._said


class Choice(_SaidOnRead):
    """A structure chosen (or passed over) for the lead, with its reasons.

    ``reasons`` are said on first read (see the module docstring); two choices are equal when they
    name the same structure for the same sentences.
    """

    __slots__ = ("structure",)

    def __init__(self, structure: str, reasons: list[Said], language: str | None = None) -> None:
        self.structure = structure
        self._said = reasons
        self._language = language

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Choice):
            return NotImplemented
        return self.structure == other.structure and self.reasons == other.reasons

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Choice(structure={self.structure!r}, reasons={self.reasons!r})"

    def to_dict(self) -> dict[str, Any]:
        """``{"structure", "reasons"}``."""
        return {"structure": self.structure, "reasons": list(self.reasons)}


class Support(_SaidOnRead):
    """A supporting structure: the needs it covers for this fiche and why (one reason per need, said on
    first read)."""

    __slots__ = ("needs", "structure")

    def __init__(self, structure: str, needs: list[str], reasons: list[Said], language: str | None = None) -> None:
        self.structure = structure
        self.needs = needs
        self._said = reasons
        self._language = language

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Support):
            return NotImplemented
        return self.structure == other.structure and self.needs == other.needs and self.reasons == other.reasons

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Support(structure={self.structure!r}, needs={self.needs!r}, reasons={self.reasons!r})"

    def to_dict(self) -> dict[str, Any]:
        """``{"structure", "needs", "reasons"}``."""
        return {"structure": self.structure, "needs": list(self.needs), "reasons": list(self.reasons)}


def add_support(chosen: dict[str, Support], structure: str, need: str, why: Said, language: str | None) -> None:
    """Record that ``structure`` supports ``need`` for ``why``: a new :class:`Support` the first time the
    structure is picked, one more need and reason on the existing one after (``chosen`` is keyed by id)."""
    entry = chosen.get(structure)
    if entry is None:
        chosen[structure] = Support(structure, [need], [why], language)
    else:
        entry.needs.append(need)
        entry._said.append(why)


# --- the words: each called by say() in the suggestion's language --------------------------------


@lru_cache(maxsize=512)
def _nature_step(nature: str | None, language: str) -> str:
    if nature is None:
        return _("leads for any nature (the fiche has no nature: no NAF code and no 'nature:')")
    return _("competent to lead for nature {nature}").format(nature=label_of("nature", nature))


@lru_cache(maxsize=512)
def _fallback_step(nature: str | None, language: str) -> str:
    if nature is None:
        return _("fallback lead of the routing policy: the fiche has no nature and no structure leads for any")
    return _("fallback lead of the routing policy: no structure of the commune can lead for nature {nature}").format(
        nature=label_of("nature", nature)
    )


@lru_cache(maxsize=512)
def _need(need: str, language: str) -> str:
    """'need 'honour_loan' (prêt d'honneur)' in ``language`` (the language in force: the cache key)."""
    return _("need {need}").format(need=label_of("need", need))


def need_words(need: str) -> str:
    """'need 'honour_loan' (prêt d'honneur)' in the language in force."""
    return _need(need, get_language())


def phase_words(phase: str, nature: str | None, rule: CompiledRule | None) -> str:
    """Why the lead was found in ``phase`` (``rule``: the rule that required it, for phase 'required')."""
    if phase == "nature":
        return _nature_step(nature, get_language())
    if phase == "fallback":
        return _fallback_step(nature, get_language())
    assert rule is not None
    return _("required as lead by {rule}: {why}").format(rule=rule.cite, why=rule.why)


def fallback_alternative_words() -> str:
    """Why a fallback lead is an alternative."""
    return _("fallback lead of the routing policy (leads when no structure of the commune can lead for the nature)")


def covers_words(commune_text: str, territory: Any) -> str:
    """'covers commune 63003 Ambert: its territory is …'."""
    return _("covers commune {commune}: its territory is {territory}").format(commune=commune_text, territory=territory)


def excluded_lead_words(structure: str, rule: CompiledRule) -> str:
    """'cma-63: excluded as lead by rule `x` (…): why'."""
    return _("{structure}: excluded as lead by {rule}: {why}").format(structure=structure, rule=rule.cite, why=rule.why)


def named_words(structure: str, why: str) -> str:
    """'cma-63: at capacity (…)': a reason about another structure than the one it explains."""
    return _("{structure}: {why}").format(structure=structure, why=why)


def capacity_words(n: int, capacity: int) -> str:
    """'at capacity (n active fiches as lead, capacity c)'."""
    return ngettext(
        "at capacity ({n} active fiche as lead, capacity {capacity})",
        "at capacity ({n} active fiches as lead, capacity {capacity})",
        n,
    ).format(n=n, capacity=capacity)


def named_capacity_words(structure: str, n: int, capacity: int) -> str:
    """'cma-63: at capacity (…)'."""
    return named_words(structure, capacity_words(n, capacity))


def required_but_words(rule: CompiledRule, structure: str, problem: str) -> str:
    """'rule `x` requires s as lead, but s: problem'."""
    return _("{rule} requires {structure} as lead, but {structure}: {problem}").format(
        rule=rule.cite, structure=structure, problem=problem
    )


def criterion_name(criterion: str) -> str:
    """A tie-break criterion's name, as the reasons say it."""
    names = {
        "rule_preference": _("rule preference"),
        "priority": _("lead priority"),
        "specificity": _("territorial specificity"),
        "caseload": _("caseload"),
    }
    return names.get(criterion, _("id"))


def criterion_words(
    criterion: str, a: CompiledStructure, b: CompiledStructure, rule: CompiledRule | None, loads: tuple[int, int]
) -> str:
    """Why ``a`` ranks before ``b`` by ``criterion`` (``rule``: the rule preferring ``a``; ``loads``: caseloads)."""
    if criterion == "rule_preference":
        assert rule is not None
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
            n=loads[0], other=loads[1], structure=b.id
        )
    return _("tied with {structure} on every other criterion: first by id").format(structure=b.id)


def beats_words(
    n: int,
    criterion: str,
    a: CompiledStructure,
    b: CompiledStructure,
    rule: CompiledRule | None,
    loads: tuple[int, int],
) -> str:
    """'first of n candidates by criterion: why'."""
    return _("first of {n} candidates by {criterion}: {why}").format(
        n=n, criterion=criterion_name(criterion), why=criterion_words(criterion, a, b, rule, loads)
    )


def ranked_after_words(
    lead: CompiledStructure, criterion: str, s: CompiledStructure, rule: CompiledRule | None, loads: tuple[int, int]
) -> str:
    """'ranked after lead by criterion: why' (an alternative of the lead's phase)."""
    return _("ranked after {lead} by {criterion}: {why}").format(
        lead=lead.id, criterion=criterion_name(criterion), why=criterion_words(criterion, lead, s, rule, loads)
    )


def required_lead_words(lead: str) -> str:
    """An alternative that lost to a required lead."""
    return _("{lead} is required as lead by a rule").format(lead=lead)


def later_step_words(step: str, lead_step: str, lead: str) -> str:
    """An alternative of a later step than the lead's."""
    lost = _("the {step} step is used only when the {lead_step} step finds no structure; it found {lead}")
    return lost.format(step=step, lead_step=lead_step, lead=lead)


def lead_covers_words(need: str) -> str:
    """'also covers need … as lead'."""
    return _lead_covers(need, get_language())


@lru_cache(maxsize=512)
def _lead_covers(need: str, language: str) -> str:
    return _("also covers need {need} as lead").format(need=label_of("need", need))


def serves_words(need: str, commune_text: str, territory: Any, n: int, specificity: int) -> str:
    """'need …: serves it in 63003 Ambert (its territory is …)[, most specific of n structures (k communes)]'."""
    if n > 1:
        return _(
            "{need}: serves it in {commune} (its territory is {territory}), "
            "most specific of {n} structures ({specificity} communes)"
        ).format(need=need_words(need), commune=commune_text, territory=territory, n=n, specificity=specificity)
    return _("{need}: serves it in {commune} (its territory is {territory})").format(
        need=need_words(need), commune=commune_text, territory=territory
    )


def by_rule_words(action: str, need: str, rule: CompiledRule) -> str:
    """'need …: required (or preferred) by rule `x` (…): why'."""
    if action == "require":
        return _("{need}: required by {rule}: {why}").format(need=need_words(need), rule=rule.cite, why=rule.why)
    return _("{need}: preferred by {rule}: {why}").format(need=need_words(need), rule=rule.cite, why=rule.why)


def offered_words(action: str, need: str, rule: CompiledRule) -> str:
    """A need a rule offers although the fiche does not declare it."""
    return _("offered although the fiche does not declare it: {why}").format(why=by_rule_words(action, need, rule))
