"""The coverage as a table (largest entries first, per local network) or JSON (every entry)."""

from __future__ import annotations

from engine.coverage.report import Coverage, Entry
from engine.i18n import N_, _, ngettext
from engine.output import to_table
from engine.render import renders
from engine.vocabulary import KINDS, NATURES

COLUMNS = ("status", "role", "natures", "kinds", "places", "count", "candidates")
HEADERS = (N_("status"), N_("lead / need"), N_("natures"), N_("kinds"), N_("where"), N_("combinations"),
           N_("structures (conditions)"))  # fmt: skip
#: An entry's status (``Entry.status``, an id of the JSON view) as the table says it.
STATUSES = {"gap": N_("gap"), "conditional": N_("conditional"), "tie": N_("tie")}
#: Lines shown per local network in the table (JSON lists every entry).
TABLE_LIMIT = 25


def _all_or(values: list[str], everything: dict[str, str]) -> str:
    return _("all") if set(values) == set(everything) else ", ".join(values)


def _status(e: Entry) -> str:
    if e.scope == "network":
        return _("not offered in the network")
    status = _(STATUSES.get(e.status, e.status))
    if e.decided_by:
        return _("{status} (decided by {how})").format(status=status, how=e.decided_by)
    return status


def _row(e: Entry) -> dict[str, object]:
    data = e.to_dict()
    more = len(e.places) - 6
    shown = e.places[:6] + ([_("… {n} more").format(n=more)] if more > 0 else [])
    return {
        "status": _status(e),
        "role": _("lead") if e.role == "lead" else e.need,
        "natures": _all_or(data["natures"], NATURES),
        "kinds": _all_or(data["kinds"], KINDS),
        "places": "; ".join(shown),
        "count": e.count,
        "candidates": "; ".join(c.words() for c in e.candidates) or _("none"),
    }


@renders(Coverage, "table")
def render_table(cov: Coverage, limit: int = TABLE_LIMIT) -> str:
    """The summary line, then per local network its largest entries (gaps, then conditional, then ties)."""
    c = cov.counts()
    out = [
        _("Coverage of the rules {version}: {communes} communes in {classes} classes").format(
            version=cov.rules_version, communes=cov.communes, classes=cov.classes
        ),
        "  "
        + _(
            "lead gaps: {lead_gaps}, need gaps: {need_gaps}, conditional only: {conditional}, lead ties: {ties} "
            "(commune × nature × kind [× need] combinations)"
        ).format(lead_gaps=c["lead_gaps"], need_gaps=c["need_gaps"], conditional=c["conditional"], ties=c["ties"]),
        "  "
        + _(
            "gap: no structure here, though the network offers it elsewhere; not offered in the network: nowhere "
            "for these natures and kinds; conditional: only for some porteurs (see the conditions)"
        ),
    ]
    if not cov.entries:
        out.append(_("Every combination is covered, and no two structures tie for lead."))
    headers = [_(h) for h in HEADERS]
    for _network, name, entries in cov.by_network():
        shown = entries[:limit]
        if len(entries) > limit:
            title = ngettext(
                "{name}: {n} entry (the first {limit}; --format json lists all)",
                "{name}: {n} entries (the first {limit}; --format json lists all)",
                len(entries),
            )
        else:
            title = ngettext("{name}: {n} entry", "{name}: {n} entries", len(entries))
        title = title.format(name=name, n=len(entries), limit=limit)
        out += ["", to_table([_row(e) for e in shown], COLUMNS, headers, title=title, width=160)]
    return "\n".join(out)
