"""The yearly report as text: table, JSON, CSV and Markdown (the HTML page is in :mod:`.html`)."""

from __future__ import annotations

from typing import Any

from engine.output import to_csv, to_json, to_markdown, to_table
from engine.report.indicators import INDICATORS, LABELS, RATIOS

#: Short column headers for the per-network and per-structure tables.
SHORT: dict[str, str] = {
    "projects_met": "rencontrés",
    "with_referent": "avec référent",
    "network_effect": "effet réseau",
    "installed": "installés",
    "installed_with_follow_up": "suivis",
    "offers_published": "offres",
    "offer_contacts": "contacts",
    "installed_via_offer": "via offre",
}

CSV_COLUMNS: tuple[str, ...] = (
    "scope",
    "id",
    *INDICATORS,
    *(f"ratio_{r}" for r in RATIOS),
    "median_days_reception_to_referent",
    "median_days_reception_to_installation",
    "first_reception_received",
    "first_reception_taken_in_charge",
    "median_days_first_reception_to_referent",
)


def percent(value: float | None) -> str:
    """``0.4074`` → ``40.7 %``; ``—`` when there is nothing to divide by."""
    return "—" if value is None else f"{value * 100:.1f} %"


def days(value: float | None) -> str:
    """A median in days, ``—`` when there is none."""
    if value is None:
        return "—"
    return f"{value:g} j"


def _flat(scope: str, ident: str, figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"scope": scope, "id": ident}
    row.update({k: figures[k] for k in INDICATORS})
    row.update({f"ratio_{r}": figures["ratios"][r] for r in RATIOS})
    row["median_days_reception_to_referent"] = figures["median_days"]["reception_to_referent"]
    row["median_days_reception_to_installation"] = figures["median_days"]["reception_to_installation"]
    first = figures.get("first_reception") or {}
    row["first_reception_received"] = first.get("received")
    row["first_reception_taken_in_charge"] = first.get("taken_in_charge")
    row["median_days_first_reception_to_referent"] = first.get("median_days_to_referent")
    return row


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per scope: the network (or the chosen local network), each local network, each structure."""
    out = [_flat("network" if not report["network"] else "local_network", report["network"] or "all", report)]
    out += [_flat("local_network", r["network"], r) for r in report["by_network"]]
    out += [_flat("structure", r["structure"], r) for r in report["by_structure"]]
    return out


def indicator_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    ratio_of = {num: name for name, (num, _) in RATIOS.items() if name != "contacts_per_offer"}
    out = []
    for key in INDICATORS:
        ratio = report["ratios"].get(ratio_of[key]) if key in ratio_of else None
        out.append(
            {
                "key": key,
                "label": LABELS[key],
                "value": report[key],
                "ratio": percent(ratio) if ratio is not None else "",
            }
        )
    return out


def title(report: dict[str, Any]) -> str:
    """``Bilan Cap Actif 2025`` (and the local network when one was chosen)."""
    where = f" — réseau local {report['network']}" if report["network"] else ""
    return f"Bilan Cap Actif {report['period']['label']}{where}"


def medians_line(report: dict[str, Any]) -> str:
    m = report["median_days"]
    line = (
        f"Délai médian premier contact → référent : {days(m['reception_to_referent'])} ; "
        f"premier contact → installation : {days(m['reception_to_installation'])}"
    )
    first = report.get("first_reception")
    if first and first["received"]:
        line += (
            f" ; premier accueil (communautés de communes, Parc) → prise en charge par le référent : "
            f"{days(first['median_days_to_referent'])} ({first['taken_in_charge']} pris en charge sur "
            f"{first['received']} reçus)"
        )
    return line


def render(report: dict[str, Any], fmt: str) -> str:
    """The report in ``table``, ``json``, ``csv`` or ``markdown``."""
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(rows(report), CSV_COLUMNS)
    per_cols = ["id", *INDICATORS]
    per_heads = ["", *(SHORT[k] for k in INDICATORS)]
    nets = [{"id": r["network"], **r} for r in report["by_network"]]
    structs = [{"id": r["structure"], **r} for r in report["by_structure"]]
    main_cols, main_heads = ["label", "value", "ratio"], ["indicateur", "nombre", "part"]
    if fmt == "markdown":
        return "\n".join(
            [
                f"# {title(report)}",
                "",
                to_markdown(indicator_rows(report), main_cols, main_heads),
                "",
                medians_line(report),
                "",
                "## Par réseau local",
                "",
                to_markdown(nets, per_cols, ["réseau local", *per_heads[1:]]),
                "",
                "## Par structure",
                "",
                to_markdown(structs, per_cols, ["structure", *per_heads[1:]]),
            ]
        )
    return "\n".join(
        [
            to_table(indicator_rows(report), main_cols, main_heads, title=title(report)),
            medians_line(report),
            "",
            to_table(nets, per_cols, ["réseau local", *per_heads[1:]], title="Par réseau local"),
            "",
            to_table(structs, per_cols, ["structure", *per_heads[1:]], title="Par structure"),
        ]
    )
