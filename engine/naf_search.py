"""Find the NAF rév. 2 code of an activity from the words a porteur uses ("boulangerie", "plombier").

Each of the 732 sub-classes is indexed by the words of its French label, of its class and group
(weaker), and of the everyday words of ``data/naf_synonyms.csv``.  Words are compared without accents
or case, reduced to their stem by the Snowball French stemmer (``snowballstemmer``: boulanger,
boulangerie and boulangeries meet), and a query word matches an index word when the stems are equal,
one is the start of the other, or they are close spellings (``rapidfuzz``: "boulengerie" still finds
it).  A code's score is the mean, over the query's words, of the best match of each word; ties go to
the sub-class whose own label (not its class's) matched, then to the shorter label.

The same :func:`search` serves ``capactif naf search`` and the web form's activity field.
"""

from __future__ import annotations

import csv
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

from engine import activities

# Weight of a match by where the word is: the sub-class's label or an everyday word, its class, its group.
_LABEL, _CLASS, _GROUP = 1.0, 0.85, 0.6
_PREFIX = 0.9  # one stem is the beginning of the other (pharmac / pharmaceut)
_MIN_FUZZY = 84  # rapidfuzz ratio from which two stems are the same word misspelt
_STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "n",
        "nca",
        "c",
        "a.",
        "par",
        "pour",
        "sur",
        "sauf",
        "hors",
        "autre",
        "autres",
        "non",
        "ou",
        "un",
        "une",
        "dans",
        "y",
        "compris",
        "leur",
        "leurs",
        "avec",
        "sans",
        "ainsi",
        "que",
        "qui",
    ]
)


@dataclass(frozen=True, slots=True)
class NafMatch:
    """One code found for the words searched, with its legal nature."""

    code: str
    label: str
    nature: str
    needs_confirmation: bool
    score: float
    matched: tuple[str, ...]  # the index words the query matched (why this code)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (keys documented in docs/naf.md)."""
        return {
            "code": self.code,
            "label": self.label,
            "nature": self.nature,
            "needs_confirmation": self.needs_confirmation,
            "score": round(self.score, 3),
            "matched": list(self.matched),
        }


def fold(text: str) -> str:
    """Lower case, no accents, œ → oe, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in text)


@cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("french")


_STEMMING = threading.Lock()


@cache
def _stem(word: str) -> str:
    # The Snowball stemmer keeps the word being stemmed in its own fields: two threads of the web
    # application stemming at once (the activity search and the live suggestion, both asked as a
    # technician types) corrupt each other's word and fail with IndexError.  One at a time.
    with _STEMMING:
        return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    """The stems of the meaningful words of a text: 'Boulangeries et pâtisseries' → ['boulanger', 'patisser']."""
    return [_stem(w) for w in fold(text).split() if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Everyday words by NAF code (``data/naf_synonyms.csv``)."""
    with (activities.DATA / "naf_synonyms.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["code"]: tuple(w.strip() for w in r["words"].split("|") if w.strip()) for r in rows}


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    label: str
    weights: dict[str, float]  # stem -> best weight of the places it appears in
    phrases: frozenset[str]  # the everyday words, stemmed, for whole-phrase matches
    everyday: frozenset[str]  # the stems of the everyday words (they name the code's core activity)


@cache
def _index() -> tuple[tuple[_Entry, ...], tuple[str, ...]]:
    """Every sub-class with its weighted stems, and the vocabulary of all stems (for fuzzy lookup)."""
    with (activities.DATA / "naf_rev2.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    words = synonyms()
    entries = []
    vocabulary: set[str] = set()
    for row in rows:
        weights: dict[str, float] = {}
        for text, weight in (
            (row["group_label"], _GROUP),
            (row["class_label"], _CLASS),
            (row["label"], _LABEL),
            (" ".join(words.get(row["code"], ())), _LABEL),
        ):
            for stem in stems(text):
                weights[stem] = max(weights.get(stem, 0.0), weight)
        vocabulary.update(weights)
        phrases = frozenset(" ".join(stems(w)) for w in words.get(row["code"], ()))
        everyday = frozenset(stems(" ".join(words.get(row["code"], ()))))
        entries.append(_Entry(row["code"], row["label"].strip(), weights, phrases, everyday))
    return tuple(entries), tuple(sorted(vocabulary))


def _similar(stem: str, vocabulary: tuple[str, ...]) -> dict[str, float]:
    """Index stems a query stem matches, with how well: 1 same, 0.9 a prefix of the other, else fuzzy."""
    from rapidfuzz import fuzz, process

    found = {stem: 1.0} if stem in vocabulary else {}
    if len(stem) >= 4:
        for other in vocabulary:
            if other != stem and (other.startswith(stem) or (len(other) >= 4 and stem.startswith(other))):
                found.setdefault(other, _PREFIX)
    if len(stem) >= 5:
        for other, ratio, _ in process.extract(stem, vocabulary, scorer=fuzz.ratio, score_cutoff=_MIN_FUZZY, limit=20):
            found.setdefault(other, 0.8 * ratio / 100)
    return found


def search(query: str, limit: int = 10) -> list[NafMatch]:
    """The NAF codes best matching the words of ``query``, best first (empty when nothing matches).

    A NAF code itself (``10.71C``, ``1071c``) is returned as is when it exists.
    """
    text = str(query).strip()
    code = activities.normalize_code(text)
    if code in activities.nomenclature():
        return [_match(code, activities.nomenclature()[code].label, 1.0, (code,))]
    wanted = stems(text)
    if not wanted:
        return []
    entries, vocabulary = _index()
    similar = [_similar(stem, vocabulary) for stem in wanted]
    phrase = " ".join(wanted)
    scored = []
    for entry in entries:
        total = 0.0
        matched = []
        for options in similar:
            best, word = 0.0, ""
            for stem, closeness in options.items():
                weight = entry.weights.get(stem)
                if weight is not None and closeness * weight > best:
                    best, word = closeness * weight, stem
            total += best
            if word:
                matched.append(word)
        if not matched:
            continue
        score = total / len(similar)
        if phrase in entry.phrases:  # the whole query is one of the code's everyday words
            score = max(score, 1.0) + 0.05
        elif entry.everyday and set(matched) <= entry.everyday:  # what matched is what people call it
            score += 0.02
        scored.append((-score, len(entry.label), entry.code, entry, tuple(dict.fromkeys(matched))))
    scored.sort(key=lambda item: item[:3])
    return [_match(e.code, e.label, -s, m) for s, _, _, e, m in scored[:limit]]


def _match(code: str, label: str, score: float, matched: tuple[str, ...]) -> NafMatch:
    finding = activities.nature_of(code)
    return NafMatch(code, label.strip(), finding.nature, finding.needs_confirmation, score, matched)
