"""Replaying fiches through two rule sets and keeping every fiche whose routing changes.

A fiche *changes* when its lead, its supporting structures (with the needs each covers), its
uncovered needs or its orphan status differ between the base and the working rules.  Each change
carries its causes: the differences between the rule sets (:mod:`engine.replay.delta`) that touch
this fiche, and the reasons that appear on one side only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from engine.i18n import _
from engine.replay.delta import RulesDelta
from engine.replay.sources import StoredRouting
from engine.rulestest.outcome import Outcome, outcome_of

#: How often (in fiches) the progress callback is called.
PROGRESS_STEP = 2000


@dataclass(frozen=True)
class FicheChange:
    """One fiche routed differently: before → after, what changed and what made the difference."""

    fiche: str
    commune: str
    local_network: str
    changed: tuple[str, ...]  # among lead, supporting, uncovered_needs, orphan
    before: Outcome
    after: Outcome
    causes: tuple[str, ...]
    reasons_before: tuple[str, ...]  # reasons given only with the base rules
    reasons_after: tuple[str, ...]  # reasons given only with the working rules
    commune_name: str = ""  # '63430 Thiers', for the text report

    def to_dict(self) -> dict[str, Any]:
        """``{"fiche", "commune", "local_network", "changed", "before", "after", "causes", "reasons_before",
        "reasons_after"}``."""
        return {
            "fiche": self.fiche,
            "commune": self.commune,
            "local_network": self.local_network,
            "changed": list(self.changed),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "causes": list(self.causes),
            "reasons_before": list(self.reasons_before),
            "reasons_after": list(self.reasons_after),
        }


@dataclass
class StructureCounts:
    """How many fiches a structure gains or loses, as lead and as support."""

    gained_lead: int = 0
    lost_lead: int = 0
    gained_support: int = 0
    lost_support: int = 0


@dataclass
class NetworkCounts:
    """Per local network: fiches replayed, fiches changed, orphans before and after."""

    fiches: int = 0
    changed: int = 0
    orphans_before: int = 0
    orphans_after: int = 0


@dataclass
class ReplayReport:
    """The result of a replay: the changes, the differences between the rule sets, the summaries."""

    base: str
    working: str
    base_version: str
    working_version: str
    fiches: int = 0
    changes: list[FicheChange] = field(default_factory=list)
    delta: RulesDelta = field(default_factory=RulesDelta)
    by_structure: dict[str, StructureCounts] = field(default_factory=dict)
    by_local_network: dict[str, NetworkCounts] = field(default_factory=dict)
    as_of: str | None = None
    source: str = ""

    @property
    def changed(self) -> bool:
        """True when at least one fiche is routed differently."""
        return bool(self.changes)

    @property
    def exit_code(self) -> int:
        """``rules diff``: 1 when a fiche is routed differently, else 0."""
        return 1 if self.changed else 0

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of ``rules diff --format json`` (see docs/rules-diff.md)."""
        return {
            "base": {"rules": self.base, "rules_version": self.base_version},
            "working": {"rules": self.working, "rules_version": self.working_version},
            "source": self.source,
            "as_of": self.as_of,
            "fiches": self.fiches,
            "changed": len(self.changes),
            "changes": [c.to_dict() for c in self.changes],
            "rules_changes": self.delta.lines(),
            "by_structure": [{"structure": sid, **vars(counts)} for sid, counts in sorted(self.by_structure.items())],
            "by_local_network": [
                {"local_network": net, **vars(counts)} for net, counts in sorted(self.by_local_network.items())
            ],
        }


def _changed_parts(before: Outcome, after: Outcome) -> tuple[str, ...]:
    parts = []
    if before.lead != after.lead:
        parts.append("lead")
    if before.supporting != after.supporting:
        parts.append("supporting")
    if before.uncovered_needs != after.uncovered_needs:
        parts.append("uncovered_needs")
    if before.orphan != after.orphan:
        parts.append("orphan")
    return tuple(parts)


def _involved(before: Outcome, after: Outcome) -> list[str]:
    """Structures whose role for the fiche changed, in a fixed order."""
    ids: list[str] = []
    if before.lead != after.lead:
        ids += [s for s in (before.lead, after.lead) if s]
    b, a = dict(before.supporting), dict(after.supporting)
    ids += [sid for sid in sorted(set(b) | set(a)) if b.get(sid) != a.get(sid)]
    return list(dict.fromkeys(ids))


def causes_of(commune: str, before: Outcome, after: Outcome, delta: RulesDelta) -> list[str]:
    """The differences between the rule sets that touch this fiche, most direct first."""
    out: list[str] = []
    if commune in delta.communes_moved:
        out.append(delta.moved_words(commune))
    if commune in delta.communes_changed:
        out.append(delta.commune_words(commune))
    for sid in _involved(before, after):
        if sid in delta.structures_changed:
            out.append(delta.changed_words(sid))
        elif sid in delta.structures_added:
            out.append(_("structure {structure} added").format(structure=sid))
        elif sid in delta.structures_removed:
            out.append(_("structure {structure} removed").format(structure=sid))
    cited = before.reasons + after.reasons
    for words, ids in (
        (_("routing rule '{rule}' added"), delta.rules_added),
        (_("routing rule '{rule}' removed"), delta.rules_removed),
        (_("routing rule '{rule}' changed"), delta.rules_changed),
    ):
        for rid in ids:
            if any(f"`{rid}`" in reason for reason in cited):
                out.append(words.format(rule=rid))
    if delta.policy_changed and before.lead != after.lead:
        what = ", ".join(_(name) for name in delta.policy_changed)
        out.append(_("routing policy changed ({what})").format(what=what))
    if not out:
        elsewhere = delta.lines()
        if elsewhere:
            shown = "; ".join(elsewhere[:3])
            if len(elsewhere) > 3:
                text = _("no difference of this fiche's own structures: {differences}; and {n} more")
            else:
                text = _("no difference of this fiche's own structures: {differences}")
            out.append(text.format(differences=shown, n=len(elsewhere) - 3))
    return out


def replay(
    fiches: Iterable[Any],
    base: Any,
    working: Any,
    delta: RulesDelta,
    *,
    suggest: Callable[..., Any] | None = None,
    progress: Callable[[int], None] | None = None,
    local_network_of: Callable[[str], str] | None = None,
) -> tuple[list[FicheChange], dict[str, StructureCounts], dict[str, NetworkCounts]]:
    """Route every fiche through both compiled rule sets; the changes and the two summaries.

    Routing is a pure function of what it reads of a fiche (:func:`routing_key`: no caseload and no
    declines in a replay), so fiches that read the same are routed once per rule set, and each changed
    fiche gets the change of its kind under its own id; with a ``suggest`` of its own, every fiche is
    routed.  ``progress(n)`` is told every :data:`PROGRESS_STEP` fiches (and at the end) how many more
    are done.
    """
    from engine.routing import suggest as suggest_default

    grouped = suggest is None
    route = suggest or suggest_default
    if local_network_of is None:
        local_network_of = _local_networks(base, working)
    changes: list[FicheChange] = []
    by_structure: dict[str, StructureCounts] = {}
    by_network: dict[str, NetworkCounts] = {}
    routed: dict[Any, _Routed] = {}
    done = 0
    for fiche in fiches:
        key = routing_key(fiche) if grouped else None
        found = routed.get(key) if grouped else None
        if found is None:
            routable = fiche.model() if isinstance(fiche, StoredRouting) else fiche
            found = _route(routable, base, working, delta, route, local_network_of)
            if grouped:
                routed[key] = found
        counts = found.counts
        if counts is None:
            counts = found.counts = by_network.get(found.network)
            if counts is None:
                counts = found.counts = by_network[found.network] = NetworkCounts()
        counts.fiches += 1
        counts.orphans_before += found.orphan_before
        counts.orphans_after += found.orphan_after
        change = found.change
        if change is not None:
            counts.changed += 1
            label = fiche.label()
            changes.append(change if change.fiche == label else replace(change, fiche=label))
            _count(by_structure, change.before, change.after)
        done += 1
        if progress is not None and done % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
    if progress is not None and done % PROGRESS_STEP:
        progress(done % PROGRESS_STEP)
    return changes, by_structure, by_network


def routing_key(fiche: Any) -> tuple[Any, ...]:
    """Everything routing reads of a fiche: fiches with the same key get the same suggestion (their id aside)."""
    if isinstance(fiche, StoredRouting):
        return fiche.key
    return (
        fiche.commune,
        fiche.kind,
        fiche.stage,
        fiche.naf,
        fiche.nature,
        fiche.employees,
        fiche.artisan_registered,
        fiche.farm_link,
        tuple(fiche.needs),
        tuple(fiche.publics),
    )


@dataclass(slots=True)
class _Routed:
    """One fiche's routing through both rule sets: orphan before and after, the change (None when the
    decision is the same), its local network and that network's counts once known."""

    network: str
    orphan_before: bool
    orphan_after: bool
    change: FicheChange | None
    counts: NetworkCounts | None = None


def _route(
    fiche: Any,
    base: Any,
    working: Any,
    delta: RulesDelta,
    suggest: Callable[..., Any],
    local_network_of: Callable[[str], str],
) -> _Routed:
    commune = fiche.commune
    net = local_network_of(commune)
    b_suggestion = suggest(fiche, base)
    w_suggestion = suggest(fiche, working)
    change = None
    if _decision(b_suggestion) != _decision(w_suggestion):
        change = _change(fiche, commune, net, outcome_of(b_suggestion), outcome_of(w_suggestion), delta)
    return _Routed(net, b_suggestion.lead is None, w_suggestion.lead is None, change)


def _decision(suggestion: Any) -> tuple[Any, ...]:
    """:meth:`Outcome.decision` of the suggestion's outcome, without the outcome (its reasons and orientations)."""
    lead = suggestion.lead
    return (
        lead.structure if lead is not None else None,
        tuple(sorted((s.structure, tuple(sorted(s.needs))) for s in suggestion.supporting)),
        tuple(sorted(suggestion.uncovered_needs)),
    )


def _change(fiche: Any, commune: str, net: str, before: Outcome, after: Outcome, delta: RulesDelta) -> FicheChange:
    b_reasons, a_reasons = set(before.reasons), set(after.reasons)
    return FicheChange(
        fiche=fiche.label(),
        commune=commune,
        local_network=net,
        changed=_changed_parts(before, after),
        before=before,
        after=after,
        causes=tuple(causes_of(commune, before, after, delta)),
        reasons_before=tuple(r for r in before.reasons if r not in a_reasons),
        reasons_after=tuple(r for r in after.reasons if r not in b_reasons),
        commune_name=delta.commune_names.get(commune, commune),
    )


def _count(by_structure: dict[str, StructureCounts], before: Outcome, after: Outcome) -> None:
    def counts(sid: str) -> StructureCounts:
        found = by_structure.get(sid)
        if found is None:
            found = by_structure[sid] = StructureCounts()
        return found

    if before.lead != after.lead:
        if before.lead:
            counts(before.lead).lost_lead += 1
        if after.lead:
            counts(after.lead).gained_lead += 1
    b, a = set(before.supporting_ids), set(after.supporting_ids)
    for sid in a - b:
        counts(sid).gained_support += 1
    for sid in b - a:
        counts(sid).lost_support += 1


def _local_networks(base: Any, working: Any) -> Callable[[str], str]:
    """The local network of a commune in the working rules (else in the base rules, else '(none)')."""
    table: dict[str, str] = {}
    for compiled in (base, working):  # working last: it wins
        for code, commune in compiled.territory.communes.items():
            table[code] = commune.local_network or "(none)"
    return lambda code: table.get(code, "(none)")
