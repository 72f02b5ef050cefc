"""Where the rules, the charter and the embedded store live.

Order for the rules directory (the same for every command): ``--rules DIR``, else
``$CAPACTIF_RULES``, else ``./rules`` when it exists, else the copy bundled with the package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).parent


def bundled(name: str) -> Path:
    """The bundled ``rules`` or ``charter`` directory: inside the wheel, or at the source checkout's top."""
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def rules_dir(option: str | Path | None = None) -> Path:
    """The rules directory to use, by the documented order of precedence."""
    return _pick(option, "CAPACTIF_RULES", "rules", "territory.yaml")


def charter_dir(option: str | Path | None = None) -> Path:
    """The charter directory to use: ``--charter``, ``$CAPACTIF_CHARTER``, ``./charter``, bundled."""
    return _pick(option, "CAPACTIF_CHARTER", "charter", "commitments.yaml")


def _pick(option: str | Path | None, env: str, name: str, marker: str) -> Path:
    if option:
        return Path(option)
    if os.environ.get(env):
        return Path(os.environ[env])
    local = Path.cwd() / name
    if (local / marker).is_file():
        return local
    return bundled(name)


def data_dir() -> Path:
    """Where the embedded SQLite store lives: ``$CAPACTIF_HOME`` or ``~/.local/share/capactif``."""
    home = os.environ.get("CAPACTIF_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "capactif"


def default_store_file() -> Path:
    """The embedded SQLite store used when neither ``--db`` nor ``$CAPACTIF_DB`` is given.

    Here, not in the store package, so that commands can test for it without importing SQLAlchemy.
    """
    return data_dir() / "capactif.sqlite"


def cache_dir() -> Path:
    """Where re-creatable caches live: ``$CAPACTIF_CACHE``, else ``$XDG_CACHE_HOME/capactif`` or ``~/.cache``."""
    explicit = os.environ.get("CAPACTIF_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "capactif"


def write_private(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), also when the file existed.

    For every file that may hold porteurs' personal data: exports, rejected import rows.
    """
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:  # a missing folder, no permission, a full disk: the user's to fix, not a bug
        from engine.errors import InputError, Problem
        from engine.i18n import _

        if isinstance(exc, FileNotFoundError):
            message = _("its folder does not exist: create it, or write the file elsewhere")
        elif isinstance(exc, PermissionError):
            message = _("you may not write there: write the file elsewhere")
        else:
            message = _("cannot be written ({reason})").format(reason=exc.strerror or type(exc).__name__)
        raise InputError(problems=[Problem(str(target), 0, 0, message)]) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            fd = -1
            out.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def state_dir() -> Path:
    """Where this user's private state lives (the rules cache's signing secret): ``$XDG_STATE_HOME/capactif``,
    else ``~/.local/state/capactif``; never the cache directory, and not the data directory, which a
    command that creates no store must leave untouched."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "capactif"
