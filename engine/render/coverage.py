"""The coverage as a table (largest entries first, per local network) or JSON (every entry)."""

from __future__ import annotations

from engine.coverage.report import Coverage, Entry
from engine.output import to_table
from engine.render import renders
from engine.vocabulary import KINDS, NATURES

COLUMNS = ("status", "role", "natures", "kinds", "places", "count", "candidates")
HEADERS = ("status", "lead / need", "natures", "kinds", "where", "combinations", "structures (conditions)")
#: Lines shown per local network in the table (JSON lists every entry).
TABLE_LIMIT = 25


def _all_or(values: list[str], everything: dict[str, str]) -> str:
    return "all" if set(values) == set(everything) else ", ".join(values)


def _row(e: Entry) -> dict[str, object]:
    data = e.to_dict()
    shown = e.places[:6] + ([f"… {len(e.places) - 6} more"] if len(e.places) > 6 else [])
    status = e.status + (f" (decided by {e.decided_by})" if e.decided_by else "")
    if e.scope == "network":
        status = "not offered in the network"
    return {
        "status": status,
        "role": "lead" if e.role == "lead" else e.need,
        "natures": _all_or(data["natures"], NATURES),
        "kinds": _all_or(data["kinds"], KINDS),
        "places": "; ".join(shown),
        "count": e.count,
        "candidates": "; ".join(c.words() for c in e.candidates) or "none",
    }


@renders(Coverage, "table")
def render_table(cov: Coverage, limit: int = TABLE_LIMIT) -> str:
    """The summary line, then per local network its largest entries (gaps, then conditional, then ties)."""
    c = cov.counts()
    out = [
        f"Coverage of the rules {cov.rules_version}: {cov.communes} communes in {cov.classes} classes",
        f"  lead gaps: {c['lead_gaps']}, need gaps: {c['need_gaps']}, conditional only: {c['conditional']}, "
        f"lead ties: {c['ties']} (commune × nature × kind [× need] combinations)",
        "  gap: no structure here, though the network offers it elsewhere; not offered in the network: nowhere "
        "for these natures and kinds; conditional: only for some porteurs (see the conditions)",
    ]
    if not cov.entries:
        out.append("Every combination is covered, and no two structures tie for lead.")
    for _, name, entries in cov.by_network():
        shown = entries[:limit]
        more = f" (the first {limit}; --format json lists all)" if len(entries) > limit else ""
        out += ["", to_table([_row(e) for e in shown], COLUMNS, HEADERS, title=f"{name}: {len(entries)} entries{more}",
                             width=160)]  # fmt: skip
    return "\n".join(out)
