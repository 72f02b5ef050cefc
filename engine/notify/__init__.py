"""E-mail reminders (``capactif notify``): who is told what on a day, the ledger that tells each thing
once, and sending (SMTP, or ``.eml`` files for a dry run).

* :mod:`engine.notify.plan` — the digests due on a day, from plain data (pure);
* :mod:`engine.notify.model` — digests, lines and their ledger keys;
* :mod:`engine.notify.ledger` and :mod:`engine.notify.tables` — the ``notifications`` table: claim,
  then send, then record;
* :mod:`engine.notify.mail` — the SMTP settings (environment or a TOML file, never the command line),
  the MIME message, the transports.

The use case is :func:`engine.app.notify.notify`; the words of the messages are
:mod:`engine.render.notify`'s.  See docs/notify.md.
"""
