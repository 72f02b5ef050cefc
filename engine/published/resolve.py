"""Which rules a command with a store routes with: the set in force, unless a directory was named.

* A store with no published rules: the directory as before (``--rules``, ``$CAPACTIF_RULES``,
  ``./rules``, the bundled network).
* A store with rules in force and no ``--rules``/``$CAPACTIF_RULES``: the set in force, whatever
  ``./rules`` holds (a stale copy on one desk must not route differently); a ``./rules`` that
  differs is named in a warning.
* ``--rules DIR`` (or ``$CAPACTIF_RULES``) given: that directory, with a warning naming both
  versions when it differs from the set in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.i18n import _

if TYPE_CHECKING:  # a command without a store only needs RulesChoice: no shutil, tempfile or snapshot then
    from engine.published.records import Publication
    from engine.published.snapshot import Snapshot


class PublishedReads(Protocol):
    """What choosing the rules reads from the store: :class:`engine.published.repository.ConnectionReads`
    (SQLAlchemy, either backend) or :class:`engine.published.lite.LiteReads` (``sqlite3``, at start-up)."""

    def in_force(self) -> Publication | None:
        """The set in force (the latest publication), None when nothing was published."""

    def set_digest(self, version: str) -> str:
        """The full digest of a stored set."""

    def set_files(self, version: str) -> Snapshot:
        """The files of a stored set, checked against its digest."""


@dataclass(frozen=True)
class RulesChoice:
    """The directory to load, the set in force (None when nothing was published), and a warning."""

    directory: Path
    in_force: Publication | None = None
    published: bool = False
    warning: str | None = None

    @property
    def version(self) -> str | None:
        """The version of the set in force when it is the one used, else None (the loader computes it)."""
        return self.in_force.version if self.published and self.in_force else None


def choose(reads: PublishedReads, directory: Path, *, explicit: bool, local: bool) -> RulesChoice:
    """The rules to use given the store's set in force (``reads``) and the directory the options name.

    ``explicit``: the directory came from ``--rules`` or ``$CAPACTIF_RULES``; ``local``: it is a
    ``./rules`` found in the working directory (else the bundled network).
    """
    current = reads.in_force()
    if current is None:
        return RulesChoice(directory)
    from engine.published.snapshot import read_directory

    published_at = current.published_at.date().isoformat()
    if explicit or local:
        version = read_directory(directory).version if directory.is_dir() else None
        if version == current.version:  # the same content: the directory is the set in force
            return RulesChoice(directory, current, published=True)
        if explicit:
            warning = _(
                "the rules of {directory} ({version}) are not the network's rules in force ({in_force}, published on "
                "{day} by {who}): this command routes with {directory}; 'capactif rules diff --base published --rules "
                "{directory}' shows what differs"
            ).format(directory=directory, version=version or "?", in_force=current.version, day=published_at,
                     who=current.published_by)  # fmt: skip
            return RulesChoice(directory, current, published=False, warning=warning)
        chosen = _published(reads, current)
        warning = _(
            "{directory} ({version}) is not used: this store's rules in force are {in_force} (published on {day} by "
            "{who}); pass --rules {directory} to route with it"
        ).format(directory=directory, version=version, in_force=current.version, day=published_at,
                 who=current.published_by)  # fmt: skip
        return RulesChoice(chosen.directory, current, published=True, warning=warning)
    return _published(reads, current)


def _published(reads: PublishedReads, current: Publication) -> RulesChoice:
    from engine.published.materialise import cached_directory, materialise

    digest = reads.set_digest(current.version)
    directory = cached_directory(digest) or materialise(reads.set_files(current.version))
    return RulesChoice(directory, current, published=True)
