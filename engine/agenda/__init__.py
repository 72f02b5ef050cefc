"""The monthly meeting's agenda of a local network: ``capactif agenda --network N --month YYYY-MM``.

The meeting's day and the period it covers: :mod:`engine.agenda.meeting`; the sections:
:mod:`engine.agenda.build`; the use case (one read-only transaction over the store):
:func:`engine.app.agenda.agenda`; Markdown and HTML: :mod:`engine.render.agenda`.  Documentation:
docs/agenda.md.
"""

from __future__ import annotations

from engine.agenda.meeting import Meeting, meeting_day, parse_month

__all__ = ["Meeting", "meeting_day", "parse_month"]
