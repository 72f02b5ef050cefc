"""A rules directory's files and the version that names their content.

The version is ``sha256:`` and the first 12 hex digits of the SHA-256 over every file's relative
path and bytes in sorted order (hidden files and folders left out): exactly
:func:`engine.rules.loader.content_hash`, so a directory copied from a published set has the
published version, and a local directory is compared with the set in force by content alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem
from engine.i18n import _

#: Limits on what a set may hold (an uploaded archive is checked against them before anything is read).
MAX_FILES = 1000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    """The files of a rules set (relative POSIX path → bytes) and their digest."""

    files: Mapping[str, bytes]
    digest: str

    @property
    def version(self) -> str:
        """``sha256:<12 hex>``: how the set is named everywhere (suggestions, history, messages)."""
        return version_of(self.digest)


def version_of(digest: str) -> str:
    """The short version of a full hex digest."""
    return "sha256:" + digest[:12]


def digest_of(files: Mapping[str, bytes]) -> str:
    """The full hex SHA-256 of the files, as :func:`engine.rules.loader.content_hash` computes it."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: tuple(p.split("/"))):  # the order of Path objects, as the loader
        digest.update(path.encode("utf-8") + b"\0")
        digest.update(files[path] + b"\0")
    return digest.hexdigest()


def blob_digest(content: bytes) -> str:
    """The key of one file's content in ``rules_blobs``."""
    return hashlib.sha256(content).hexdigest()


def read_directory(rules_dir: Path) -> Snapshot:
    """Every file of a rules directory (hidden ones left out), read once; refused beyond the limits."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise InputError(problems=[Problem(str(rules_dir), 0, 0, _("rules directory not found: give an existing one"))])
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(p for p in rules_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(rules_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        content = path.read_bytes()
        total += len(content)
        files[relative.as_posix()] = content
        if len(files) > MAX_FILES or total > MAX_BYTES:
            raise InputError(
                problems=[
                    Problem(
                        str(rules_dir), 0, 0,
                        _(
                            "too large for a rules set (at most {files} files and {mb} MB): "
                            "is this the rules directory?"
                        ).format(files=MAX_FILES, mb=MAX_BYTES // 1024 // 1024),
                    )
                ]
            )  # fmt: skip
    return Snapshot(files, digest_of(files))


def from_files(files: Mapping[str, bytes]) -> Snapshot:
    """A snapshot of files already read (a stored set, an uploaded archive)."""
    return Snapshot(dict(files), digest_of(files))
