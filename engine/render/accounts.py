"""Rendering of ``capactif user add/list/disable/enable/reset``: the web application's accounts."""

from __future__ import annotations

from engine.app.accounts import Accounts, AccountSwitched, DemoAccounts, NewLink
from engine.i18n import _, ngettext
from engine.output import to_json
from engine.render import renders


@renders(NewLink, "text")
def new_link_text(result: NewLink) -> str:
    """Who the account is, then the one-time link to choose the password and until when it works."""
    account = result.account
    if result.created:
        what = _("account created: {email} ({name}, {who})")
    else:
        what = _("new link for {email} ({name}, {who})")
    return "\n".join(
        [
            what.format(email=account.email, name=account.display_name, who=account.who),
            _("one-time link to choose the password (valid until {until} UTC):").format(
                until=f"{result.expires_at:%Y-%m-%d %H:%M}"
            ),
            f"  {result.url}",
        ]
    )


@renders(Accounts, "table")
def accounts_table(result: Accounts) -> str:
    """One line per account (e-mail, name, structure or role, state), then the count."""
    lines = []
    for a in result.accounts:
        state = _("disabled") if a.disabled else (_("active") if a.has_password else _("password to choose"))
        lines.append(f"{a.email}  {a.display_name}  {a.who}  {state}")
    count = len(result.accounts)
    lines.append(ngettext("{n} account.", "{n} accounts.", count).format(n=count))
    return "\n".join(lines)


@renders(Accounts, "json")
def accounts_json(result: Accounts) -> str:
    return to_json(result.to_dict())


@renders(AccountSwitched, "text")
def switched_text(result: AccountSwitched) -> str:
    email = result.account.email
    if result.account.disabled:
        return _("account disabled: {email} (its sessions are closed)").format(email=email)
    return _("account enabled again: {email}").format(email=email)


@renders(DemoAccounts, "text")
def demo_accounts_text(result: DemoAccounts) -> str:
    """``demo --serve``: where the demo is served, the one password, one line per account to sign in with."""
    lines = [
        "",
        _("The demo in the web application: {url}").format(url=result.address),
        _("Demo accounts (one password for all: {password}):").format(password=result.password),
    ]
    lines += [f"  {a.email:<40} {a.display_name:<18} {a.who}" for a in result.accounts]
    lines.append(_("(Ctrl+C to stop)"))
    return "\n".join(lines)
