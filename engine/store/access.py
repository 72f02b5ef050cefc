"""Who is asking, what they may see of a fiche, and what they may change.

The caller is given by ``--as`` (or ``$CAPACTIF_AS``): a structure id, or one of the roles
``coordinator`` and ``committee``.  Nobody named means an anonymous reader.

Reading (the network's confidentiality promise to porteurs; decided and applied in
:mod:`engine.privacy`, re-exported here):

* the porteur's name, email and phone are shown to the structures *on the fiche* (its lead, its
  supporting structures, the structure that received the porteur) and to the coordinator;
* when the porteur agreed (``consent_network: true``) they are shown to every structure;
* everyone else, the committee and anonymous readers included, sees the fiche without them.
  Notes and contacts are free text that often names the porteur: their text follows the same rule.

Writing:

* the committee and anonymous callers never write;
* a structure may add fiches (it becomes ``received_by`` when the fiche names nobody) but may not
  add a fiche on behalf of another structure;
* assigning, moving, noting or changing consent on a fiche is for the structures on the fiche and
  the coordinator.  A structure taking the lead of a fiche it is not on must be assigned by the
  coordinator or by a structure already on the fiche.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from engine.errors import AccessDenied, InputError
from engine.i18n import N_, _
from engine.identity import ANONYMOUS, COMMITTEE, COORDINATOR, ROLES, Identity
from engine.privacy import PERSONAL_FIELDS, on_fiche, sees_personal_data
from engine.vocabulary import unknown

__all__ = [
    "ANONYMOUS",
    "COMMITTEE",
    "COORDINATOR",
    "PERSONAL_FIELDS",
    "ROLES",
    "Identity",
    "Viewer",
    "check_add",
    "check_write",
    "on_fiche",
    "sees_personal_data",
    "viewer",
]

# The caller's type is engine.identity.Identity; ``Viewer`` is its historical name here.
Viewer = Identity


def viewer(option: str | None = None, structures: Iterable[str] | None = None) -> Identity:
    """The caller from ``--as`` or ``$CAPACTIF_AS``; a structure id is checked when ids are known."""
    name = option or os.environ.get("CAPACTIF_AS") or None
    if name is None:
        return ANONYMOUS
    known = set(structures) if structures is not None else None
    if name not in ROLES and known and name not in known:
        raise InputError(f"--as: {unknown('structure or role', name, [*ROLES, *sorted(known)])}")
    return Identity(name)


def check_write(who: Viewer, fiche_id: str, structures_on_fiche: set[str], action: str) -> None:
    """Refuse a change to an existing fiche by a caller who is not on it (and is not the coordinator)."""
    if who.is_coordinator:
        return
    _check_identified(who, action)
    if who.structure not in structures_on_fiche:
        on = ", ".join(sorted(structures_on_fiche)) or _("no structure yet")
        # {action} is a verb marked N_ where check_write is called ("assign", "change the commune of").
        raise AccessDenied(
            _(
                "{who} may not {action} fiche {fiche}: only the structures on it ({on}) "
                "and the coordinator may; ask one of them or the coordinator"
            ).format(who=who.label(), action=_(action), fiche=fiche_id, on=on)
        )


def check_add(who: Viewer, received_by: str | None, source: str) -> None:
    """Refuse a new fiche from the committee or nobody, or recorded on behalf of another structure."""
    if who.is_coordinator:
        return
    _check_identified(who, N_("add"))
    if received_by and received_by != who.structure:
        raise AccessDenied(
            _(
                "{source}: {who} may not add a fiche received by {received_by}: let {received_by} add it, "
                "or the coordinator"
            ).format(source=source, who=who.label(), received_by=received_by)
        )


def _check_identified(who: Viewer, action: str) -> None:
    if who.is_committee:
        raise AccessDenied(_("the committee reads fiches but may not {action} them").format(action=_(action)))
    if who.structure is None:
        raise AccessDenied(
            _("say who you are to {action} fiches: --as STRUCTURE (or --as coordinator), or set CAPACTIF_AS").format(
                action=_(action)
            )
        )
