"""What ``capactif notify`` tells people: digests made of lines, each line with the key that says
whether it was already told (the ``notifications`` table, :mod:`engine.notify.ledger`).

A :class:`Digest` is one e-mail to one address.  Its lines are data (a fiche, a check or a role, a
delay, a link), never sentences: the words are the renderer's (:mod:`engine.render.notify`), and the
porteur's name is already ``None`` when the recipient may not see it (decided in
:mod:`engine.notify.plan` through :mod:`engine.privacy`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: The kinds of message, and who receives them.
STRUCTURE = "structure"  # a structure's technicians: suggestions to answer, alerts on its fiches
AGENDA = "agenda"  # a local network's technicians: the agenda of their monthly meeting
COMMITTEE = "committee"  # the committee: the month's summary, without personal data
COORDINATOR = "coordinator"  # the coordinator: what nobody answered after the last reminder
KINDS: tuple[str, ...] = (STRUCTURE, AGENDA, COMMITTEE, COORDINATOR)


@dataclass(frozen=True, order=True)
class Key:
    """What a line tells, for the ledger: (kind, content, period) — unique per recipient.

    ``suggestion`` / ``F-2026-0012:lead`` / ``2026-11-02+9``: the reminder at 9 days of the
    suggestion made on 2 November; ``alert`` / ``F-2026-0012:stalled`` / ``2026-10-01``: the alert
    that started that day; ``agenda`` / ``ambert`` / ``2026-12``; ``committee`` / ``summary`` /
    ``2026-11``; ``unanswered`` / ``F-2026-0012:cma-63:lead`` / ``2026-11-02``.
    """

    kind: str
    content: str
    period: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.content}@{self.period}"


@dataclass(frozen=True)
class Recipient:
    """An address and the name to greet (an account's display name, or the structure's name)."""

    address: str
    name: str


@dataclass(frozen=True)
class Line:
    """One thing to tell: a suggestion to answer, an alert, a suggestion nobody answered."""

    key: Key
    fiche: str
    commune: str
    stage: str
    #: ``suggestion``: the role asked (lead, support); ``alert``: the check; ``unanswered``: the role.
    what: str
    since: dt.date
    days: int
    #: the reminder's rank: 0 for a new suggestion, 1 for the first reminder, …
    step: int = 0
    #: the structure concerned (coordinator's lines: who did not answer)
    structure: str | None = None
    needs: tuple[str, ...] = ()
    porteur_name: str | None = None
    url: str = ""
    severity: str | None = None


@dataclass(frozen=True)
class Digest:
    """One e-mail to one address."""

    kind: str
    recipient: Recipient
    #: whom it is for: a structure id, a local network id, ``committee`` or ``coordinator``
    audience: str
    audience_name: str
    as_of: dt.date
    lines: tuple[Line, ...] = ()
    #: the message's own key when it is not made of lines (agenda, committee summary)
    key: Key | None = None
    #: what the agenda or the summary holds (JSON-ready; never a porteur's personal data)
    content: dict[str, Any] = field(default_factory=dict)
    base_url: str = ""
    reminder_days: tuple[int, ...] = ()

    @property
    def keys(self) -> tuple[Key, ...]:
        """Every key this message tells (its lines', or its own)."""
        return tuple(line.key for line in self.lines) + ((self.key,) if self.key else ())

    @property
    def personal_fiches(self) -> tuple[str, ...]:
        """The fiches whose porteur's name this message shows (for the access log)."""
        return tuple(dict.fromkeys(line.fiche for line in self.lines if line.porteur_name))

    def keeping(self, keys: set[Key]) -> Digest:
        """The same message with only the lines whose key is in ``keys`` (what was not told yet)."""
        from dataclasses import replace

        return replace(self, lines=tuple(line for line in self.lines if line.key in keys))


@dataclass(frozen=True)
class Letter:
    """A digest in words: the subject, the plain text and the HTML parts (French)."""

    subject: str
    text: str
    html: str
