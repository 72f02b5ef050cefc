"""What differs between two rule sets, in the coordinator's words: the causes a replay cites.

Computed once per replay, then matched to each fiche whose routing changes: the structures of the
fiche whose file changed, the coordinator rules cited in its reasons that changed, its commune if
it moved to another local network, the routing policy if its order changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.i18n import N_, _

POLICY_FIELDS = ("lead_steps", "fallback_lead", "tie_break")


#: Words kept in the JSON view as they are (stable) and translated where a sentence shows them.
RULES_ORDER = N_("order of the rules")
ADDED = N_("added to the territory")
REMOVED = N_("removed from the territory")


@dataclass
class RulesDelta:
    """Differences between the base and the working rule sets."""

    structures_added: list[str] = field(default_factory=list)
    structures_removed: list[str] = field(default_factory=list)
    structures_changed: dict[str, list[str]] = field(default_factory=dict)  # id -> changed sections
    rules_added: list[str] = field(default_factory=list)
    rules_removed: list[str] = field(default_factory=list)
    rules_changed: list[str] = field(default_factory=list)
    policy_changed: list[str] = field(default_factory=list)
    communes_moved: dict[str, tuple[str, str]] = field(default_factory=dict)  # insee -> (before, after)
    communes_changed: dict[str, list[str]] = field(default_factory=dict)  # insee -> changed fields
    commune_names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the two rule sets route alike by construction (nothing differs)."""
        return not self.lines()

    def lines(self) -> list[str]:
        """Every difference, one sentence each, in a fixed order."""
        out = [_("structure {structure} added").format(structure=sid) for sid in self.structures_added]
        out += [_("structure {structure} removed").format(structure=sid) for sid in self.structures_removed]
        out += [self.changed_words(sid) for sid in sorted(self.structures_changed)]
        out += [_("routing rule '{rule}' added").format(rule=rid) for rid in self.rules_added]
        out += [_("routing rule '{rule}' removed").format(rule=rid) for rid in self.rules_removed]
        out += [_("routing rule '{rule}' changed").format(rule=rid) for rid in self.rules_changed]
        out += [_("routing policy changed ({what})").format(what=_(name)) for name in self.policy_changed]
        out += [self.moved_words(code) for code in sorted(self.communes_moved)]
        out += [self.commune_words(code) for code in sorted(self.communes_changed)]
        return out

    def changed_words(self, sid: str) -> str:
        """'structure cma-63 changed (territory, leads)' (the sections are the rules files' keys)."""
        return _("structure {structure} changed ({sections})").format(
            structure=sid, sections=", ".join(self.structures_changed[sid])
        )

    def commune_words(self, code: str) -> str:
        """'commune 63430 Thiers changed (epci)', or added to / removed from the territory."""
        name = self.commune_names.get(code, code)
        fields = ", ".join(_(f) for f in self.communes_changed[code])
        return _("commune {commune} changed ({fields})").format(commune=name, fields=fields)

    def moved_words(self, code: str) -> str:
        """'commune 63430 Thiers moved from local network thiers to ambert'."""
        before, after = self.communes_moved[code]
        name = self.commune_names.get(code, code)
        return _("commune {commune} moved from local network {before} to {after}").format(
            commune=name, before=before or _("(none)"), after=after or _("(none)")
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON view: ``{"structures_added", ..., "communes_moved": [{"commune", "before", "after"}]}``."""
        return {
            "structures_added": self.structures_added,
            "structures_removed": self.structures_removed,
            "structures_changed": [{"structure": k, "sections": v} for k, v in sorted(self.structures_changed.items())],
            "rules_added": self.rules_added,
            "rules_removed": self.rules_removed,
            "rules_changed": self.rules_changed,
            "policy_changed": self.policy_changed,
            "communes_moved": [
                {"commune": code, "before": b, "after": a} for code, (b, a) in sorted(self.communes_moved.items())
            ],
            "communes_changed": [{"commune": k, "fields": v} for k, v in sorted(self.communes_changed.items())],
        }


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json")


def rules_delta(base: Any, working: Any) -> RulesDelta:
    """Compare two loaded rule sets (``engine.rules.RuleSet``)."""
    delta = RulesDelta()
    b_struct, w_struct = base.structures, working.structures
    delta.structures_added = sorted(set(w_struct) - set(b_struct))
    delta.structures_removed = sorted(set(b_struct) - set(w_struct))
    for sid in sorted(set(b_struct) & set(w_struct)):
        before, after = _dump(b_struct[sid]), _dump(w_struct[sid])
        sections = [key for key in after if before.get(key) != after.get(key)]
        if sections:
            delta.structures_changed[sid] = sections
    b_rules = {r.id: _dump(r) for r in base.policy.rules}
    w_rules = {r.id: _dump(r) for r in working.policy.rules}
    delta.rules_added = [rid for rid in w_rules if rid not in b_rules]
    delta.rules_removed = [rid for rid in b_rules if rid not in w_rules]
    delta.rules_changed = [rid for rid in w_rules if rid in b_rules and w_rules[rid] != b_rules[rid]]
    b_order = [r for r in b_rules if r in w_rules]
    w_order = [r for r in w_rules if r in b_rules]
    if b_order != w_order:
        delta.policy_changed.append(RULES_ORDER)
    delta.policy_changed[:0] = [
        name for name in POLICY_FIELDS if getattr(base.policy, name) != getattr(working.policy, name)
    ]
    b_communes, w_communes = base.territory.communes, working.territory.communes
    for code in sorted(set(b_communes) | set(w_communes)):
        b, w = b_communes.get(code), w_communes.get(code)
        delta.commune_names[code] = str(w or b)
        if b is None or w is None:
            delta.communes_changed[code] = [ADDED if b is None else REMOVED]
            continue
        if b.local_network != w.local_network:
            delta.communes_moved[code] = (b.local_network, w.local_network)
        fields = [
            name
            for name in ("department", "arrondissement", "epci", "epci_2004", "name")
            if getattr(b, name) != getattr(w, name)
        ]
        if fields:
            delta.communes_changed[code] = fields
    return delta
