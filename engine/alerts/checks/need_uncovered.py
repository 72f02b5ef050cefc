"""``need_uncovered``: a need declared on the fiche that none of the structures accompanying it serves.

The structures accompanying a fiche are its lead, its supporting structures and its follow-up
structure; a structure *serves* a need when the need is in its ``support.needs`` (with the NAF
restrictions of that need) and it is active in the rules in force.  Raised only once the fiche has a
lead: before that, ``no_lead`` is the alert.  One alert per fiche, listing every uncovered need;
``since`` is the last change of the structures on the fiche (the reception if none).  The action
names the supporting structure routing would add for each need, or says nobody serves it here and
where to orient the porteur outside the network (``orientation.yaml``, unconfirmed entries said so).
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.alerts.context import AlertContext, Found
from engine.alerts.model import Alert, Words
from engine.i18n import _, ngettext
from engine.readmodel import FicheView
from engine.routing.compile import CompiledStructure
from engine.routing.suggest import Orientation
from engine.vocabulary import ACTIVE_STAGES, label

ID = "need_uncovered"
#: The fiches it may alert on (active fiches with a référent): the runner asks it of those only.
SCOPE = "led"
#: What :meth:`AlertContext.accompanying` says of a fiche's structures: the active ones, the needs one of them
#: serves for any fiche, the needs one of them lists.
Accompanying = tuple[list[CompiledStructure], frozenset[str], frozenset[str]]


def uncovered(view: FicheView, ctx: AlertContext) -> list[str]:
    """The fiche's needs that no structure accompanying it serves, in the fiche's order."""
    return _missing(view, ctx.accompanying(view.lead, view.supporting, view.follow_up_by))


def _missing(view: FicheView, accompanying: Accompanying) -> list[str]:
    """:func:`uncovered` given what :meth:`AlertContext.accompanying` says of the fiche's structures."""
    present, plain, listed = accompanying
    if plain.issuperset(view.needs):  # the common case: every need served for any fiche
        return []
    return [
        n for n in view.needs if n not in plain and (n not in listed or not any(s.serves(n, view) for s in present))
    ]


def _orientation(view: FicheView, ctx: AlertContext, need: str) -> Orientation | None:
    """The structures outside the network (orientation.yaml) to send the porteur to for ``need``."""
    found = ctx.rules.orientations_for(need, view.commune, view.effective_nature, view.kind)
    return Orientation(need, found) if found else None


def check(view: FicheView, ctx: AlertContext) -> Alert | None:
    """A declared need served by none of lead, supporting, follow-up structures (one fiche: :func:`scan` of it)."""
    found = scan((view,), ctx)
    return ctx.made(ID, found[0]) if found else None


def scan(views: Iterable[FicheView], ctx: AlertContext) -> list[Found]:
    """The alerts of the led fiches with a declared need that no structure accompanying them serves (see
    :func:`uncovered`), in the order of ``views``, in one loop (170,000 led fiches at scale)."""
    accompanying = ctx.accompanying
    # what the fiche's structures serve, per (lead, supporting, follow-up) combination: a few hundred at
    # 200,000 fiches, looked up here without a call per fiche
    known: dict[tuple[str | None, tuple[str, ...], str | None], Accompanying] = {}
    out: list[Found] = []
    for view in views:
        needs = view.needs
        if not needs or view.lead is None or view.stage not in ACTIVE_STAGES:
            continue
        key = (view.lead, view.supporting, view.follow_up_by)
        found = known.get(key)
        if found is None:
            found = known[key] = accompanying(*key)
        if found[1].issuperset(needs):  # the common case: every need served for any fiche
            continue
        missing = _missing(view, found)
        if missing:
            since = max(view.assignment_since or view.received, view.received)
            out.append((since, view.id, view, _words, missing))
    return out


def _words(view: FicheView, ctx: AlertContext, missing: list[str]) -> Words:
    by_need: dict[str, str] = {}
    # Routing can name someone for a need only if a structure of the commune lists it (its lead too)
    # or a support rule is about it: for the needs nobody here serves, no suggestion to compute.
    if any(ctx.servable(view.commune, need) for need in missing):
        proposal = ctx.suggestion(view)
        by_need = {need: s.structure for s in proposal.supporting for need in s.needs}
        if proposal.lead is not None:
            for need in ctx.rules.structures[proposal.lead.structure].support_needs:
                by_need.setdefault(need, proposal.lead.structure)
    steps, suggested, nobody = [], [], []
    for need in missing:
        who = by_need.get(need)
        if who is None:
            nobody.append(need)
            continue
        suggested.append(who)
        if who in view.on_fiche:
            steps.append(_("ask {name} to take {need}").format(name=ctx.name(who), need=label("need", need)))
        else:
            step = _("add {name} as supporting structure for {need}")
            steps.append(step.format(name=ctx.name(who), need=label("need", need)))
    if nobody:
        step = _("no structure serves {needs} in {commune}: the coordinator decides")
        steps.append(step.format(needs=_needs(nobody), commune=ctx.commune(view)))
        steps += [
            _orientation_words(need, orientation)
            for need in nobody
            if (orientation := _orientation(view, ctx, need)) is not None
        ]
    message = ngettext(
        "{n} declared need served by no structure on the fiche: {needs}",
        "{n} declared needs served by no structure on the fiche: {needs}",
        len(missing),
    ).format(n=len(missing), needs=_needs(missing))
    action = "; ".join(steps)
    command = None
    if suggested:
        command = f"capactif fiche assign {view.id} " + " ".join(
            f"--support {s}" for s in dict.fromkeys(suggested) if s not in view.on_fiche
        )
    return (
        message,
        action[:1].upper() + action[1:],
        [view.lead, *view.supporting],
        suggested,
        command if command and "--support" in command else None,
    )


def _needs(needs: list[str]) -> str:
    """'prêt d'honneur (honour_loan), …': a need's label, with its id (what ``--need`` accepts)."""
    return ", ".join(f"{label('need', n)} ({n})" for n in needs)


def _orientation_words(need: str, orientation: Orientation) -> str:
    """'prêt d'honneur: orient to Initiative Loire (à confirmer en partie)'."""
    from engine.rules.model import CONFIRMED_LABELS

    if not orientation.structures:
        return _("{need}: no structure known outside the network either, ask the coordinator").format(
            need=label("need", need)
        )
    named = "; ".join(
        o.name if o.confirmed == "yes" else f"{o.name} ({CONFIRMED_LABELS[o.confirmed]})"
        for o in orientation.structures
    )
    return _("{need}: orient to {structures}").format(need=label("need", need), structures=named)
