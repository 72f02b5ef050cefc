"""Use cases of issue 16 on a stored fiche, for every front end: edit any field, assign a lead the
rules may refuse (unless forced with a reason).

Each function takes the workspace (rules and store opened once) and the caller's identity, does one
transaction, and returns the store's :class:`~engine.store.repository.Change` (the version afterwards
and the events recorded).  Problems are :class:`~engine.errors.InputError` naming the field
(``--naf``, ``--lead``…), which the web form maps to its inputs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.app.workspace import Workspace
from engine.identity import Identity
from engine.store import repository


def edit_fiche(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    comment: str | None = None,
    at: dt.date | None = None,
) -> repository.Change:
    """Change any field (``changes``: field → new value, ``porteur.name`` for the porteur's): the
    history keeps old → new and a fresh suggestion is recorded (:func:`repository.edit_fiche`)."""
    from engine.store.service import suggester

    with ws.store.transaction(fiche_id) as conn:
        return repository.edit_fiche(
            conn, fiche_id, changes, who=who, network=ws.network, suggester=suggester(ws.network), at=at,
            comment=comment, expected_version=expected_version,
        )  # fmt: skip


def assign_lead(
    ws: Workspace,
    who: Identity,
    fiche_id: str,
    lead: str,
    *,
    force_reason: str | None = None,
    expected_version: int | None = None,
    at: dt.date | None = None,
) -> repository.Change:
    """Make ``lead`` the référent; refused when the rules say it is not competent for the fiche's
    nature or commune, unless ``force_reason`` (recorded in the ``lead_assigned`` event)."""
    with ws.store.transaction(fiche_id) as conn:
        return repository.assign_fiche(
            conn, fiche_id, who=who, network=ws.network, lead=lead, at=at, expected_version=expected_version,
            check_competence=True, force_reason=force_reason,
        )  # fmt: skip
