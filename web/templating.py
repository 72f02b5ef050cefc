"""The Jinja2 environment of the pages: templates shipped in the package, gettext, autoescaping.

Templates are in ``web/templates`` (inside the wheel) and extend ``base.html``.  Texts are English
msgids in ``{% trans %}…{% endtrans %}`` (or ``_("…")``), translated to French by the catalogs of
:mod:`engine.i18n` at rendering time.  Every value is HTML-escaped; no template holds a script: any
script is a static file under ``web/static`` (the Content-Security-Policy is ``script-src 'self'``).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from engine import i18n
from web.pages import NAV

STATIC = Path(__file__).parent / "static"


@cache
def static_version(name: str) -> str:
    """A short digest of a static file's content, appended to its URL so browsers never keep an old one."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


class Templates:
    """Renders the package's templates; one per application."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the package: compiled once, never stat()ed per request
        )
        i18n.install_jinja2(self.env)
        self.env.globals["static"] = lambda name: f"/static/{name}?v={static_version(name)}"
        self.env.globals["nav_for"] = nav_for
        self.env.globals["language"] = i18n.get_language

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)


def nav_for(page: Any) -> list[dict[str, Any]]:
    """The navigation entries the page's identity may open, with their paths."""
    out = []
    for item in NAV:
        if page.who.kind in item.kinds:
            path = page.url_for(item.route)
            out.append({"label": i18n._(item.label), "path": path, "current": page.request.url.path == path})
    return out
