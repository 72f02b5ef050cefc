"""The expected failures, split by audience.

Every error a user can cause is an :class:`EngineError`; the CLI catches that one class in one place
and prints one line per problem with no traceback.  Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


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
