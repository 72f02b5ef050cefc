"""Rendering of ``capactif rules publish/history/export``: the rules sets stored in the shared store."""

from __future__ import annotations

from engine.app.published import ExportResult, PublishResult, RulesHistory
from engine.render import renders


@renders(PublishResult, "text")
def publish_text(result: PublishResult) -> str:
    """What became of the set (a draft, already in force, now in force) and how its routing tests went."""
    tests = result.tests
    passed = tests.total - tests.failed
    tested = "no routing tests" if tests.missing else f"{passed} of {tests.total} routing tests pass"
    if result.draft:
        return f"rules {result.version} stored as a draft from {result.source} ({tested}); not in force."
    if result.already_in_force or result.publication is None:
        return f"rules {result.version} are already in force: nothing published."
    pub = result.publication
    before = f" (replacing {result.previous.version})" if result.previous else ""
    lines = [f"rules {result.version} are now in force{before}: {tested}."]
    if pub.forced:
        lines.append(f"  published despite failing tests: {pub.force_reason}")
    if pub.decision:
        lines.append(f"  adopted by decision {pub.decision}")
    return "\n".join(lines)


@renders(RulesHistory, "text")
def history_text(result: RulesHistory) -> str:
    """Each publication, the one in force first, with its tests, decision and override; then the drafts."""
    lines = []
    if not result.publications:
        lines.append(
            "No rules published in this store yet: commands use the rules directory "
            "('capactif rules publish --message …' puts a set in force)."
        )
    for index, pub in enumerate(result.publications):
        state = "in force" if index == 0 else "replaced"
        when = pub.published_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"{pub.version}  {when}  {pub.published_by}  [{state}]  {pub.message}")
        extra = [f"{pub.tests_total - pub.tests_failed}/{pub.tests_total} routing tests passed"]
        if pub.decision:
            extra.append(f"decision {pub.decision}")
        if pub.forced:
            extra.append(f"forced: {pub.force_reason}")
        lines.append("    " + "; ".join(extra))
    for draft in result.drafts:
        when = draft.stored_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"{draft.version}  {when}  {draft.stored_by or '-'}  [draft]  from {draft.source}")
    return "\n".join(lines)


@renders(ExportResult, "text")
def export_text(result: ExportResult) -> str:
    return f"rules {result.version} written to {result.directory} ({result.files} files)."
