"""The one HTML skeleton of capactif's pages: a self-contained document, inline CSS, nothing fetched.

Pages (the yearly report, the monthly agenda) are read on a phone by committee members: one column,
large type, tables that scroll sideways on their own instead of shrinking the page.  Nothing is
fetched (no font, script or image URL), so a file opens offline and can be mailed as it is.
"""

from __future__ import annotations

from html import escape

CSS = """
:root { color-scheme: light; --ink: #1d2b36; --muted: #5b6770; --accent: #2e7d32; --line: #d5dde2; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #fff; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .6rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .6rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .8rem; }
.card .value { font-size: 1.8rem; font-weight: 700; }
.card .label { color: var(--muted); font-size: .95rem; }
.card .ratio { color: var(--accent); font-weight: 600; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f5f7; }
svg { width: 100%; height: auto; display: block; }
.note { color: var(--muted); font-size: .9rem; }
"""


def page(title: str, body: str, *, css: str = "", main_class: str | None = None) -> str:
    """A whole page: ``<!DOCTYPE html>``, in the language in force, UTF-8, phone viewport, the shared style
    sheet (plus ``css``)."""
    from engine.i18n import get_language

    main = f'<main class="{main_class}">' if main_class else "<main>"
    return f"""<!DOCTYPE html>
<html lang="{get_language()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}{css}</style>
</head>
<body>
{main}
<h1>{escape(title)}</h1>
{body}
</main>
</body>
</html>
"""
