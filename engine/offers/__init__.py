"""Activity offers: businesses to take over and activities a commune seeks (the seed's "bourse d'offres").

Where things are:

The use cases (add, list, show, close, contact, match) are in engine.app.offers, each taking a
Workspace and the caller's Identity; their renderings in engine.render.offers.

Storage: :mod:`engine.offers.tables` (migration ``0100_offers``); library functions over an open
connection: :mod:`engine.offers.repository`.  Documentation: docs/offers.md.
"""
