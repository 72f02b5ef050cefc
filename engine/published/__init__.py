"""The rules in force: one rules set for the whole network, published in the shared store.

Without it every desk routes with whatever ``./rules`` directory it runs from, so the same stored
fiche gets a different référent on two machines.  The coordinator publishes a checked and tested
rules directory (``capactif rules publish``); the store keeps every file of it content-addressed
(:mod:`engine.published.tables`), and every command that works with a store, and the web
application, route with the set in force unless told otherwise.

* :mod:`engine.published.snapshot`: a directory's files and their version (``sha256:<12 hex>``,
  the same the rules loader gives a directory outside git).
* :mod:`engine.published.repository`: storing, publishing, listing and reading sets over an open
  connection.
* :mod:`engine.published.materialise`: a stored set written back as a directory (the commands and
  the rules loader read directories), once per version, in the cache directory.
"""
