"""The closed vocabularies of a fiche, with the French label shown to technicians.

These identifiers are the contract with technicians and coordinators: they appear in fiches,
rules and JSON output.  Keep them stable; change only the labels.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

KINDS: dict[str, str] = {
    "creation": "création",
    "takeover": "reprise / transmission",
    "development": "développement",
}

NATURES: dict[str, str] = {
    "artisanal": "artisanale",
    "commercial": "commerciale",
    "agricultural": "agricole",
    "liberal": "libérale",
}

NEEDS: dict[str, str] = {
    "business_plan": "étude de marché et plan d'affaires",
    "training": "formation",
    "legal_status": "statut juridique",
    "honour_loan": "prêt d'honneur",
    "microcredit": "microcrédit",
    "bank_loan": "prêt bancaire",
    "guarantee": "garantie d'emprunt",
    "grant": "subvention",
    "premises": "local d'activité",
    "land": "foncier",
    "housing": "logement",
    "spouse_job": "emploi du conjoint",
    "activity_test": "test d'activité (couveuse)",
    "cooperative": "création en coopérative (SCOP, SCIC)",
    "takeover_search": "recherche d'une entreprise à reprendre",
    "transmission": "transmission (cédant)",
    "farm_installation": "installation agricole",
    "investment": "investissement, implantation industrielle",
    "post_creation": "suivi post-création",
}

PUBLICS: dict[str, str] = {
    "job_seeker": "demandeur d'emploi",
    "no_bank_access": "sans accès au crédit bancaire",
    "benefit_recipient": "bénéficiaire de minima sociaux",
    "young": "jeune (moins de 26 ans)",
    "farmer": "exploitant agricole",
}

STAGES: dict[str, str] = {
    "idea": "idée (premier accueil)",
    "study": "montage (étude de marché, plan d'affaires)",
    "financing": "financement",
    "installed": "activité installée",
    "follow_up": "suivi post-création",
    "developed": "entreprise développée",
    "on_hold": "en pause",
    "abandoned": "abandonné",
    "redirected": "réorienté hors du réseau",
}

#: How an activity is tied to a farm (fiche field ``farm_link``; Code rural L311-1, loi 2005-157).
FARM_LINKS: dict[str, str] = {
    "extension": "prolongement de l'acte de production (transformation, vente des produits de l'exploitation)",
    "on_farm": "activité ayant pour support l'exploitation (agritourisme, hébergement à la ferme)",
    "equestrian": "centre équestre (préparation, entraînement, exploitation d'équidés domestiques)",
}

#: The French labels of the fiche's fields that decide the nature (shown by forms and ``fiche show``).
FIELD_LABELS: dict[str, str] = {
    "artisan_registered": "entreprise déjà immatriculée au répertoire des métiers (droit de suite)",
    "farm_link": "lien avec une exploitation agricole (Code rural L311-1)",
}

#: Stages in which a fiche is still being accompanied (counts in a structure's caseload).
ACTIVE_STAGES: tuple[str, ...] = ("idea", "study", "financing", "installed", "follow_up", "on_hold")

#: Stages a fiche does not leave on its own (the journey is over, for good or not).
CLOSED_STAGES: tuple[str, ...] = ("developed", "abandoned", "redirected")

VOCABULARIES: dict[str, dict[str, str]] = {
    "kind": KINDS,
    "nature": NATURES,
    "need": NEEDS,
    "public": PUBLICS,
    "stage": STAGES,
    "farm_link": FARM_LINKS,
}


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix for a typo, or '' when nothing is close."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(kind: str, value: object, choices: Iterable[str]) -> str:
    """The standard message for a value outside a vocabulary: names it and suggests the closest."""
    choices = list(choices)
    hint = did_you_mean(str(value), choices)
    if not hint and choices:
        hint = f" (expected one of: {', '.join(choices)})" if len(choices) <= 30 else ""
    return f"unknown {kind} '{value}'{hint}"


def label(kind: str, value: str) -> str:
    """The French label of a vocabulary value, or the value itself when it has none."""
    return VOCABULARIES.get(kind, {}).get(value, value)
