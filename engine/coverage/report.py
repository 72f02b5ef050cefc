"""The coverage findings grouped so a coordinator can read them: per local network, largest first.

A finding of a commune class is spread over the class's communes, by local network.  Entries with
the same local network, role, need, status, candidates and the same communes are merged across
natures and kinds (a missing honour-loan platform is one line, not twelve).  The communes of an
intercommunal body entirely concerned are named by that body.

JSON (``capactif rules coverage --format json``)::

    {"rules_version", "communes", "classes", "counts": {"lead_gaps", "need_gaps", "conditional", "ties"},
     "networks": [{"network", "name", "entries": [
        {"role", "need", "status", "scope", "natures", "kinds", "combinations": [[nature, kind], …],
         "communes": [insee…], "intercommunals": [siren…], "count", "candidates": [{"structure",
         "conditions"}], "decided_by"}]}]}

``count`` is the number of (commune, nature, kind) combinations of the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.coverage.analyse import Candidate, CommuneClass, analyse
from engine.i18n import _
from engine.routing.compile import CompiledRules
from engine.territory import Territory

NO_NETWORK = "(none)"


@dataclass
class Entry:
    """One readable line: a role/need without coverage (or tied) in some communes, for some combinations."""

    network: str
    role: str
    need: str | None
    status: str
    candidates: tuple[Candidate, ...]
    decided_by: str | None
    communes: frozenset[str]
    combinations: set[tuple[str, str]] = field(default_factory=set)
    intercommunals: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    #: For a gap: "territory" (served elsewhere in the network) or "network" (nowhere for these combinations).
    scope: str | None = None

    @property
    def count(self) -> int:
        return len(self.communes) * len(self.combinations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "need": self.need,
            "status": self.status,
            "scope": self.scope,
            "natures": sorted({n for n, _ in self.combinations}),
            "kinds": sorted({k for _, k in self.combinations}),
            "combinations": [list(c) for c in sorted(self.combinations)],
            "communes": sorted(self.communes),
            "intercommunals": self.intercommunals,
            "count": self.count,
            "candidates": [{"structure": c.structure, "conditions": list(c.conditions)} for c in self.candidates],
            "decided_by": self.decided_by,
        }


@dataclass
class Coverage:
    """The coverage of a rule set: entries per local network, and the totals."""

    rules_version: str
    communes: int
    classes: int
    networks: dict[str, str]
    entries: list[Entry]

    def counts(self) -> dict[str, int]:
        """Combinations (commune × nature × kind [× need]) per kind of finding."""
        out = {"lead_gaps": 0, "need_gaps": 0, "conditional": 0, "ties": 0}
        for e in self.entries:
            if e.status == "gap":
                out["lead_gaps" if e.role == "lead" else "need_gaps"] += e.count
            elif e.status == "conditional":
                out["conditional"] += e.count
            else:
                out["ties"] += e.count
        return out

    @property
    def lead_gap(self) -> bool:
        """Some combination has no structure able to lead it (exit 1)."""
        return any(e.role == "lead" and e.status == "gap" for e in self.entries)

    @property
    def exit_code(self) -> int:
        """``rules coverage``: 1 when a lead gap exists, else 0."""
        return 1 if self.lead_gap else 0

    def by_network(self) -> list[tuple[str, str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {}
        for e in self.entries:
            groups.setdefault(e.network, []).append(e)
        order = [*self.networks, NO_NETWORK]
        return [(n, self.networks.get(n, _("outside the local networks")), groups[n]) for n in order if n in groups]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules_version": self.rules_version,
            "communes": self.communes,
            "classes": self.classes,
            "counts": self.counts(),
            "networks": [
                {"network": n, "name": name, "entries": [e.to_dict() for e in entries]}
                for n, name, entries in self.by_network()
            ],
        }


def coverage(compiled: CompiledRules) -> Coverage:
    """Analyse the compiled rules and group the findings (see the module docstring)."""
    classes = analyse(compiled)
    territory = compiled.territory
    entries = group(classes, territory)
    networks = {n: ln.name for n, ln in territory.local_networks.items()}
    return Coverage(compiled.version, len(territory.communes), len(classes), networks, entries)


def group(classes: list[CommuneClass], territory: Territory) -> list[Entry]:
    """Spread each class's findings over its communes' local networks, then merge and sort."""
    merged: dict[tuple, Entry] = {}
    for cls in classes:
        by_network: dict[str, list[str]] = {}
        for code in cls.communes:
            by_network.setdefault(territory.communes[code].local_network or NO_NETWORK, []).append(code)
        per_finding: dict[tuple, set[tuple[str, str]]] = {}
        for f in cls.findings:
            key = (f.role, f.need, f.status, f.candidates, f.decided_by)
            per_finding.setdefault(key, set()).add((f.nature, f.kind))
        for network, communes in by_network.items():
            for (role, need, status, candidates, decided_by), combos in per_finding.items():
                # Merge across classes: same line when the same combinations are concerned.
                key = (network, role, need, status, candidates, decided_by, frozenset(combos))  # type: ignore[assignment]
                entry = merged.get(key)
                if entry is None:
                    merged[key] = Entry(
                        network, role, need, status, candidates, decided_by, frozenset(communes), combos
                    )
                else:
                    entry.communes = entry.communes | frozenset(communes)
    entries = list(merged.values())
    served = _served_somewhere(classes)
    for e in entries:
        e.intercommunals, e.places = places(e.communes, territory)
        if e.status == "gap":
            somewhere = any((e.role, n, k, e.need) in served for n, k in e.combinations)
            e.scope = "territory" if somewhere else "network"
    entries.sort(key=lambda e: (_rank(e), -e.count, e.need or "", sorted(e.communes)))
    return entries


def _rank(e: Entry) -> int:
    """Territorial gaps (lead first), lead ties, conditional coverage, then what the network offers nowhere."""
    if e.status == "gap" and e.scope == "territory":
        return 0 if e.role == "lead" else 1
    return {"tie": 2, "conditional": 3}.get(e.status, 4)


def _served_somewhere(classes: list[CommuneClass]) -> set[tuple[str, str, str, str | None]]:
    """(role, nature, kind, need) combinations that some commune class does not lack."""
    gaps_in: dict[tuple[str, str, str, str | None], int] = {}
    for cls in classes:
        for f in cls.findings:
            if f.status == "gap":
                key = (f.role, f.nature, f.kind, f.need)
                gaps_in[key] = gaps_in.get(key, 0) + 1
    return {key for key, n in gaps_in.items() if n < len(classes)}


def places(communes: frozenset[str], territory: Territory) -> tuple[list[str], list[str]]:
    """The intercommunal bodies (current ones) whose every commune is concerned, and the words for all.

    Returns (sirens, words): words name each whole body, then the remaining communes.
    """
    by_body: dict[str, list[str]] = {}
    for code in communes:
        by_body.setdefault(territory.communes[code].epci, []).append(code)
    sirens, words, loose = [], [], []
    for siren in sorted(by_body):
        body = territory.intercommunals.get(siren)
        inside = [c for c in (body.communes if body else ()) if c in territory.communes]
        if body is not None and len(by_body[siren]) == len(inside) and len(inside) > 1:
            sirens.append(siren)
            words.append(f"{body.name} ({len(inside)} communes)")
        else:
            loose += by_body[siren]
    words += [territory.communes[c].insee + " " + territory.communes[c].name for c in sorted(loose)]
    return sirens, words
