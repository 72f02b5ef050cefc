"""What a structure covers, in words: for ``capactif rules show`` and for the coordinator's reviews.

The same facts are given as a dict with stable keys (``--format json``) and as text lines; the text
names places by their names (department, local network, intercommunal body) and needs and natures
by their French labels, so that a member can check its own entry without reading YAML.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NotFound
from engine.i18n import N_, _
from engine.rules.model import STRUCTURE_KIND_LABELS, StructureSpec, TerritorySpec
from engine.rules.ruleset import RuleSet
from engine.vocabulary import label, unknown

#: Columns of the table of all structures (``rules show`` without a structure), in order.
TABLE_COLUMNS = ("id", "name", "kind", "active", "communes_count", "leads", "supports")
TABLE_HEADERS = (
    "id",
    N_("name"),
    N_("kind of structure"),
    N_("active"),
    N_("communes"),
    N_("leads (natures)"),
    N_("supports (needs)"),
)


def territory_units(spec: TerritorySpec, ruleset: RuleSet) -> list[str]:
    """The territory's parts in words, each with its number of communes: 'department 63 Puy-de-Dôme (…)'."""
    t = ruleset.territory
    units: list[str] = []
    if spec.whole_network:
        units.append(_("the whole network ({n} communes)").format(n=len(t.communes)))
    for code in spec.departments:
        count = sum(1 for c in t.communes.values() if c.department == code)
        units.append(
            _("department {code} {name} ({n} communes)").format(code=code, name=t.departments.get(code, "?"), n=count)
        )
    for net in spec.local_networks:
        found = t.local_networks.get(net)
        if found:
            text = _("local network {id} ({name}, {n} communes)").format(id=net, name=found.name, n=len(found.communes))
        units.append(text if found else net)
    for siren in spec.intercommunals:
        body = t.intercommunals.get(siren)
        if body:
            text = _("intercommunal body {siren} {name} ({n} communes)").format(
                siren=siren, name=body.name, n=len(body.communes)
            )
        units.append(text if body else siren)
    for code in spec.communes:
        units.append(_("commune {commune}").format(commune=t.communes[code]) if code in t.communes else code)
    for code in spec.except_departments:
        units.append(_("except department {code} {name}").format(code=code, name=t.departments.get(code, "?")))
    for net in spec.except_local_networks:
        units.append(_("except local network {id}").format(id=net))
    for siren in spec.except_intercommunals:
        body = t.intercommunals.get(siren)
        if body:
            units.append(_("except intercommunal body {siren} {name}").format(siren=siren, name=body.name))
        else:
            units.append(_("except {id}").format(id=siren))
    for code in spec.except_communes:
        if code in t.communes:
            units.append(_("except commune {commune}").format(commune=t.communes[code]))
        else:
            units.append(_("except {id}").format(id=code))
    return [_clean(u) for u in units]


def _clean(text: str) -> str:
    """Names of the communes file may carry a Windows-1252 apostrophe (U+0092): show a real one."""
    return text.replace("\x92", "’")


def describe_structure(ruleset: RuleSet, structure_id: str) -> dict[str, Any]:
    """Everything a structure covers, with stable keys (documented in docs/rules.md)."""
    spec = _get(ruleset, structure_id)
    communes = sorted(ruleset.communes_of(spec.id))
    comp = spec.competence
    file, line = ruleset.locations.get(spec.id, ("", 0))
    return {
        "id": spec.id,
        "name": spec.name,
        "kind": spec.kind,
        "kind_label": STRUCTURE_KIND_LABELS.get(spec.kind, spec.kind),
        "active": spec.active,
        "file": f"{file}:{line}" if file else "",
        "local_networks": list(spec.local_networks),
        "territory": territory_units(spec.territory, ruleset),
        "communes_count": len(communes),
        "communes": communes,
        "can_lead": spec.can_lead,
        "leads": None if spec.lead is None else {"natures": list(spec.lead.natures), "priority": spec.lead.priority},
        "fallback_lead": spec.id in ruleset.policy.fallback_lead,
        "supports": [
            {
                "need": need,
                "label": label("need", need),
                "naf_prefixes": list(spec.support.naf_prefixes.get(need, [])),
                "only_with_needs": list(spec.support.only_with_needs.get(need, [])),
            }
            for need in spec.support.needs
        ],
        "filters": {
            "kinds": list(comp.kinds),
            "stages": list(comp.stages),
            "natures": list(comp.natures),
            "naf_prefixes": list(comp.naf_prefixes),
            "requires_publics": list(comp.requires_publics),
            "publics": list(comp.publics),
            "max_employees": comp.max_employees,
        },
        "capacity": spec.capacity,
        "contact": spec.contact.model_dump(exclude_none=True),
        "rules": [
            {"id": r.id, "action": r.action, "role": r.role, "need": r.need}
            for r in ruleset.policy.rules
            if r.structure == spec.id
        ],
    }


def _get(ruleset: RuleSet, structure_id: str) -> StructureSpec:
    if structure_id not in ruleset.structures:
        raise NotFound(unknown("structure", structure_id, sorted(ruleset.structures)))
    return ruleset.structures[structure_id]


def _labels(kind: str, values: list[str]) -> str:
    return ", ".join(f"{label(kind, v)} ({v})" for v in values)


def structure_lines(info: dict[str, Any]) -> list[str]:
    """The text of ``rules show STRUCTURE``: one fact per line, in words."""
    lines = [f"{info['id']}: {info['name']} ({info['kind_label']})"]
    lines.append("  " + _("file: {file}").format(file=info["file"]))
    status = _("active") if info["active"] else _("not active (active: false): never suggested")
    networks = ", ".join(info["local_networks"]) or _("none")
    lines.append("  " + _("status: {status}; local networks: {networks}").format(status=status, networks=networks))
    lines.append(
        "  "
        + _("territory: {n} communes: {places}").format(n=info["communes_count"], places="; ".join(info["territory"]))
    )
    if info["leads"] is None:
        lines.append("  " + _("leads: never (supporting structure only)"))
    else:
        natures = _labels("nature", info["leads"]["natures"])
        priority = info["leads"]["priority"]
        if natures:
            lines.append("  " + _("leads: projects of nature {natures}; priority {priority}").format(
                natures=natures, priority=priority))  # fmt: skip
        else:
            lines.append("  " + _("leads: projects of any nature; priority {priority}").format(priority=priority))
    if info["fallback_lead"]:
        lines.append(
            "  " + _("also leads where no structure is competent for the nature (fallback_lead in routing.yaml)")
        )
    if info["supports"]:
        lines.append("  " + _("supports the needs:"))
        for item in info["supports"]:
            only = ""
            if item["naf_prefixes"]:
                only += ", " + _("only for NAF {prefixes}").format(prefixes=", ".join(item["naf_prefixes"]))
            if item.get("only_with_needs"):
                only += ", " + _("only with the need {needs}").format(needs=_(" or ").join(item["only_with_needs"]))
            lines.append(f"    - {item['label']} ({item['need']}){only}")
    else:
        lines.append("  " + _("supports: no need"))
    filters = info["filters"]
    words = []
    for key, kind, name in (("kinds", "kind", N_("kinds")), ("stages", "stage", N_("stages")),
                            ("natures", "nature", N_("natures"))):  # fmt: skip
        if filters[key]:
            words.append(_("{label}: {n}").format(label=_(name), n=_labels(kind, filters[key])))
    if filters["naf_prefixes"]:
        words.append(_("NAF prefixes: {prefixes}").format(prefixes=", ".join(filters["naf_prefixes"])))
    if filters["requires_publics"]:
        words.append(_("only for publics: {publics}").format(publics=_labels("public", filters["requires_publics"])))
    if filters["max_employees"] is not None:
        words.append(_("at most {n} employees").format(n=filters["max_employees"]))
    lines.append("  " + _("works only on: {filters}").format(
        filters="; ".join(words) if words else _("any project (no filter)")))  # fmt: skip
    if filters["publics"]:
        lines.append("  " + _("serves in particular: {publics}").format(publics=_labels("public", filters["publics"])))
    capacity = info["capacity"]
    if capacity:
        lines.append("  " + _("capacity: {n} active fiches as lead").format(n=capacity))
    else:
        lines.append("  " + _("capacity: no limit set"))
    contact = info["contact"]
    said = "; ".join(f"{k} {v}" for k, v in contact.items()) if contact else _("none recorded")
    lines.append("  " + _("contact: {contact}").format(contact=said))
    for rule in info["rules"]:
        text = ACTIONS[rule["action"], rule["role"], bool(rule["need"])]
        lines.append("  " + _(text).format(rule=rule["id"], need=rule["need"]))
    return lines


#: A coordinator rule about the structure, by action, role and whether it names a need (msgids).
ACTIONS = {
    ("prefer", "lead", False): N_("routing rule '{rule}': prefers it as lead"),
    ("prefer", "lead", True): N_("routing rule '{rule}': prefers it as lead for need {need}"),
    ("prefer", "support", False): N_("routing rule '{rule}': prefers it as support"),
    ("prefer", "support", True): N_("routing rule '{rule}': prefers it as support for need {need}"),
    ("require", "lead", False): N_("routing rule '{rule}': requires it as lead"),
    ("require", "lead", True): N_("routing rule '{rule}': requires it as lead for need {need}"),
    ("require", "support", False): N_("routing rule '{rule}': requires it as support"),
    ("require", "support", True): N_("routing rule '{rule}': requires it as support for need {need}"),
    ("exclude", "lead", False): N_("routing rule '{rule}': excludes it as lead"),
    ("exclude", "lead", True): N_("routing rule '{rule}': excludes it as lead for need {need}"),
    ("exclude", "support", False): N_("routing rule '{rule}': excludes it as support"),
    ("exclude", "support", True): N_("routing rule '{rule}': excludes it as support for need {need}"),
}


def structures_table(ruleset: RuleSet) -> list[dict[str, Any]]:
    """One row per structure (sorted by id) for the table of ``rules show``."""
    rows = []
    for sid, spec in sorted(ruleset.structures.items()):
        leads = "" if spec.lead is None else (", ".join(spec.lead.natures) or "any")
        if sid in ruleset.policy.fallback_lead:
            leads = f"{leads} + fallback" if leads else "fallback"
        rows.append(
            {
                "id": sid,
                "name": spec.name,
                "kind": spec.kind,
                "active": spec.active,
                "communes_count": len(ruleset.communes_of(sid)),
                "leads": leads,
                "supports": ", ".join(spec.support.needs),
            }
        )
    return rows
