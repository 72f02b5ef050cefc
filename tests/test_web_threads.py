"""A worker handles at most ``threads`` pages at once (capactif serve --threads); the others wait their
turn and are all answered.  Why it matters: pages are mostly Python, and ten pages sharing the GIL in
5 ms slices each took ten times their own CPU, the longest the longest (issue 12)."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx2 as httpx
import pytest

import web.pages
from web.app import PAGE_THREADS, create_app


class Counter:
    """Wraps web.pages.serve: how many pages ran at the same moment, at most."""

    def __init__(self, serve) -> None:
        self.serve, self.now, self.most, self.lock = serve, 0, 0, threading.Lock()

    def __call__(self, *args):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.05)  # a page waiting for the database: the others could run meanwhile
            return self.serve(*args)
        finally:
            with self.lock:
                self.now -= 1


def _most_at_once(tmp_path, monkeypatch, threads: int, requests: int = 12) -> int:
    counter = Counter(web.pages.serve)
    monkeypatch.setattr(web.pages, "serve", counter)
    app = create_app(str(tmp_path / f"store-{threads}.sqlite"), threads=threads)
    app.state.ws.store  # noqa: B018 - opened (and its schema made) before the pages, as the server's start-up does

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            answers = await asyncio.gather(*(client.get("/connexion") for _ in range(requests)))
        return [answer.status_code for answer in answers]

    assert asyncio.run(run()) == [200] * requests  # every page answered
    return counter.most


@pytest.mark.parametrize("threads", [1, 3])
def test_no_more_pages_at_once_than_threads(tmp_path, monkeypatch, threads):
    assert _most_at_once(tmp_path, monkeypatch, threads) == threads


def test_more_threads_run_more_pages_at_once(tmp_path, monkeypatch):
    """The bound is the setting, not an accident of the test: with 12 threads, more than 3 run together."""
    assert _most_at_once(tmp_path, monkeypatch, 12) > 3


def test_the_default_and_the_command_line(monkeypatch):
    from click.testing import CliRunner

    from cli import main

    assert PAGE_THREADS == 8
    result = CliRunner().invoke(main, ["serve", "--threads", "0"])
    assert result.exit_code == 2 and "--threads" in result.output
