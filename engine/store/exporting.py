"""What each caller may see of a fiche, and fiches as CSV, JSON or YAML for other tools.

The same rule everywhere (``fiche show``, ``fiche list``, ``fiche export``): the porteur's name,
email and phone, and the fiche's summary, are blanked for callers who may not see them
(:mod:`engine.privacy`).  CSV
columns are the import columns, so an export can be imported into another store; cells a
spreadsheet would run as formulas are neutralised by :func:`engine.output.to_csv`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from engine import privacy
from engine.store import access
from engine.store.records import FICHE_FIELDS, StoredFiche

PORTEUR_COLUMNS = ("porteur.name", "porteur.email", "porteur.phone", "porteur.consent_network")
LIST_COLUMNS = ("needs", "publics", "supporting")
COLUMNS: tuple[str, ...] = tuple(
    column for name in FICHE_FIELDS for column in (PORTEUR_COLUMNS if name == "porteur" else (name,))
)


def for_viewer(stored: StoredFiche, who: access.Viewer) -> dict[str, Any]:
    """The fiche dict as ``who`` may see it: personal and free-text fields nulled (:mod:`engine.privacy`)."""
    return privacy.mask_fiche(stored.fiche, can_see_personal(stored, who))


def can_see_personal(stored: StoredFiche, who: access.Viewer) -> bool:
    """Whether ``who`` may read this fiche's personal data."""
    return privacy.sees_fiche_personal_data(who, stored.fiche)


def flat(data: dict[str, Any]) -> dict[str, Any]:
    """A fiche dict as one CSV row (``porteur.*`` columns, lists kept for ``|`` joining)."""
    row = {k: (("true" if v else "false") if isinstance(v, bool) else v) for k, v in data.items() if k != "porteur"}
    for column in PORTEUR_COLUMNS:
        value = data["porteur"][column.split(".", 1)[1]]
        row[column] = ("true" if value else "false") if isinstance(value, bool) else value
    return row


DATE_COLUMNS = ("received", "installed_on")


def export(fiches: Iterable[StoredFiche], who: access.Viewer, fmt: str, *, excel: bool = False) -> str:
    """Every fiche as ``who`` may see it, in ``csv``, ``json`` or ``yaml``.

    ``excel``: CSV as a French Excel opens it (:data:`engine.spreadsheet.EXCEL`: ``;``, a UTF-8
    byte-order mark at the start of the text, dates JJ/MM/AAAA, Windows line ends); ``fiche import``
    reads it back as it is.
    """
    from engine.output import to_csv, to_json

    visible = [for_viewer(s, who) for s in fiches]
    if fmt == "csv" and excel:
        from engine.spreadsheet import EXCEL, format_date

        rows = ({**row, **{c: format_date(row.get(c)) for c in DATE_COLUMNS}} for row in map(flat, visible))
        return "\ufeff" + to_csv(rows, COLUMNS, delimiter=EXCEL.delimiter, line_end=EXCEL.line_end)
    if fmt == "csv":
        return to_csv((flat(d) for d in visible), COLUMNS)
    if fmt == "json":
        return to_json(visible) + "\n"
    return to_yaml(visible)


def to_yaml(data: Any) -> str:
    """Block-style YAML, keys in the order given (the fiche's field order)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
