"""A stored rules set written back as a directory, once per version, in the cache directory.

Every reader of rules (the loader and its cache, routing tests, replay) works on a directory, so
the set in force is written to ``<cache dir>/published/<digest>/`` the first time a command needs
it and reused afterwards.  The directory is written under a temporary name and renamed into place,
so a reader never sees half a set; its content is checked against the digest before it is used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from engine import paths
from engine.i18n import _
from engine.published.snapshot import Snapshot, read_directory


def published_root() -> Path:
    """Where materialised sets live (``$CAPACTIF_CACHE/published``)."""
    return paths.cache_dir() / "published"


def cached_directory(digest: str) -> Path | None:
    """The directory of an already materialised set whose content is intact, else None."""
    target = published_root() / digest
    if not target.is_dir():
        return None
    try:
        if read_directory(target).digest == digest:
            return target
    except Exception:  # an unreadable copy is rewritten, never used
        return None
    return None


def write_directory(snap: Snapshot, target: Path) -> None:
    """Write a set's files under ``target`` (which must not exist or be empty)."""
    for relative, content in snap.files.items():
        path = target.joinpath(*relative.split("/"))
        if target.resolve() not in path.resolve().parents:
            raise ValueError(_("unsafe path in a rules set: {path}").format(path=relative))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def materialise(snap: Snapshot) -> Path:
    """The directory holding this set (written now unless an intact copy exists)."""
    existing = cached_directory(snap.digest)
    if existing is not None:
        return existing
    root = published_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        write_directory(snap, tmp)
        target = root / snap.digest
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        existing = cached_directory(snap.digest)  # another process wrote it first
        if existing is None:
            raise
        return existing
    return target
