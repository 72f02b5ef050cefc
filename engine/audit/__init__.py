"""The access log: who displayed a porteur's personal data, or changed a fiche, and when.

:mod:`engine.audit.tables` holds the table (migration ``0500_accounts``), :mod:`engine.audit.log`
writes and reads it.  The application layer (:mod:`engine.app`) records every entry, so the web
pages and the command line are logged alike; ``capactif audit FICHE`` and the coordinator's page
read it.
"""
