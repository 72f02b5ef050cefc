"""Rendering of ``capactif lifecycle``: a text table or a Mermaid state diagram (JSON: ``describe()``)."""

from __future__ import annotations

from engine.app.lifecycle import LifecycleView
from engine.lifecycle import render_text
from engine.render import renders


@renders(LifecycleView, "text")
def lifecycle_text(view: LifecycleView) -> str:
    """Stages, then triggers with their guards."""
    return render_text(view.machine.describe())


@renders(LifecycleView, "mermaid")
def lifecycle_mermaid(view: LifecycleView) -> str:
    """The state diagram the README embeds."""
    return view.machine.mermaid()
