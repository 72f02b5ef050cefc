"""The version of a rules directory: its git commit when it is clean in a git work tree, else a content hash.

Apart from :mod:`engine.rules.loader` (which imports the rules' pydantic models) because every command
that routes asks for it, with the rules read from the cache or not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def rules_version(rules_dir: Path) -> str:
    """``git:<commit>`` when the directory is clean in a git work tree, else ``sha256:<12 hex>``.

    The commit is the last one that changed the directory, so unrelated commits keep the version.
    """
    return start_rules_version(rules_dir)()


def start_rules_version(rules_dir: Path) -> Callable[[], str]:
    """:func:`rules_version` in two steps: ``git status`` is started now and runs while the caller goes on
    (a cold ``suggest`` reads its cached rules meanwhile); calling the result waits for it and gives the
    version.  Call it once, always (it also reaps the process).

    ``git status --porcelain=v2 --branch`` says both whether the directory is clean and the commit checked out;
    the last commit that changed the directory follows from that commit alone (history does not change), so it
    is asked of ``git log`` once per commit checked out and kept in the signed cache (:func:`_last_change`):
    ``git log -- .`` walks the history back to that change, the dearer of the two (6 ms of CPU in this
    repository at 443 commits, as much as a tenth of a cold ``suggest``: docs/performance.md).
    """
    if not in_git_work_tree(rules_dir):
        return lambda: content_hash(rules_dir)
    # `git status` fails outside a work tree (and in a bare repository or a .git directory): its
    # success is the "inside a work tree" test, so no separate `git rev-parse` call is needed.
    answers = _start_git(rules_dir, ("status", "--porcelain=v2", "--branch", "--untracked-files=all", "--", "."))

    def version() -> str:
        (status,) = answers()
        lines = (status or "").splitlines()
        head = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), None)
        if head is None or head == "(initial)" or any(not line.startswith("#") for line in lines):
            return content_hash(rules_dir)  # not in a work tree, no commit yet, or a change not committed
        commit = _last_change(rules_dir, head)
        return f"git:{commit[:12]}" if commit else content_hash(rules_dir)

    return version


def _last_change(rules_dir: Path, head: str) -> str | None:
    """The last commit before ``head`` (included) that changed ``rules_dir``: from the signed cache of
    :mod:`engine.rules.cache` (under a key of the directory's path and ``head``), else from ``git log``."""
    from engine.rules import cache

    key = cache.digest(f"last-change|{Path(rules_dir).absolute()}|{head}")
    known = cache.load(key)
    if isinstance(known, str):
        return known
    (commit,) = _start_git(rules_dir, ("log", "-1", "--format=%H", head, "--", "."))()
    if commit:
        cache.put(key, commit)
    return commit


def _start_git(rules_dir: Path, *commands: tuple[str, ...]) -> Callable[[], list[str | None]]:
    """Start each git command in ``rules_dir`` at once; the result waits for their outputs (None for one that
    failed).  The commands only read, so they run side by side: every command pays for the version at
    start-up, and a git process costs about as much to start as to answer."""
    import subprocess  # only in a git work tree: an installed capactif's rules never need it

    running: list[subprocess.Popen[str]] = []
    try:
        for args in commands:
            command = ["git", "-C", str(rules_dir), *args]
            running.append(
                subprocess.Popen(
                    command, text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
            )
    except (OSError, subprocess.SubprocessError):
        for process in running:
            process.kill()
            process.communicate()
        return lambda: [None] * len(commands)

    def outputs() -> list[str | None]:
        found: list[str | None] = []
        for process in running:
            try:
                stdout, _ = process.communicate(timeout=10)
            except subprocess.SubprocessError:
                process.kill()
                process.communicate()
                found.append(None)
                continue
            found.append(stdout.strip() if process.returncode == 0 else None)
        return found

    return outputs


def in_git_work_tree(rules_dir: Path) -> bool:
    """Whether git could find a repository for ``rules_dir``: a ``.git`` in it or above, or ``$GIT_DIR``.

    False means ``git status`` would fail: an installed capactif's bundled rules (site-packages) are
    then versioned by content without starting two git processes for nothing.
    """
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    directory = rules_dir.absolute()
    return any((parent / ".git").exists() for parent in (directory, *directory.parents))


def content_hash(rules_dir: Path) -> str:
    """``sha256:`` and 12 hex digits of every file's relative path and content, in sorted order."""
    import hashlib  # an installed capactif's version (a git work tree's comes from git): OpenSSL only then

    digest = hashlib.sha256()
    files = [p for p in rules_dir.rglob("*") if p.is_file()]
    for path in sorted(p for p in files if not any(part.startswith(".") for part in p.relative_to(rules_dir).parts)):
        digest.update(path.relative_to(rules_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()[:12]
