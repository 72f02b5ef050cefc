"""The kinds of event in a fiche's history, how each changes the fiche, and rebuilding a fiche from them.

The event log is the record of what happened; the ``fiches`` row is a cache of where it led.
:func:`engine.store.history.rebuild` replays a history from the ``created`` event, applying each
event with :func:`apply` here, and is what ``capactif db verify`` compares each stored fiche with.
States here are fiche dicts in the fiche's own field names (the JSON of :class:`engine.fiche.Fiche`),
so a history, an export and a fiche file read alike.

Payloads (stable: they are stored forever):

================  ==================================================================================
kind              payload
================  ==================================================================================
created           ``fiche``: the fiche as recorded (its own field names); ``local_network``: its commune's
                  local network then (absent from events recorded before schema 0200)
suggested         ``rules_version``, ``lead`` (id or null), ``supporting`` (ids), ``orphan``,
                  ``suggestion`` (the full suggestion as ``suggest --format json`` prints it)
lead_assigned     ``lead``, ``previous`` (id or null)
lead_removed      ``lead``
support_assigned  ``structure``
support_removed   ``structure``
stage_changed     ``trigger``, ``from``, ``to``, ``comment``, and the fiche's ``installed_on``,
                  ``follow_up_by``, ``held_from`` once the change is made
contact           ``text``, ``channel`` (phone, email, meeting… or null)
note              ``text``
consent_changed   ``consent_network`` (the new value), ``previous``
commune_changed   ``commune`` (the new INSEE code), ``previous``, ``local_network`` (the new commune's,
                  or null), ``comment``: the porteur settles elsewhere; the fiche follows its commune
suggestion_taken  ``structure``, ``role`` (``lead`` or ``support``), ``needs`` (a support's needs): the
                  structure suggested answered "Prendre en charge"; the ``lead_assigned`` or
                  ``support_assigned`` event that follows makes it so
suggestion_declined ``structure``, ``role``, ``needs``, ``reason`` (free text): the structure answered
                  "Pas pour nous"; a new ``suggested`` event follows, routed without the structures
                  that declined that role
personal_erased   ``paths`` (what was erased), ``cause`` (``request``: the porteur asked;
                  ``retention``: the charter's retention period ended): the porteur's name, e-mail,
                  phone and free texts are gone from the fiche and its history
================  ==================================================================================

The *current suggestion* of a fiche (who is asked to lead or support it, since when) follows the
``suggested`` events: :func:`next_suggested` gives it from the previous one, so a structure still
suggested after a re-routing keeps the day it was first asked.  The store keeps it in
``fiche_suggestions`` (the technicians' "À traiter" lists are read from there), and ``db verify``
checks that table against the history too.

Personal values (name, e-mail, phone, summary, texts, comments, reasons) are not stored in the
payloads but in ``personal_data``, referenced by key (:mod:`engine.store.personal`);
:mod:`engine.store.history` reads a history with them joined back.  Every stage change is checked
against the lifecycle (:mod:`engine.lifecycle`) when replayed: a move the lifecycle forbids
(``idea`` → ``developed``), or one whose guard did not hold then (``start_study`` without a
référent), is a broken history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.i18n import N_, _
from engine.vocabulary import CHANNELS, STAGES

CREATED = "created"
SUGGESTED = "suggested"
LEAD_ASSIGNED = "lead_assigned"
LEAD_REMOVED = "lead_removed"
SUPPORT_ASSIGNED = "support_assigned"
SUPPORT_REMOVED = "support_removed"
STAGE_CHANGED = "stage_changed"
CONTACT = "contact"
NOTE = "note"
CONSENT_CHANGED = "consent_changed"
COMMUNE_CHANGED = "commune_changed"
SUGGESTION_TAKEN = "suggestion_taken"
SUGGESTION_DECLINED = "suggestion_declined"
FICHE_EDITED = "fiche_edited"

#: The roles a structure can be suggested for.
LEAD, SUPPORT = "lead", "support"
PERSONAL_ERASED = "personal_erased"

#: What each kind of event is, in words (English msgids: say them with :func:`kind_label`).
KINDS: dict[str, str] = {
    CREATED: N_("fiche created"),
    SUGGESTED: N_("network's suggestion"),
    LEAD_ASSIGNED: N_("référent named"),
    LEAD_REMOVED: N_("référent removed"),
    SUPPORT_ASSIGNED: N_("supporting structure added"),
    SUPPORT_REMOVED: N_("supporting structure removed"),
    STAGE_CHANGED: N_("stage change"),
    CONTACT: N_("contact"),
    NOTE: N_("note"),
    CONSENT_CHANGED: N_("consent changed"),
    COMMUNE_CHANGED: N_("commune changed"),
    SUGGESTION_TAKEN: N_("suggestion taken"),
    SUGGESTION_DECLINED: N_("suggestion declined"),
    FICHE_EDITED: N_("fiche edited"),
    PERSONAL_ERASED: N_("personal data erased"),
}


def kind_label(kind: str) -> str:
    """What an event of ``kind`` is, in the language in force (the kind itself when unknown)."""
    return _(KINDS[kind]) if kind in KINDS else kind


#: Events whose text may name the porteur: shown only to those who see personal data.
FREE_TEXT = frozenset({CONTACT, NOTE})
#: The payload key holding free text, for the events that have one besides ``text``.
FREE_TEXT_KEYS = {SUGGESTION_DECLINED: "reason"}

#: ``(structure, role)`` → the day it was first suggested in that role, for the current suggestion.
Suggested = dict[tuple[str, str], str]


def next_suggested(previous: Mapping[tuple[str, str], str], payload: Mapping[str, Any], at: Any) -> Suggested:
    """The current suggestion after a ``suggested`` event (``at``: its day, ISO text or a date).

    A structure suggested again in the same role keeps the day it was first asked: re-routing after
    another structure declined must not make an old request look new.
    """
    day = at.isoformat() if hasattr(at, "isoformat") else str(at)
    out: Suggested = {}
    if payload.get("lead"):
        key = (payload["lead"], LEAD)
        out[key] = previous.get(key, day)
    for structure in payload.get("supporting") or ():
        key = (structure, SUPPORT)
        out[key] = previous.get(key, day)
    return out


#: Fields of a fiche an edit may change (``fiche edit``); ``porteur.x`` is a field of the porteur.
EDITABLE = (
    "summary", "porteur.name", "porteur.email", "porteur.phone", "kind", "naf", "nature", "employees",
    "artisan_registered", "farm_link", "needs", "publics",
)  # fmt: skip
#: Edited fields that may name the porteur: masked for whoever may not see personal data.
PERSONAL_FIELDS = frozenset({"summary", "porteur.name", "porteur.email", "porteur.phone"})
#: Names of the edited fields, for the history (English msgids: translated where shown).
FIELD_NAMES = {
    "summary": N_("summary"), "porteur.name": N_("porteur's name"), "porteur.email": N_("porteur's e-mail"),
    "porteur.phone": N_("porteur's phone"), "kind": N_("kind of project"), "naf": N_("NAF code"),
    "nature": N_("nature"), "employees": N_("headcount"),
    "artisan_registered": N_("registered at the répertoire des métiers"),
    "farm_link": N_("link with a farm"), "needs": N_("needs"), "publics": N_("publics"),
}  # fmt: skip


@dataclass
class Rebuilt:
    """A fiche rebuilt from its history, with the places where the history contradicts itself."""

    state: dict[str, Any]
    orphan: bool = False
    version: int = 0
    broken: list[str] = field(default_factory=list)
    #: The current suggestion (see :func:`next_suggested`), kept by :func:`engine.store.history.rebuild`.
    suggested: Suggested = field(default_factory=dict)


def apply(result: Rebuilt, kind: str, payload: Mapping[str, Any]) -> str | None:
    """Apply one event to a rebuilt fiche; returns what contradicts the fiche's state, if anything."""
    state = result.state
    if kind == CREATED:
        return _("a second 'created' event")
    if kind == SUGGESTED:
        result.orphan = bool(payload.get("orphan"))
        return None
    if kind == LEAD_ASSIGNED:
        problem = _expect(state.get("lead"), payload.get("previous"), "lead")
        state["lead"] = payload["lead"]
        return problem
    if kind == LEAD_REMOVED:
        problem = _expect(state.get("lead"), payload.get("lead"), "lead")
        state["lead"] = None
        return problem
    if kind == SUPPORT_ASSIGNED:
        supporting = state.setdefault("supporting", [])
        if payload["structure"] in supporting:
            return _("'{structure}' was already supporting").format(structure=payload["structure"])
        supporting.append(payload["structure"])
        return None
    if kind == SUPPORT_REMOVED:
        supporting = state.setdefault("supporting", [])
        if payload["structure"] not in supporting:
            return _("'{structure}' was not supporting").format(structure=payload["structure"])
        supporting.remove(payload["structure"])
        return None
    if kind == STAGE_CHANGED:
        problem = _expect(state.get("stage"), payload.get("from"), "stage")
        if payload.get("to") not in STAGES:
            problem = _("unknown stage '{stage}'").format(stage=payload.get("to"))
        problem = problem or _lifecycle_problem(state, payload)
        state["stage"] = payload.get("to")
        for name in ("installed_on", "follow_up_by", "held_from"):
            state[name] = payload.get(name)
        return problem
    if kind == CONSENT_CHANGED:
        state.setdefault("porteur", {})["consent_network"] = bool(payload["consent_network"])
        return None
    if kind == COMMUNE_CHANGED:
        problem = _expect(state.get("commune"), payload.get("previous"), "commune")
        state["commune"] = payload["commune"]
        return problem
    if kind == FICHE_EDITED:
        problems = []
        for name, change in (payload.get("changes") or {}).items():
            holder, key = (state.setdefault("porteur", {}), name.split(".", 1)[1]) if "." in name else (state, name)
            problems.append(_expect(holder.get(key), change.get("old"), name))
            holder[key] = change.get("new")
        return next((p for p in problems if p), None)
    if kind in (CONTACT, NOTE, SUGGESTION_TAKEN, SUGGESTION_DECLINED):
        return None
    if kind == PERSONAL_ERASED:
        porteur = state.setdefault("porteur", {})
        for name in ("name", "email", "phone"):
            porteur[name] = None
        state["summary"] = ""
        return None
    return _("unknown event kind '{kind}'").format(kind=kind)


def _lifecycle_problem(state: Mapping[str, Any], payload: Mapping[str, Any]) -> str | None:
    """Whether the lifecycle allowed this stage change from the state the history had reached.

    The same table and guards as ``capactif fiche move`` (:mod:`engine.lifecycle`): a move it
    forbids, or one made without what its guard needs at that point, cannot have been recorded by
    capactif.
    """
    from engine.errors import EngineError
    from engine.lifecycle import lifecycle

    trigger, stage = payload.get("trigger"), state.get("stage")
    try:
        dest = lifecycle().next_stage(str(stage), str(trigger), state.get("held_from"))
    except EngineError as exc:
        return _("impossible move: {problem}").format(problem=exc)
    if dest != payload.get("to"):
        message = _("impossible move: '{trigger}' from '{stage}' leads to '{dest}', not '{to}'")
        return message.format(trigger=trigger, stage=stage, dest=dest, to=payload.get("to"))
    if trigger == "start_study" and not state.get("lead"):
        return _("impossible move: 'start_study' without a référent (the fiche had no lead then)")
    if dest == "installed" and not payload.get("installed_on"):
        return _("impossible move: '{trigger}' to 'installed' without an installation date").format(trigger=trigger)
    if dest == "follow_up" and not payload.get("follow_up_by"):
        message = _("impossible move: '{trigger}' to 'follow_up' without a structure in charge of the follow-up")
        return message.format(trigger=trigger)
    return None


def _expect(actual: Any, recorded: Any, what: str) -> str | None:
    if actual != recorded:
        message = _("recorded {what} before the event was {recorded}, but the history leads to {actual}")
        return message.format(what=what, recorded=repr(recorded), actual=repr(actual))
    return None


def describe(kind: str, payload: Mapping[str, Any], *, show_text: bool = True) -> str:
    """One short line for a history entry, in the words technicians use (in the language in force)."""
    hidden_comment = _("(comment hidden)")
    if kind == CREATED:
        fiche = payload.get("fiche", {})
        return _("fiche created (stage {stage})").format(stage=fiche.get("stage", "idea"))
    if kind == SUGGESTED:
        if payload.get("orphan"):
            return _("suggestion: no possible référent (orphan), rules {version}").format(
                version=payload.get("rules_version")
            )
        supports = ", ".join(payload.get("supporting") or []) or _("none")
        return _("suggestion: référent {lead}, supports {supports}, rules {version}").format(
            lead=payload.get("lead"), supports=supports, version=payload.get("rules_version")
        )
    if kind == LEAD_ASSIGNED:
        if payload.get("previous"):
            text = _("référent: {lead} (instead of {previous})").format(
                lead=payload["lead"], previous=payload["previous"]
            )
        else:
            text = _("référent: {lead}").format(lead=payload["lead"])
        if payload.get("forced"):
            if show_text:
                forced = _("; imposed against the rules ({why}) — reason: {reason}")
            else:
                forced = _("; imposed against the rules ({why})")
            text += forced.format(why=payload.get("not_competent"), reason=payload["forced"])
        return text
    if kind == LEAD_REMOVED:
        return _("référent removed: {lead}").format(lead=payload["lead"])
    if kind == SUPPORT_ASSIGNED:
        return _("support added: {structure}").format(structure=payload["structure"])
    if kind == SUPPORT_REMOVED:
        return _("support removed: {structure}").format(structure=payload["structure"])
    if kind == STAGE_CHANGED:
        text = f"{payload['trigger']}: {payload['from']} → {payload['to']}"
        if payload.get("comment"):
            text += f" — {payload['comment'] if show_text else hidden_comment}"
        return text
    if kind in FREE_TEXT:
        channel = f" ({CHANNELS.get(payload['channel'], payload['channel'])})" if payload.get("channel") else ""
        said = payload.get("text") if show_text else _("(text hidden: may hold personal data)")
        if said is None:
            said = _("(text erased)")
        return f"{kind_label(kind)}{channel}: {said}"
    if kind == CONSENT_CHANGED:
        if payload["consent_network"]:
            return _("the porteur agrees to share with the network")
        return _("sharing refused")
    if kind == SUGGESTION_TAKEN:
        if payload.get("role") == LEAD:
            return _("{structure} takes the fiche in charge (référent)").format(structure=payload["structure"])
        return _("{structure} takes the fiche in charge (support)").format(structure=payload["structure"])
    if kind == SUGGESTION_DECLINED:
        reason = str(payload.get("reason") or "") if show_text else _("(reason hidden)")
        if payload.get("role") == LEAD:
            return _("{structure}: not for us (référent) — {reason}").format(
                structure=payload["structure"], reason=reason
            )
        return _("{structure}: not for us (support) — {reason}").format(structure=payload["structure"], reason=reason)
    if kind == COMMUNE_CHANGED:
        if payload.get("local_network"):
            text = _("commune: {previous} → {commune} (local network {network})").format(
                previous=payload["previous"], commune=payload["commune"], network=payload["local_network"]
            )
        else:
            text = _("commune: {previous} → {commune}").format(previous=payload["previous"], commune=payload["commune"])
        if payload.get("comment"):
            text += f" — {payload['comment'] if show_text else hidden_comment}"
        return text
    if kind == FICHE_EDITED:
        parts = []
        for name, change in (payload.get("changes") or {}).items():
            label = _(FIELD_NAMES[name]) if name in FIELD_NAMES else name
            if name in PERSONAL_FIELDS and not show_text:
                parts.append(_("{field} changed (hidden)").format(field=label))
            else:
                parts.append(
                    _("{field}: {old} → {new}").format(
                        field=label, old=_value(change.get("old")), new=_value(change.get("new"))
                    )
                )
        text = _("fiche edited: {changes}").format(changes="; ".join(parts))
        if payload.get("comment"):
            text += f" — {payload['comment'] if show_text else hidden_comment}"
        return text
    if kind == PERSONAL_ERASED:
        if payload.get("cause") == "retention":
            return _("personal data erased (retention period over)")
        return _("personal data erased (at the porteur's request)")
    return kind


def _value(value: Any) -> str:
    """An edited value as the history shows it: lists joined, nothing as '—'."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
