"""A progress bar for long replays: on standard error, only on a terminal, only after a second.

Short runs and redirected output stay silent, so that scripts and tests see the same output as
before; the bar is transient (it disappears when the replay ends).  Whether the stream is a terminal
and what time it is are asked of ``is_terminal`` and ``clock`` (the stream's ``isatty()`` and
:func:`time.monotonic` unless given), so that the decision can be tested without waiting.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Seconds a replay runs before its bar appears.
DELAY = 1.0


class DelayedProgress:
    """Callable ``progress(n)``: ``n`` more fiches done; shows a rich bar once ``delay`` has passed."""

    def __init__(
        self,
        total: int,
        description: str,
        *,
        delay: float = DELAY,
        stream: TextIO | None = None,
        is_terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.description = description
        self.delay = delay
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.clock = clock
        self._start = clock()
        self._bar: Any = None
        self._task: Any = None
        if is_terminal is None:
            is_terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._enabled = is_terminal
        #: True once the bar has appeared (it stays True after :meth:`close` removed it).
        self.appeared = False

    def due(self) -> bool:
        """Whether the bar should be on screen now: the stream is a terminal and ``delay`` has passed."""
        return self._enabled and self.clock() - self._start >= self.delay

    def __call__(self, n: int) -> None:
        self.done += n
        if self._bar is None:
            if not self.due():
                return
            self._open()
        self._bar.update(self._task, completed=self.done)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(file=self.stream, force_terminal=True)
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, completed=self.done)
        self.appeared = True

    @property
    def shown(self) -> bool:
        """True once the bar has appeared."""
        return self._bar is not None

    def close(self) -> None:
        """Remove the bar (when it was shown)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
