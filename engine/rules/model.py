"""The shape of the rules files, as the coordinator writes them (pass 1 of validation).

``rules/structures/<id>.yaml`` — one file per member structure::

    id: cma-63
    name: Chambre de Métiers et de l'Artisanat du Puy-de-Dôme
    kind: cma
    local_networks: [thiers, ambert]
    territory:
      departments: ["63"]
    lead:                       # omit when the structure never leads
      natures: [artisanal]
    support:
      needs: [business_plan, training, legal_status, post_creation]
    competence:                 # filters that apply to lead and support alike (empty = all)
      kinds: [creation, takeover, development]

``rules/routing.yaml`` — how the lead is chosen among the structures able to lead, the tie-break
order, and the coordinator's explicit rules (``when`` → prefer / require / exclude).

Cross-file checks (unknown ids, communes, needs, rules that can never fire, contradictions) are
pass 2, in :mod:`engine.rules.references`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.fiche import Kind, Nature, Need, Public, Stage
from engine.i18n import N_
from engine.limits import STRUCTURE_LENGTH

StructureKind = Literal[
    "cci",  # chambre de commerce et d'industrie
    "cma",  # chambre de métiers et de l'artisanat
    "agriculture",  # chambre d'agriculture
    "pfil",  # plateforme d'initiative locale (prêt d'honneur)
    "microcredit",  # ADIE
    "bge",  # boutique de gestion
    "guarantee",  # fonds de garantie
    "cooperative",  # union régionale des SCOP
    "incubator",  # couveuse / test d'activité
    "expansion",  # comité d'expansion économique
    "epci",  # communauté de communes
    "parc",  # parc naturel régional
]

STRUCTURE_KIND_LABELS: dict[str, str] = {
    "cci": "chambre de commerce et d'industrie",
    "cma": "chambre de métiers et de l'artisanat",
    "agriculture": "chambre d'agriculture",
    "pfil": "plateforme d'initiative locale",
    "microcredit": "microcrédit",
    "bge": "boutique de gestion",
    "guarantee": "fonds de garantie",
    "cooperative": "union régionale des SCOP",
    "incubator": "couveuse d'entreprises",
    "expansion": "comité d'expansion économique",
    "epci": "communauté de communes",
    "parc": "parc naturel régional",
}


class Strict(BaseModel):
    """Every rules model refuses unknown keys (typos are reported with a did-you-mean).

    ``defer_build``: the validators are built on the first validation only.  A command answered by
    the rules cache (:mod:`engine.rules.cache`) unpickles validated instances and never validates
    a rules file, so it does not pay for building them at start-up.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)


class TerritorySpec(Strict):
    """Where a structure works: the union of what is listed, minus the exclusions.

    ``whole_network: true`` covers every commune of the territory.
    """

    whole_network: bool = False
    departments: list[str] = []
    local_networks: list[str] = []
    intercommunals: list[str] = Field(default=[], description=N_("SIREN numbers (2004 or 2026 bodies)"))
    communes: list[str] = Field(default=[], description=N_("INSEE codes"))
    except_communes: list[str] = []
    except_intercommunals: list[str] = []
    except_departments: list[str] = Field(
        default=[], description=N_("e.g. a local network except its Loire and Allier communes")
    )
    except_local_networks: list[str] = []


class CompetenceSpec(Strict):
    """Filters on the fiche, for lead and support alike; an empty list means 'any'."""

    kinds: list[Kind] = []
    stages: list[Stage] = []
    natures: list[Nature] = []
    naf_prefixes: list[str] = Field(default=[], description=N_("e.g. '10.7', '43', '01.62Z'"))
    requires_publics: list[Public] = Field(default=[], description=N_("serves only porteurs in one of these publics"))
    publics: list[Public] = Field(
        default=[], description=N_("publics it serves in particular (a preference, not a filter)")
    )
    max_employees: int | None = Field(default=None, ge=0)


class LeadSpec(Strict):
    """The structure can be the référent: for these natures (empty = any nature)."""

    natures: list[Nature] = []
    priority: int = Field(default=0, description=N_("higher wins between structures of the same policy step"))


class SupportSpec(Strict):
    """The needs the structure answers as a supporting structure."""

    needs: list[Need] = []
    naf_prefixes: dict[Need, list[str]] = Field(
        default={}, description=N_("a need served only for these NAF prefixes (e.g. industrial premises)")
    )
    only_with_needs: dict[Need, list[Need]] = Field(
        default={},
        description=N_(
            "a need served only when the fiche also declares one of these needs "
            "(e.g. the Urscop's transmission only with 'cooperative')"
        ),
    )


class Contact(Strict):
    """How porteurs and technicians reach the structure."""

    email: str | None = None
    phone: str | None = None
    address: str | None = None
    web: str | None = None


class StructureSpec(Strict):
    """One member structure of the network (``rules/structures/<id>.yaml``)."""

    # At most the store's width for a structure id (engine/limits.py), so every fiche it leads can be stored.
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=STRUCTURE_LENGTH)
    name: str
    kind: StructureKind
    local_networks: list[str] = []
    active: bool = True
    territory: TerritorySpec
    competence: CompetenceSpec = Field(default_factory=CompetenceSpec)
    lead: LeadSpec | None = None
    support: SupportSpec = Field(default_factory=SupportSpec)
    capacity: int | None = Field(default=None, ge=1, description=N_("most active fiches as lead"))
    contact: Contact = Field(default_factory=Contact)

    @property
    def can_lead(self) -> bool:
        """True when the structure may be chosen as référent."""
        return self.lead is not None


class Condition(Strict):
    """``when``: conditions on the fiche, all of which must hold (an empty condition always holds)."""

    kinds: list[Kind] = []
    natures: list[Nature] = []
    stages: list[Stage] = []
    needs_any: list[Need] = []
    needs_all: list[Need] = []
    publics_any: list[Public] = []
    naf_prefixes: list[str] = []
    departments: list[str] = []
    local_networks: list[str] = []
    intercommunals: list[str] = []
    communes: list[str] = []
    employees_above: int | None = None
    employees_at_most: int | None = None


class RoutingRule(Strict):
    """An explicit rule of the coordinator: when the fiche matches, prefer/require/exclude a structure."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    why: str = Field(
        min_length=3,
        description=N_(
            "why the rule exists, in the network's words (French): shown in every explanation the rule takes part in"
        ),
    )
    why_en: str | None = Field(
        default=None, min_length=3, description=N_("the same in English, shown instead with --lang en (else 'why')")
    )
    when: Condition = Field(default_factory=Condition)
    action: Literal["prefer", "require", "exclude"]
    structure: str
    role: Literal["lead", "support"] = "lead"
    need: Need | None = Field(default=None, description=N_("for role support: the need the structure covers"))


LeadStep = Literal["nature", "fallback"]
TieBreak = Literal["rule_preference", "priority", "specificity", "caseload", "id"]


class RoutingPolicy(Strict):
    """``rules/routing.yaml``: how the référent is chosen and the coordinator's explicit rules."""

    lead_steps: list[LeadStep] = ["nature", "fallback"]
    fallback_lead: list[str] = Field(
        default=[], description=N_("structures that lead when no structure is competent for the nature")
    )
    tie_break: list[TieBreak] = ["rule_preference", "priority", "specificity", "caseload", "id"]
    rules: list[RoutingRule] = []


Confirmed = Literal["yes", "partly", "no"]

#: French words for ``confirmed``: what a technician is told about an orientation.
CONFIRMED_LABELS: dict[str, str] = {"yes": "confirmé", "partly": "à confirmer en partie", "no": "à confirmer"}


class OrientationSpec(Strict):
    """A structure outside the network a porteur can be sent to when no member covers a need.

    It never leads nor supports a fiche: ``suggest``, the alerts and the agenda name it next to an
    uncovered need ("orientation").  ``confirmed`` says how sure the network is of it (``no``: a gap
    kept visible, shown as "à confirmer").
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: str = Field(default="", description=N_("what it is, in words (plateforme d'initiative, SAFER, ...)"))
    territory: TerritorySpec
    needs: list[Need] = Field(min_length=1, description=N_("the needs it answers for porteurs of its territory"))
    natures: list[Nature] = Field(default=[], description=N_("only for these natures (empty = any)"))
    kinds: list[Kind] = Field(default=[], description=N_("only for these kinds of project (empty = any)"))
    confirmed: Confirmed
    note: str = ""
    web: str | None = None
    sources: list[str] = []


class OrientationFile(Strict):
    """``rules/orientation.yaml``: the structures outside the network, for orientation only."""

    orientations: list[OrientationSpec] = []
