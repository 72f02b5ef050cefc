"""The people who sign in to the web application: accounts, passwords, sessions, sign-in throttling.

* :mod:`engine.accounts.tables`: the tables, in the store's schema (migration ``0500_accounts``).
* :mod:`engine.accounts.passwords`: Argon2id hashing (argon2-cffi), nothing else ever sees a password.
* :mod:`engine.accounts.repository`: every read and write of those tables, one connection given by
  the caller (the application layer, :mod:`engine.app.accounts`, opens the transaction).

An account is either a technician of one member structure or holds one role (``coordinator``,
``committee``); it maps to the :class:`~engine.identity.Identity` the use cases take, so what a
signed-in person may see is decided by the same rules as on the command line.
"""
