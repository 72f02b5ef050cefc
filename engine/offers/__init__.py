"""Activity offers: businesses to take over and activities a commune seeks (the seed's "bourse d'offres").

Public API::

    from engine.offers import service
    service.add_files(db, rules, ["offre.yaml"], "coordinator")   # offer files, located errors
    service.list_offers(db, rules, status="open", network="ambert")
    service.show(db, rules, "O-2025-0003", "cma-63")               # contacts, installations via the offer
    service.close(db, rules, "O-2025-0003", "coordinator", on=day)
    service.contact(db, rules, "O-2025-0003", "F-2025-0012", "cma-63", on=day)
    service.match(db, rules, "F-2025-0012", "cma-63")              # ranked, with reasons (engine.offers.match)

Storage: :mod:`engine.offers.tables` (migration ``0100_offers``); library functions over an open
connection: :mod:`engine.offers.repository`.  Documentation: docs/offers.md.
"""
