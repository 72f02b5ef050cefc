"""The closed vocabularies of a fiche, with the French label shown to technicians.

These identifiers are the contract with technicians and coordinators: they appear in fiches,
rules and JSON output.  Keep them stable; change only the labels.

People write these values in French: :func:`canonical` turns an id, its French label or a usual
French word for it (``SYNONYMS``; accents, case, apostrophes, small words and plurals ignored) into
the id, so ``kind: reprise``, ``needs: [prêt d'honneur]`` or ``--stage idée`` mean what they say.
A word that names several values is an error listing them.  Stored values are always the ids.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from engine.errors import excerpt
from engine.i18n import N_, _

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

#: How a contact with a porteur happened (``fiche note --contact CHANNEL``).
CHANNELS: dict[str, str] = {
    "phone": "téléphone",
    "email": "e-mail",
    "meeting": "rendez-vous",
    "visit": "visite sur place",
    "event": "salon, réunion publique",
    "letter": "courrier",
    "offer": "au sujet d'une offre d'activité",
}

#: What post-creation follow-up records about an installed activity (``activity`` on a contact or a
#: note; the yearly report's ``survival``).
ACTIVITY_STATUSES: dict[str, str] = {
    "active": "toujours en activité",
    "ceased": "activité cessée",
}

VOCABULARIES: dict[str, dict[str, str]] = {
    "kind": KINDS,
    "nature": NATURES,
    "need": NEEDS,
    "public": PUBLICS,
    "stage": STAGES,
    "farm_link": FARM_LINKS,
    "activity": ACTIVITY_STATUSES,
}


#: Usual French words for each value, besides its id and its label (and the label's parts: the
#: label "reprise / transmission" also answers to "reprise" and "transmission").  Written as people
#: write them; :func:`normalize` removes accents, case, apostrophes, small words and plurals.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "activity": {
        "active": ("actif", "active", "en activité", "ouvert"),
        "ceased": ("cessé", "cessée", "fermé", "fermée", "arrêtée", "liquidée"),
    },
    "kind": {
        "creation": ("créer", "création d'entreprise", "nouvelle entreprise", "installation"),
        "takeover": ("reprendre", "rachat", "reprise d'entreprise"),
        "development": ("développer", "croissance", "extension", "agrandissement"),
    },
    "nature": {
        "artisanal": ("artisan", "artisanat", "métiers"),
        "commercial": ("commerce", "commerçant"),
        "agricultural": ("agriculture", "agriculteur", "exploitation agricole"),
        "liberal": ("profession libérale", "libéral"),
    },
    "need": {
        "business_plan": ("étude de marché", "plan d'affaires", "business plan", "prévisionnel", "montage du projet"),
        "training": ("se former", "stage de préparation à l'installation", "SPI"),
        "legal_status": ("statut", "forme juridique", "choix du statut"),
        "honour_loan": ("prêt d'honneur", "pret honneur", "initiative"),
        "microcredit": ("micro-crédit", "micro crédit", "microprêt"),
        "bank_loan": ("emprunt bancaire", "crédit bancaire", "banque", "emprunt"),
        "guarantee": ("garantie", "caution", "garantie bancaire"),
        "grant": ("aide financière", "aides publiques", "subventions"),
        "premises": ("local", "locaux", "local commercial", "atelier", "bureau", "immobilier d'entreprise"),
        "land": ("terrain", "terres", "terres agricoles"),
        "housing": ("se loger", "hébergement"),
        "spouse_job": ("conjoint", "emploi du conjoint", "travail du conjoint"),
        "activity_test": ("couveuse", "test d'activité", "tester son activité", "espace test"),
        "cooperative": ("coopérative", "SCOP", "SCIC", "CAE", "coopérative d'activités"),
        "takeover_search": ("entreprise à reprendre", "chercher une entreprise", "cible de reprise"),
        "transmission": ("cédant", "céder", "cession", "vendre son entreprise"),
        "farm_installation": ("installation en agriculture", "s'installer en agriculture", "DJA"),
        "investment": ("investissement", "implantation", "implantation industrielle"),
        "post_creation": ("suivi", "suivi post-création", "accompagnement après création"),
    },
    "public": {
        "job_seeker": ("chômeur", "demandeur d'emploi", "inscrit à France Travail", "France Travail", "Pôle emploi"),
        "no_bank_access": ("exclu bancaire", "sans accès au crédit", "exclu du crédit"),
        "benefit_recipient": ("RSA", "bénéficiaire du RSA", "minima sociaux", "allocataire"),
        "young": ("jeune", "moins de 26 ans", "jeunes"),
        "farmer": ("agriculteur", "exploitant", "exploitant agricole"),
    },
    "stage": {
        "idea": ("idée", "premier accueil", "accueil", "projet"),
        "study": ("montage", "étude", "en étude"),
        "financing": ("financement", "recherche de financement", "plan de financement"),
        "installed": ("installé", "installée", "activité installée", "installation", "démarré"),
        "follow_up": ("suivi", "suivi post-création"),
        "developed": ("développée", "développé", "entreprise développée"),
        "on_hold": ("en pause", "pause", "en attente", "suspendu"),
        "abandoned": ("abandonné", "abandon", "arrêté"),
        "redirected": ("réorienté", "réorientation", "hors réseau"),
    },
}

# Words that carry no meaning for matching: articles, prepositions, the elided d'/l'.
_SMALL_WORDS = frozenset(
    {"d", "l", "de", "du", "des", "la", "le", "les", "un", "une", "a", "au", "aux", "en", "et", "s"}
)


def normalize(text: str) -> str:
    """How a vocabulary word is compared: 'Prêts d’Honneur' → 'pret honneur'.

    Lower case, no accents, apostrophes/hyphens/underscores/slashes/parentheses as spaces, small words
    dropped, and each word's plural mark (final s or x) removed.
    """
    folded = unicodedata.normalize("NFKD", str(text).lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    for sep in "'’`-_/(),.;:":
        folded = folded.replace(sep, " ")
    words = []
    for word in folded.split():
        if word in _SMALL_WORDS:
            continue
        if len(word) > 4 and word[-1] in "sx" and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def _label_parts(label: str) -> list[str]:
    """A label and its parts: 'idée (premier accueil)' → itself, 'idée', 'premier accueil'."""
    parts = [label]
    head, _, rest = label.partition("(")
    if rest:
        parts.append(head)
        parts.extend(rest.rstrip(")").split(","))
    for piece in list(parts):
        if " / " in piece:
            parts.extend(piece.split(" / "))
    return [p.strip() for p in parts if p.strip()]


@cache
def _index(kind: str) -> dict[str, tuple[str, ...]]:
    """Normalised word → the ids it may mean, for one vocabulary (ids and full labels first)."""
    table = VOCABULARIES[kind]
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for value, text in table.items():
        for word in (value, value.replace("_", " "), text):
            exact.setdefault(normalize(word), []).append(value)
        for word in (*_label_parts(text)[1:], *SYNONYMS.get(kind, {}).get(value, ())):
            loose.setdefault(normalize(word), []).append(value)
    index = {key: tuple(dict.fromkeys(ids)) for key, ids in loose.items()}
    # An id or a whole label always means that value, even if it is also another value's synonym.
    index.update({key: tuple(dict.fromkeys(ids)) for key, ids in exact.items()})
    index.pop("", None)
    return index


def register(kind: str, table: dict[str, str], synonyms: dict[str, tuple[str, ...]] | None = None) -> None:
    """Add a vocabulary of another package (e.g. the kinds of offer) so :func:`canonical` reads it."""
    VOCABULARIES.setdefault(kind, table)
    if synonyms:
        SYNONYMS.setdefault(kind, synonyms)
    _index.cache_clear()


def candidates(kind: str, value: str) -> tuple[str, ...]:
    """The ids ``value`` may mean in vocabulary ``kind`` (none, one, or several when ambiguous)."""
    table = VOCABULARIES[kind]
    if value in table:
        return (value,)
    index = _index(kind)
    key = normalize(value)
    if key in index:
        return index[key]
    # Not a whole word of the index: the values one of whose words-sets holds every word given
    # ("prêt" → honour_loan and bank_loan, which is ambiguous; "conjoint" → spouse_job).
    words = set(key.split())
    if not words or max(map(len, words)) < 3:
        return ()
    found = [ids for entry, ids in index.items() if words <= set(entry.split())]
    return tuple(dict.fromkeys(i for ids in found for i in ids))


def canonical(kind: str, value: str) -> str:
    """The id of ``value`` (an id, a French label or a usual word); ValueError when unknown or ambiguous."""
    found = candidates(kind, value)
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(ambiguous(kind, value, found))
    raise ValueError(unknown(kind, value, VOCABULARIES[kind]))


def ambiguous(kind: str, value: object, found: Iterable[str]) -> str:
    """The message for a word that names several values of a vocabulary: lists them with their labels."""
    table = VOCABULARIES.get(kind, {})
    listed = ", ".join(f"{v} ({table.get(v, v)})" for v in found)
    message = _("{kind} '{value}' is ambiguous: write one of {candidates}")
    return message.format(kind=noun(kind), value=value, candidates=listed)


def lenient(kind: str) -> Callable[[Any], Any]:
    """A pydantic 'before' validator: French words become ids; an unknown or ambiguous word is refused.

    Non-text values go on unchanged to the field's own check.
    """

    def to_id(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return canonical(kind, value)

    return to_id


#: What each kind of value is called in messages ('unknown need …', 'besoin inconnu …').
NOUNS: dict[str, str] = {
    "kind": N_("kind"),
    "nature": N_("nature"),
    "need": N_("need"),
    "public": N_("public"),
    "stage": N_("stage"),
    "offer kind": N_("offer kind"),
    "structure": N_("structure"),
    "local network": N_("local network"),
    "commune": N_("commune"),
    "fiche": N_("fiche"),
    "offer": N_("offer"),
    "column": N_("column"),
    "field": N_("field"),
    "trigger": N_("trigger"),
    "guard": N_("guard"),
    "check": N_("check"),
    "department": N_("department"),
    "severity": N_("severity"),
    "status": N_("status"),
    "commitment": N_("commitment"),
    "alert check": N_("alert check"),
    "kind of action": N_("kind of action"),
    "decision": N_("decision"),
    "structure or role": N_("structure or role"),
    "structure or kind of message": N_("structure or kind of message"),
    "structure outside the network (orientation.yaml)": N_("structure outside the network (orientation.yaml)"),
}


def noun(kind: str) -> str:
    """The name of a kind of value in the language in force ('need' → 'besoin')."""
    return _(NOUNS[kind]) if kind in NOUNS else kind


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix for a typo, or '' when nothing is close."""
    if len(str(value)) > 100:  # no typo is that long; difflib would be slow on it
        return ""
    import difflib  # only for a typo's suggestion: kept out of start-up

    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return _(" (did you mean '{value}'?)").format(value=close[0]) if close else ""


def unknown(kind: str, value: object, choices: Iterable[str], *, as_written: bool = False) -> str:
    """The standard message for a value outside a vocabulary: names it and suggests the closest.

    ``kind`` is named in the user's language (``need`` → besoin), or ``as_written`` (a file's field name).
    """
    choices = list(choices)
    hint = did_you_mean(str(value), choices)
    if not hint and kind in VOCABULARIES:
        hint = _did_you_mean_word(kind, str(value))
    if not hint and choices:
        hint = _(" (expected one of: {choices})").format(choices=", ".join(choices)) if len(choices) <= 30 else ""
    named = kind if as_written else noun(kind)
    return _("unknown {kind} '{value}'{hint}").format(kind=named, value=excerpt(value), hint=hint)


def _did_you_mean_word(kind: str, value: str) -> str:
    """' (did you mean 'reprise', i.e. takeover?)' for a misspelt French word, or ''."""
    index = _index(kind)
    import difflib  # only for a typo's suggestion: kept out of start-up

    close = difflib.get_close_matches(normalize(value), list(index), n=1, cutoff=0.75)
    if not close or len(index[close[0]]) != 1:
        return ""
    value_id = index[close[0]][0]
    return _(" (did you mean '{word}', i.e. {value}?)").format(word=VOCABULARIES[kind][value_id], value=value_id)


def label(kind: str, value: str) -> str:
    """The French label of a vocabulary value, or the value itself when it has none."""
    return VOCABULARIES.get(kind, {}).get(value, value)
