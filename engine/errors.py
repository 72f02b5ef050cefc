"""The expected failures, split by audience.

Every error a user can cause is an :class:`EngineError`; the CLI catches that one class in one place
and prints one line per problem with no traceback.  Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: A value quoted in a message is cut to this many characters.
EXCERPT = 40


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A short, single-line rendering of a value for a message, never the whole of a big one.

    Containers are described, not printed: formatting a value read from a file could otherwise
    expand shared references (an alias bomb) or print megabytes.  Control characters are escaped.
    """
    from engine.i18n import ngettext

    if isinstance(value, dict):
        return ngettext("<mapping of {n} field>", "<mapping of {n} fields>", len(value)).format(n=len(value))
    if isinstance(value, list | tuple | set | frozenset):
        return ngettext("<list of {n} item>", "<list of {n} items>", len(value)).format(n=len(value))
    text = str(value)
    cut = len(text) > limit
    text = text[:limit]
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text + "…" if cut else text


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in user input: ``file:line:col: message``.

    ``line`` and ``column`` are 1-based; 0 means unknown (the whole file).
    """

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class EngineError(Exception):
    """A failure caused by user input or configuration, reported without a traceback."""

    exit_code = 2

    def __init__(self, message: str = "", problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message or "\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """One line per problem, as shown to the user."""
        if self.problems:
            return [str(p) for p in self.problems]
        return [str(self)]


class InputError(EngineError):
    """A fiche, CSV row or command argument that cannot be accepted."""


class RulesError(EngineError):
    """A rules directory (structures, routing, territory) with problems."""


class CharterError(EngineError):
    """A charter or commitments file with problems."""


class TransitionNotAllowed(EngineError):
    """A lifecycle trigger that cannot fire from the fiche's current stage, or whose guard fails."""


class NotFound(EngineError):
    """A fiche, structure or offer id that does not exist."""


class ConflictError(EngineError):
    """A concurrent change won the race: the caller's change was not written."""


class AccessDenied(EngineError):
    """A write by a structure that is not on the fiche, where only those structures may write."""


def safe_traceback(exc: BaseException | None) -> str:
    """The traceback of a bug without any value from the data: frames, code lines and exception types.

    An exception's message may quote the data it failed on (a database driver prints the row it
    could not store, with the porteur's name, e-mail and phone), and so may local variables: the
    ``--debug`` output, meant to be pasted into a bug report, shows neither.
    """
    import traceback

    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    lines: list[str] = []
    for i, error in enumerate(reversed(chain)):
        if i:
            lines.append("\nDuring the handling of the above exception, another exception occurred:\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(
            traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__), capture_locals=False).format()
        )
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message not shown: it may quote personal data)\n")
    return "".join(lines).rstrip("\n")
