"""Rendering of ``capactif rules publish/history/export``: the rules sets stored in the shared store."""

from __future__ import annotations

from engine.app.published import ExportResult, PublishResult, RulesHistory, TestsSummary
from engine.i18n import _, ngettext
from engine.render import renders


def _tested(tests: TestsSummary) -> str:
    if tests.missing:
        return _("no routing tests")
    return ngettext(
        "{passed} of {total} routing test pass", "{passed} of {total} routing tests pass", tests.total
    ).format(passed=tests.total - tests.failed, total=tests.total)


@renders(PublishResult, "text")
def publish_text(result: PublishResult) -> str:
    """What became of the set (a draft, already in force, now in force) and how its routing tests went."""
    tested = _tested(result.tests)
    if result.draft:
        return _("rules {version} stored as a draft from {source} ({tested}); not in force.").format(
            version=result.version, source=result.source, tested=tested
        )
    if result.already_in_force or result.publication is None:
        return _("rules {version} are already in force: nothing published.").format(version=result.version)
    pub = result.publication
    if result.previous:
        now = _("rules {version} are now in force (replacing {previous}): {tested}.")
    else:
        now = _("rules {version} are now in force: {tested}.")
    previous = result.previous.version if result.previous else ""
    lines = [now.format(version=result.version, previous=previous, tested=tested)]
    if pub.forced:
        lines.append("  " + _("published despite failing tests: {reason}").format(reason=pub.force_reason))
    if pub.decision:
        lines.append("  " + _("adopted by decision {decision}").format(decision=pub.decision))
    return "\n".join(lines)


@renders(RulesHistory, "text")
def history_text(result: RulesHistory) -> str:
    """Each publication, the one in force first, with its tests, decision and override; then the drafts."""
    lines = []
    if not result.publications:
        lines.append(
            _(
                "No rules published in this store yet: commands use the rules directory "
                "('capactif rules publish --message …' puts a set in force)."
            )
        )
    for index, pub in enumerate(result.publications):
        state = _("in force") if index == 0 else _("replaced")
        when = pub.published_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(f"{pub.version}  {when}  {pub.published_by}  [{state}]  {pub.message}")
        passed = pub.tests_total - pub.tests_failed
        extra = [
            ngettext(
                "{passed}/{total} routing test passed", "{passed}/{total} routing tests passed", pub.tests_total
            ).format(passed=passed, total=pub.tests_total)
        ]
        if pub.decision:
            extra.append(_("decision {decision}").format(decision=pub.decision))
        if pub.forced:
            extra.append(_("forced: {reason}").format(reason=pub.force_reason))
        lines.append("    " + "; ".join(extra))
    for draft in result.drafts:
        when = draft.stored_at.astimezone().strftime("%Y-%m-%d %H:%M")
        source = _("from {source}").format(source=draft.source)
        state = _("draft")
        lines.append(f"{draft.version}  {when}  {draft.stored_by or '-'}  [{state}]  {source}")
    return "\n".join(lines)


@renders(ExportResult, "text")
def export_text(result: ExportResult) -> str:
    return ngettext(
        "rules {version} written to {directory} ({n} file).",
        "rules {version} written to {directory} ({n} files).",
        result.files,
    ).format(version=result.version, directory=result.directory, n=result.files)
