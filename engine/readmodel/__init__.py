"""The read model of a stored fiche: one typed, immutable value the alerts, report, charter and agenda read.

A stored fiche is read two ways, from one source (the event log, through its one reader
:mod:`engine.store.history`, and the ``fiche_projection`` rows kept with it):

* :class:`StoredFiche` — the fiche with its events: what had happened by any day (its stages over
  time, its leads and supporting structures, its contacts and notes, its installation, its commune
  then).  The yearly report (:mod:`engine.report`), the charter check (:mod:`engine.charter`) and the
  agenda (:mod:`engine.agenda`) read it; loaded by :func:`load_fiches`.
* :class:`FicheView` — the fiche as it stood on one day, with the facts of its history the alerts
  need.  The alerts (:mod:`engine.alerts`), the agenda and the notifications (:mod:`engine.notify`)
  read it; loaded at scale by :func:`load_views` (the ``fiches`` and ``fiche_projection`` rows, the
  fiches changed since replayed), and given for one fiche by :meth:`StoredFiche.on` (its events
  replayed).  Both paths build it with :func:`engine.readmodel.replay.view_of` and the projection's
  own step, and tests/test_readmodel.py checks that they give the same value and that the
  :class:`StoredFiche` of a fiche agrees with its views day by day.

No consumer reads the event log or the projection itself (tests/test_readmodel.py reads their
imports): a new figure, check or section computes from these two types.
"""

from __future__ import annotations

from engine.readmodel.fiche import ACTIVE, CEASED, StoredFiche, acting, network_of
from engine.readmodel.load import load_fiches, load_views, local_networks_of
from engine.readmodel.view import FOLLOW_UP, FicheView, Sharing

__all__ = [
    "ACTIVE",
    "CEASED",
    "FOLLOW_UP",
    "FicheView",
    "Sharing",
    "StoredFiche",
    "acting",
    "load_fiches",
    "load_views",
    "local_networks_of",
    "network_of",
]
