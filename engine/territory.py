"""The territory: communes, departments, intercommunal bodies and the network's local networks.

Loaded from ``rules/territory.yaml`` and the communes CSV it names.  INSEE codes stay strings
everywhere (``03125`` keeps its zero).  A commune may be given by name: names are matched without
accents or case, and former names of merged communes resolve to the commune of today.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn

from engine.errors import Problem, RulesError
from engine.i18n import N_, _
from engine.yamlsource import Document, read_document, validation_problems

#: A local network naming a place the territory does not have.
_UNKNOWN_PLACE = {
    "arrondissements": N_("unknown arrondissement '{value}'"),
    "departments": N_("unknown department '{value}'"),
    "communes": N_("unknown commune '{value}'"),
}


def reduce_by_constructor(record: Any) -> tuple[Any, tuple[Any, ...]]:
    """``__reduce__`` of a frozen slots dataclass: unpickled by calling the class with its fields, in order.

    dataclasses' own ``__setstate__`` for such a class looks the fields up again for every record; the
    compiled rules' cache (:mod:`engine.routing.cache`) holds a few hundred of them (communes, territories'
    words) and a cold ``capactif suggest`` unpickled them in twice the time (docs/performance.md).
    """
    return type(record), tuple(getattr(record, f.name) for f in fields(record))


@dataclass(frozen=True, slots=True)
class Commune:
    """One commune of the territory, with everything routing needs to know about where it is."""

    insee: str
    name: str
    department: str
    arrondissement: str
    arrondissement_name: str
    population: int
    epci: str
    epci_name: str
    epci_2004: str
    epci_2004_name: str
    former_names: tuple[str, ...] = ()
    postal_codes: tuple[str, ...] = ()
    local_network: str = ""

    def __str__(self) -> str:
        return f"{self.insee} {self.name}"

    __reduce__ = reduce_by_constructor


@dataclass(frozen=True, slots=True)
class Intercommunal:
    """An intercommunal body (EPCI) by SIREN, as of 2026 or of 2004."""

    siren: str
    name: str
    year: int
    communes: frozenset[str]

    __reduce__ = reduce_by_constructor


@dataclass(frozen=True, slots=True)
class LocalNetwork:
    """One of the network's local networks of technicians, meeting monthly."""

    id: str
    name: str
    communes: frozenset[str]

    __reduce__ = reduce_by_constructor


@dataclass
class Territory:
    """All the places rules and fiches may name, with lookups by code and by name."""

    communes: dict[str, Commune]
    departments: dict[str, str]
    local_networks: dict[str, LocalNetwork]
    intercommunals: dict[str, Intercommunal]
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_postal_code: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for commune in self.communes.values():
            for name in (commune.name, *commune.former_names):
                self._by_name.setdefault(normalize_name(name), []).append(commune.insee)
            for code in commune.postal_codes:
                self._by_postal_code.setdefault(code, []).append(commune.insee)

    def resolve(self, value: str) -> Commune:
        """The commune for an INSEE code, a postal code, a name, or a code and a name; ValueError otherwise.

        ``63003`` (INSEE code: it wins when a postal code has the same digits), ``63600`` (the postal code
        of one commune only), ``Ambert`` (accents, case and former names ignored), ``63600 Ambert`` (a
        postal or INSEE code and a name, either order: picks one commune among those sharing a postal
        code).  An ambiguous input lists the communes it may mean with their INSEE codes.
        """
        text = str(value).strip()
        if text in self.communes:
            return self.communes[text]
        if _is_code(text) and text in self._by_postal_code:
            matches = sorted(set(self._by_postal_code[text]))
            if len(matches) == 1:
                return self.communes[matches[0]]
            raise ValueError(
                _("postal code {code} is shared by {count} communes: write it with the name, e.g. '{code} {name}', "
                  "or give the INSEE code: {communes}").format(
                    code=text, count=len(matches), name=self.communes[matches[0]].name, communes=self._list(matches)
                )
            )  # fmt: skip
        code, name = _split_code_and_name(text)
        if code and name:
            return self._resolve_code_and_name(text, code, name)
        matches = sorted(set(self._by_name.get(normalize_name(text), [])))
        if len(matches) == 1:
            return self.communes[matches[0]]
        if len(matches) > 1:
            raise ValueError(
                _("commune '{commune}' is ambiguous: give its INSEE code or its postal code ({communes})").format(
                    commune=text, communes=self._list(matches, postal=True)
                )
            )
        raise ValueError(_("unknown commune '{commune}'").format(commune=text) + self.closest_hint(text))

    def _resolve_code_and_name(self, text: str, code: str, name: str) -> Commune:
        """``63600 Ambert``: the commune of that name whose postal or INSEE code is ``code``."""
        by_name = set(self._by_name.get(normalize_name(name), []))
        by_code: set[str] = set()
        for one in code.split():  # '63003 63600': the commune must have each (INSEE or postal code)
            has = set(self._by_postal_code.get(one, [])) | ({one} if one in self.communes else set())
            by_code = has if not by_code else by_code & has
            if not has:
                by_code = set()
                break
        both = sorted(by_name & by_code)
        if len(both) == 1:
            return self.communes[both[0]]
        if by_code and not by_name:
            self._name_among(text, name, sorted(by_code))
        if by_name:
            named = self.communes[sorted(by_name)[0]]
            raise ValueError(
                _("commune '{commune}': {name} has the postal code {postal}, not {code}").format(
                    commune=text, name=named.name, postal=", ".join(named.postal_codes), code=code
                )
            )
        raise ValueError(_("unknown commune '{commune}'").format(commune=text) + self.closest_hint(code))

    def _name_among(self, text: str, name: str, codes: list[str]) -> NoReturn:
        """The commune of ``codes`` whose name is closest to a misspelt ``name``, if it is clearly that one."""
        names = {normalize_name(self.communes[c].name): c for c in codes}
        import difflib  # only for a typo's suggestion: kept out of start-up

        close = difflib.get_close_matches(normalize_name(name), list(names), n=1, cutoff=0.6)
        hint = _(" (did you mean {commune}?)").format(commune=self.communes[names[close[0]]]) if close else ""
        raise ValueError(
            _(
                "commune '{commune}': no commune named '{name}' has this postal code{hint}; its communes: {communes}"
            ).format(commune=text, name=name, hint=hint, communes=self._list(codes))
        )

    def _list(self, codes: list[str], *, postal: bool = False) -> str:
        """'63003 Ambert, 63027 Baffie' (with the postal code when it helps to tell them apart)."""
        if postal:
            return ", ".join(f"{self.communes[c]} ({'/'.join(self.communes[c].postal_codes)})" for c in codes)
        return ", ".join(str(self.communes[c]) for c in codes)

    def by_postal_code(self, code: str) -> list[Commune]:
        """The communes of the territory with this postal code (several communes often share one)."""
        return [self.communes[c] for c in sorted(set(self._by_postal_code.get(code.strip(), [])))]

    def suggest(self, text: str, limit: int = 10) -> list[Commune]:
        """Communes for a form's suggestions as the user types: by name, postal code or INSEE code prefix.

        Names match from the start of the name or of any of its words ('ferr' finds Saint-Ferréol-
        des-Côtes), accents and case ignored, former names included; the most populated first among
        matches of the same quality (whole name, start of name, start of a word, code).
        """
        query = str(text).strip()
        if not query:
            return []
        ranked: dict[str, tuple[int, int]] = {}

        def offer(code: str, quality: int) -> None:
            commune = self.communes[code]
            best = min(ranked.get(code, (quality, 0))[0], quality)
            ranked[code] = (best, -commune.population)

        if query.isdigit():
            for code in self.communes:
                if code.startswith(query):
                    offer(code, 3)
            for postal, codes in self._by_postal_code.items():
                if postal.startswith(query):
                    for code in codes:
                        offer(code, 2 if postal == query else 3)
        code, name = _split_code_and_name(query)
        key = normalize_name(name if code else query)
        if key:
            for known, codes in self._by_name.items():
                quality = 0 if known == key else 1 if known.startswith(key) else 2 if f" {key}" in f" {known}" else None
                if quality is None:
                    continue
                for c in codes:
                    if not code or any(k in self.communes[c].postal_codes or c == k for k in code.split()):
                        offer(c, quality)
        order = sorted(ranked, key=lambda c: (*ranked[c], self.communes[c].name))
        return [self.communes[c] for c in order[:limit]]

    def closest_hint(self, text: str) -> str:
        """' (closest: 63003 Ambert, …)' for an unknown code or name, or ''."""
        if text[2:].isdigit():
            return _(" (neither the INSEE code nor the postal code of a commune of the network's territory)")
        import difflib  # only for a typo's suggestion: kept out of start-up

        names = difflib.get_close_matches(normalize_name(text), list(self._by_name), n=3, cutoff=0.6)
        found = [self.communes[c] for n in names for c in sorted(self._by_name[n])]
        if not found:
            return _(" (not a commune of the network's territory)")
        return _(" (closest: {communes})").format(communes=", ".join(str(c) for c in found[:3]))


def _is_code(text: str) -> bool:
    """Five characters that may be an INSEE or postal code (``63600``, ``2A004``)."""
    return len(text) == 5 and text[2:].isdigit() and text[:2].isalnum()


def _split_code_and_name(text: str) -> tuple[str, str]:
    """'63600 Ambert', 'Ambert (63600)', '63003 Ambert (63600)' → (codes, name): ('63600', 'Ambert'); else ('', '').

    Several codes (an INSEE code and a postal code, as the commune suggestions show them) come back
    space-separated; each must fit the named commune.
    """
    words = text.replace("(", " ").replace(")", " ").replace(",", " ").split()
    codes = [w for w in words if _is_code(w)]
    name = " ".join(w for w in words if not _is_code(w)).strip(" -–")
    if not codes or not name:
        return "", ""
    return " ".join(codes), name


def normalize_name(name: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: 'Saint-Amant-Roche-Savine'."""
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    for sep in ("-", "'", "’", "_"):
        text = text.replace(sep, " ")
    text = text.replace("st ", "saint ").replace("ste ", "sainte ") if text.startswith(("st ", "ste ")) else text
    return " ".join(text.split())


# --- the territory file --------------------------------------------------------------------------


COMMUNE_COLUMNS = (
    "insee",
    "name",
    "department",
    "arrondissement",
    "arrondissement_name",
    "postal_codes",
    "population",
    "epci_siren",
    "epci_name",
    "epci_2004_siren",
    "epci_2004_name",
    "former_names",
)


def read_communes(path: Path, source: str) -> tuple[list[Commune], list[Problem]]:
    """Read the communes CSV (``#`` lines are comments); every bad row is a located problem."""
    problems: list[Problem] = []
    communes: list[Commune] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return [], [Problem(source, 0, 0, _("communes file not found"))]
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    if not numbered:
        return [], [Problem(source, 0, 0, _("no communes in file"))]
    reader = csv.reader([line for _, line in numbered])
    header = next(reader)
    missing = [c for c in COMMUNE_COLUMNS if c not in header]
    if missing:
        return [], [
            Problem(source, numbered[0][0], 1, _("missing column(s): {columns}").format(columns=", ".join(missing)))
        ]
    for (lineno, _line), row in zip(numbered[1:], reader, strict=False):
        if len(row) != len(header):
            message = _("expected {expected} columns, found {found}").format(expected=len(header), found=len(row))
            problems.append(Problem(source, lineno, 1, message))
            continue
        r = dict(zip(header, row, strict=True))
        if not (len(r["insee"]) == 5 and r["insee"][2:].isdigit()):
            problems.append(
                Problem(source, lineno, 1, _("'{code}' is not an INSEE code (5 characters)").format(code=r["insee"]))
            )
            continue
        communes.append(
            Commune(
                insee=r["insee"],
                name=r["name"],
                department=r["department"],
                arrondissement=r["arrondissement"],
                arrondissement_name=r["arrondissement_name"],
                population=int(r["population"] or 0),
                epci=r["epci_siren"],
                epci_name=r["epci_name"],
                epci_2004=r["epci_2004_siren"],
                epci_2004_name=r["epci_2004_name"],
                former_names=tuple(n for n in r["former_names"].split("|") if n),
                postal_codes=tuple(p for p in r["postal_codes"].split("|") if p),
            )
        )
    return communes, problems


def load_territory(rules_dir: Path, *, display_root: Path | None = None) -> Territory:
    """Load and check the territory of a rules directory; all problems at once as a RulesError."""
    root = display_root or rules_dir
    path = rules_dir / "territory.yaml"
    source = _display(path, root)
    doc = read_document(path, source, aliases=True)
    territory, problems = build_territory(doc, rules_dir, root)
    if problems:
        raise RulesError(problems=problems)
    assert territory is not None
    return territory


def build_territory(doc: Document, rules_dir: Path, root: Path) -> tuple[Territory | None, list[Problem]]:
    """Validate a parsed territory.yaml and build the territory; returns the problems found."""
    from pydantic_core import ValidationError

    from engine.territory_spec import TerritorySpec  # pydantic: only when a territory file is read

    try:
        spec = TerritorySpec.model_validate(doc.data)
    except ValidationError as exc:
        return None, validation_problems(doc, exc, TerritorySpec)
    csv_path = rules_dir / spec.communes
    communes, problems = read_communes(csv_path, _display(csv_path, root))
    by_code = {c.insee: c for c in communes}
    membership: dict[str, str] = {}
    networks: dict[str, LocalNetwork] = {}
    arrondissements = {c.arrondissement for c in communes}
    for i, net in enumerate(spec.local_networks):
        if net.id in networks:
            problems.append(
                doc.problem(("local_networks", i, "id"), _("duplicate local network id '{id}'").format(id=net.id))
            )
        for field_name, known in (
            ("arrondissements", arrondissements),
            ("departments", set(spec.departments)),
            ("communes", set(by_code)),
        ):
            for j, value in enumerate(getattr(net, field_name)):
                if value not in known:
                    message = _(_UNKNOWN_PLACE[field_name]).format(value=value)
                    problems.append(doc.problem(("local_networks", i, field_name, j), message))
        members = {
            c.insee
            for c in communes
            if c.arrondissement in net.arrondissements or c.department in net.departments or c.insee in net.communes
        }
        for code in sorted(members):
            if code in membership and membership[code] != net.id:
                problems.append(
                    doc.problem(
                        ("local_networks", i, "id"),
                        _("commune {commune} is in two local networks: '{first}' and '{second}'").format(
                            commune=by_code[code], first=membership[code], second=net.id
                        ),
                    )
                )
            membership[code] = net.id
        networks[net.id] = LocalNetwork(net.id, net.name, frozenset(members))
    for c in communes:
        if c.department not in spec.departments:
            message = _("commune {commune} is in department '{department}', not listed")
            problems.append(doc.problem(("departments",), message.format(commune=c, department=c.department)))
        if c.insee not in membership:
            message = _("commune {commune} belongs to no local network").format(commune=c)
            problems.append(doc.problem(("local_networks",), message))
    final = {code: _with_network(c, membership.get(code, "")) for code, c in by_code.items()}
    return Territory(final, dict(spec.departments), networks, _intercommunals(final.values())), problems


def _with_network(c: Commune, network: str) -> Commune:
    from dataclasses import replace

    return replace(c, local_network=network)


def _intercommunals(communes) -> dict[str, Intercommunal]:
    members: dict[tuple[str, str, int], set[str]] = {}
    for c in communes:
        if c.epci:
            members.setdefault((c.epci, c.epci_name, 2026), set()).add(c.insee)
        if c.epci_2004:
            members.setdefault((c.epci_2004, c.epci_2004_name, 2004), set()).add(c.insee)
    return {
        siren: Intercommunal(siren, name, year, frozenset(codes))
        for (siren, name, year), codes in sorted(members.items())
    }


def _display(path: Path, root: Path) -> str:
    """A path as the coordinator knows it: relative to the rules directory's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
