"""The two sides of a replay: the base rules (a directory or a git revision) and the working rules.

A git revision is read with git itself (``git archive``) into a temporary directory: the working
tree, the index and HEAD are never touched.  The rules directory is mapped to its path inside the
repository (``git rev-parse --show-prefix``), so ``--base HEAD~1`` means "the same rules directory,
one commit ago".  Every problem of a side is reported with the side's name in front, e.g.
``base rules (git HEAD~1): rules/structures/x.yaml:3:1: …``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import EngineError, Problem, RulesError
from engine.i18n import _


@dataclass
class Side:
    """One rule set of a replay: which side, where it comes from (a directory, ``git REV``), its directory,
    and what was loaded from it.  Its label in messages is said in the language in force."""

    base: bool
    source: str
    rules_dir: Path
    ruleset: Any = None
    compiled: Any = None
    _tmp: Path | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``base rules (git HEAD~1)``, ``working rules (rules)``: the side's name in messages."""
        if self.base:
            return _("base rules ({source})").format(source=self.source)
        return _("working rules ({source})").format(source=self.source)

    def cleanup(self) -> None:
        """Remove the temporary copy of a git revision (nothing for a plain directory)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _git(args: list[str], cwd: Path, *, text: bool = True) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=text, check=False)
    except FileNotFoundError:
        raise RulesError(
            problems=[Problem("--base", 0, 0, _("git is not installed: pass a rules directory"))]
        ) from None


def _side_error(label: str, message: str) -> RulesError:
    return RulesError(problems=[Problem(label, 0, 0, message)])


def base_side(base: str, working_rules_dir: Path) -> Side:
    """The base side: ``base`` is a rules directory when one exists at that path, else a git revision.

    The revision is read from the git repository holding the working rules directory.
    """
    path = Path(base)
    if path.is_dir():
        return Side(True, base, path)
    label = Side(True, f"git {base}", path).label
    rules_dir = working_rules_dir.resolve()
    if not rules_dir.is_dir():
        raise _side_error(label, _("the working rules directory {path} does not exist").format(path=working_rules_dir))
    top = _git(["rev-parse", "--show-toplevel"], rules_dir)
    if top.returncode != 0:
        raise _side_error(
            label,
            _("'{base}' is neither a directory nor usable as a git revision: {path} is not in a git repository").format(
                base=base, path=working_rules_dir
            ),
        )
    prefix = _git(["rev-parse", "--show-prefix"], rules_dir).stdout.strip().rstrip("/")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], rules_dir)
    if commit.returncode != 0:
        raise _side_error(label, _("unknown git revision '{base}' (and no directory of that name)").format(base=base))
    sha = commit.stdout.strip()
    listed = _git(["ls-tree", "-d", "--name-only", sha, "--", prefix], Path(top.stdout.strip()))
    if prefix and not listed.stdout.strip():
        raise _side_error(
            label,
            _("the rules directory '{path}' does not exist at revision {base} ({sha})").format(
                path=prefix, base=base, sha=sha[:10]
            ),
        )
    archive = _git(["archive", "--format=tar", sha, "--", prefix or "."], Path(top.stdout.strip()), text=False)
    if archive.returncode != 0:
        error = archive.stderr.decode(errors="replace").strip()
        raise _side_error(label, _("git archive failed: {error}").format(error=error))
    tmp = Path(tempfile.mkdtemp(prefix="capactif-base-"))
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp, filter="data")
    return Side(True, f"git {base}", tmp / prefix if prefix else tmp, _tmp=tmp)


def working_side(rules_dir: Path) -> Side:
    """The working side: the rules directory every other command would use."""
    return Side(False, str(rules_dir), rules_dir)


def load_side(side: Side) -> Side:
    """Load and compile a side's rules; its problems come back prefixed with the side's label."""
    from engine.routing import compile_rules
    from engine.rules.loader import load_rules

    if not side.rules_dir.is_dir():
        raise _side_error(side.label, _("rules directory {path} not found").format(path=side.rules_dir))
    try:
        side.ruleset = load_rules(side.rules_dir)
    except EngineError as exc:
        problems = [_named(side, p) for p in exc.problems] or [Problem(side.label, 0, 0, str(exc))]
        raise RulesError(problems=problems) from None
    side.compiled = compile_rules(side.ruleset)
    return side


def _named(side: Side, problem: Problem) -> Problem:
    """The problem with the side's label before its file (a temporary path shown relative to the copy)."""
    source = problem.source
    if side._tmp is not None:
        tmp = str(side._tmp)
        if source.startswith(tmp):
            source = source[len(tmp) :].lstrip("/")
    return Problem(f"{side.label}: {source}", problem.line, problem.column, problem.message)
