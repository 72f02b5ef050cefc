"""Rendering by result type: one registry maps (result type, format) to the text a front end prints.

Use cases (:mod:`engine.app`) return typed results; a front end asks :func:`render` for the text of
one in a format (``text``, ``table``, ``json``, ``csv``, ``markdown``, ``html``, ``mermaid``,
``yaml``).  Renderers are plain functions registered with :func:`renders` in the module of this
package named after the area (``engine.render.fiches`` renders the results of
``engine.app.fiches``); a module is imported only when one of its results is rendered, so a command
pays for its own renderers only (start-up time, docs/performance.md).

Without a registered ``json`` renderer a result with ``to_dict()`` is rendered as that, indented,
keys in the documented order.  Every HTML page is built by :func:`engine.render.html.page` (one
skeleton: language, charset, viewport, the shared style sheet).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any, TypeVar

R = TypeVar("R")
Renderer = Callable[[Any], str]

_REGISTRY: dict[tuple[type, str], Renderer] = {}

#: Where results are defined → the module rendering them (imported on first use).
_AREAS = {
    "engine.app.fiches": "engine.render.fiches",
    "engine.store.repository": "engine.render.fiches",
    "engine.store.queries": "engine.render.fiches",
    "engine.store.verify": "engine.render.fiches",
    "engine.app.db": "engine.render.fiches",
    "engine.app.demo": "engine.render.demo",
    "engine.app.suggest": "engine.render.suggest",
    "engine.app.lifecycle": "engine.render.lifecycle",
    "engine.app.charter": "engine.render.charter",
    "engine.charter.model": "engine.render.charter",
    "engine.app.rules": "engine.render.rules",
    "engine.rules.loader": "engine.render.rules",
    "engine.coverage.report": "engine.render.coverage",
    "engine.rulestest.runner": "engine.render.rulestest",
    "engine.replay.diff": "engine.render.replay",
    "engine.app.report": "engine.render.report",
    "engine.app.alerts": "engine.render.alerts",
    "engine.alerts.runner": "engine.render.alerts",
    "engine.alerts.model": "engine.render.alerts",
    "engine.app.offers": "engine.render.offers",
    "engine.offers.model": "engine.render.offers",
    "engine.app.agenda": "engine.render.agenda",
    "engine.app.desk": "engine.render.desk",
    "engine.app.audit": "engine.render.audit",
    "engine.store.roles": "engine.render.fiches",
    "engine.app.accounts": "engine.render.accounts",
    "engine.app.activities": "engine.render.activities",
    "engine.app.porteurs": "engine.render.porteurs",
    "engine.app.published": "engine.render.published",
    "engine.app.decisions": "engine.render.decisions",
    "engine.decisions.repository": "engine.render.decisions",
    "engine.app.notify": "engine.render.notify",
}


class NoRenderer(LookupError):
    """A result asked for in a format nobody registered (a bug: the front end offered that format)."""


def renders(result_type: type, *formats: str) -> Callable[[Callable[[R], str]], Callable[[R], str]]:
    """Register the decorated function as the renderer of ``result_type`` in each of ``formats``."""

    def register(fn: Callable[[R], str]) -> Callable[[R], str]:
        for fmt in formats:
            _REGISTRY[(result_type, fmt)] = fn
        return fn

    return register


def render(result: object, fmt: str) -> str:
    """The text of ``result`` in ``fmt`` (raises :class:`NoRenderer` when none is registered)."""
    cls = type(result)
    for klass in cls.__mro__:
        area = _AREAS.get(klass.__module__)
        if area is not None:
            import_module(area)
        found = _REGISTRY.get((klass, fmt))
        if found is not None:
            return found(result)
    if fmt == "json" and hasattr(result, "to_dict"):
        from engine.output import to_json

        return to_json(result.to_dict())
    raise NoRenderer(f"no '{fmt}' rendering of {cls.__name__}")


def formats_of(result_type: type) -> list[str]:
    """The formats registered for ``result_type`` (its module imported first): for tests and --help."""
    area = _AREAS.get(result_type.__module__)
    if area is not None:
        import_module(area)
    found = [fmt for (klass, fmt) in _REGISTRY if klass is result_type]
    if "json" not in found and hasattr(result_type, "to_dict"):
        found.append("json")
    return found
