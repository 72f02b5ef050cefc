"""Rendering of the technician's desk results (``capactif fiche answer``)."""

from __future__ import annotations

from engine.app.desk import Answered
from engine.render import renders
from engine.render.fiches import change_text


@renders(Answered, "text")
def answered_text(result: Answered) -> str:
    """What the answer recorded, one line per event (as any change of a fiche)."""
    return change_text(result)  # type: ignore[arg-type]  # an Answered has a Change's fiche, version, events
