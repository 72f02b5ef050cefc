"""Headless Chromium for the tests that open a generated page as a person would (report, agenda).

Outside CI a machine without Chromium skips these tests with the reason; in CI (``CI=true``) they
always run, and a missing Chromium fails them (.ci/run installs it).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

_MISSING = CHROMIUM is None and os.environ.get("CI") != "true"


def needs_chromium(test):
    """Mark a test that opens a page in Chromium (``browser``); skipped where Chromium is missing, except in CI."""
    return pytest.mark.browser(pytest.mark.skipif(_MISSING, reason="chromium is not installed")(test))


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    """Run headless Chromium offline with a throwaway profile in ``tmp``; its output, or an error if it failed."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp}",
    ]
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (CI=true: the browser tests must run; apt-get install chromium)")
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, read from its header; fails if the file is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


#: A test-only page that loads the page under test in an iframe of a phone's width and measures it.
#: The page under test has no script of its own; this harness is written to the test's tmp dir.
_HARNESS = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="%(src)s" style="width:%(width)dpx;height:800px;border:0"></iframe>
<pre id="layout">not measured</pre>
<script>
const texts = %(texts)s;
document.getElementById("page").addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument;
  const width = doc.documentElement.clientWidth;
  const outside = (e) => { const r = e.getBoundingClientRect(); return r.left < -0.5 || r.right > width + 0.5; };
  const deepest = (text) => {
    let found = null;
    for (const e of doc.body.querySelectorAll("*")) { if (e.textContent.includes(text)) found = e; }
    return found;
  };
  document.getElementById("layout").textContent = JSON.stringify({
    width: width,
    scroll_width: doc.documentElement.scrollWidth,
    overflowing: [...doc.body.querySelectorAll("*")].filter((e) => !e.closest(".scroll") && outside(e))
      .map((e) => e.tagName.toLowerCase() + ": " + e.textContent.slice(0, 60)),
    not_shown: texts.filter((t) => { const e = deepest(t); return e === null || outside(e); }),
  });
});
</script></body></html>
"""


def phone_layout(page: Path, texts: list[str], *, tmp: Path, width: int = 390) -> dict:
    """How ``page`` lays out at a phone's width, measured by Chromium.

    ``width``: the page's width without its scrollbar; ``scroll_width``: its content's width (wider
    means the whole page scrolls sideways); ``overflowing``: elements sticking out of the page
    (tables in their own ``.scroll`` box excepted); ``not_shown``: the ``texts`` that are not
    within the screen's width without scrolling sideways (or not on the page at all).
    """
    harness = tmp / "phone-layout.html"
    src = html.escape(page.as_uri())
    harness.write_text(_HARNESS % {"src": src, "width": width, "texts": json.dumps(texts)}, encoding="utf-8")
    dom = chromium(
        "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", harness.as_uri(), tmp=tmp / "p"
    ).stdout
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "not measured", "Chromium did not measure the page"
    return json.loads(html.unescape(found.group(1)))


def no_sideways_scroll(page: Any) -> bool:
    """Whether the page fits its viewport's width (nothing to scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
