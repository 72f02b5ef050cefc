"""The replay's progress bar: on standard error only when it is a terminal, and only after the delay.

Time is a clock the test moves by hand (``clock=``), never waited for; a terminal is either the
stream's own ``isatty()`` or forced (``is_terminal=True``).
"""

from __future__ import annotations

import io
import json
import shutil

from click.testing import CliRunner
from test_replay_diff import FICHES, RULES, move_thiers_to_ambert

from cli import main
from engine.replay import DelayedProgress, run_replay
from engine.replay.progress import DELAY


class Clock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_bar_when_the_stream_is_not_a_terminal_even_after_the_delay():
    """A stream that is not a terminal (a pipe, a file, a test runner) never gets the bar."""
    clock, stream = Clock(), io.StringIO()
    progress = DelayedProgress(10, "replaying fiches", stream=stream, clock=clock)
    clock.now += DELAY * 100
    progress(4)
    progress(6)
    progress.close()
    assert (progress.done, progress.due(), progress.appeared, stream.getvalue()) == (10, False, False, "")


def test_no_bar_on_standard_error_when_it_is_captured(capsys):
    """By default the bar goes to standard error, and standard error captured is not a terminal."""
    clock = Clock()
    progress = DelayedProgress(10, "replaying fiches", clock=clock)
    clock.now += DELAY * 100
    progress(10)
    progress.close()
    assert not progress.appeared
    assert capsys.readouterr() == ("", "")


def test_a_terminal_gets_the_bar_only_once_the_delay_has_passed():
    """Forced terminal: nothing before the delay; at the delay the bar appears with the count; close removes it."""
    clock, stream = Clock(), io.StringIO()
    progress = DelayedProgress(10, "replaying fiches", stream=stream, is_terminal=True, clock=clock)
    clock.now += DELAY / 2
    progress(4)
    assert (progress.due(), progress.shown, stream.getvalue()) == (False, False, "")
    clock.now += DELAY / 2
    progress(3)
    assert progress.due() and progress.shown and progress.appeared
    progress.close()
    assert not progress.shown and progress.appeared
    shown = stream.getvalue()
    assert "replaying fiches" in shown and "7/10" in shown


def test_a_forced_bar_follows_a_whole_replay_and_leaves_the_report_alone(tmp_path):
    """run_replay drives the bar it is given (to the last fiche) and closes it; the report is the CLI's."""
    base, work = tmp_path / "base", tmp_path / "work"
    shutil.copytree(RULES, base)
    shutil.copytree(RULES, work)
    move_thiers_to_ambert(work)
    fiches = tmp_path / "fiches.yaml"
    fiches.write_text(FICHES, encoding="utf-8")
    clock, stream, bars = Clock(), io.StringIO(), []

    def factory(total: int) -> DelayedProgress:
        bar = DelayedProgress(total, "replaying fiches", stream=stream, is_terminal=True, clock=clock, delay=0)
        bars.append(bar)
        return bar

    report = run_replay(str(base), work, [str(fiches)], progress=factory)
    [bar] = bars
    assert (bar.total, bar.done, bar.appeared, bar.shown) == (6, 6, True, False)
    assert "6/6" in stream.getvalue()
    args = ["rules", "diff", "--base", str(base), "--rules", str(work), "--fiches", str(fiches), "--format", "json"]
    assert report.to_dict() == json.loads(CliRunner().invoke(main, args).output)
