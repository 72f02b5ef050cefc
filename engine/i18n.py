"""Translations of every message a person reads: French by default, English on request.

Messages are written in English in the code (the gettext *msgid*) and translated through the French
catalog ``engine/locale/fr/LC_MESSAGES/capactif.po``, compiled to ``capactif.mo`` next to it (the
compiled file is committed, so a plain ``pip install .`` needs no build step; a test fails when it is
older than the ``.po``).  English needs no catalog: it is the msgid itself.  See ``docs/i18n.md``.

The language is, first to last: :func:`set_language` (``capactif --lang en``, a web request's
choice), ``$CAPACTIF_LANG``, French.  It is held in a context variable so that concurrent web
requests each keep their own.

Usage::

    from engine.i18n import _, ngettext, N_
    raise ValueError(_("unknown commune '{commune}'").format(commune=text))
    ngettext("{n} fiche stored", "{n} fiches stored", n).format(n=n)
    LABEL = N_("no lead")        # module level: marked here, translated where shown: _(LABEL)

Always format *after* translating (placeholders by name, so a translation may reorder them), and
never build a sentence out of translated fragments: give the translator the whole sentence.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "capactif"
LOCALE_DIR = Path(__file__).parent / "locale"

#: The languages capactif speaks; the first is the default.
LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
ENV_VAR = "CAPACTIF_LANG"

_language: ContextVar[str | None] = ContextVar("capactif_language", default=None)


def normalize_language(value: str | None) -> str | None:
    """``fr``, ``FR``, ``fr_FR.UTF-8``, ``français`` → ``fr``; ``en_GB`` → ``en``; unknown → None."""
    if not value:
        return None
    text = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    aliases = {"francais": "fr", "français": "fr", "french": "fr", "english": "en", "anglais": "en"}
    text = aliases.get(text, text)
    return text if text in LANGUAGES else None


#: ``os.environ``'s own dict and the variable's key in it: ``os.environ.get`` of an unset variable raises
#: and catches a KeyError (about 2 µs, more than a whole routing decision), a dict lookup does not.
#: ``_data`` is what ``os.environ`` reads and writes (``putenv`` included), on every platform.
_ENVIRON: dict[Any, Any] | None = getattr(os.environ, "_data", None)
_ENV_KEY: Any = os.environ.encodekey(ENV_VAR) if _ENVIRON is not None else None
#: Raw value of the variable → the language it names (or the default): a handful of entries at most.
_FROM_ENV: dict[Any, str] = {}


def _env_language() -> str:
    """``$CAPACTIF_LANG``'s language, else French."""
    if _ENVIRON is None:  # pragma: no cover - os.environ always has _data in CPython
        return normalize_language(os.environ.get(ENV_VAR)) or DEFAULT_LANGUAGE
    raw = _ENVIRON.get(_ENV_KEY)
    found = _FROM_ENV.get(raw)
    if found is None:
        text = os.environ.decodevalue(raw) if raw is not None else None
        found = normalize_language(text) or DEFAULT_LANGUAGE
        if len(_FROM_ENV) < 64:
            _FROM_ENV[raw] = found
    return found


def get_language() -> str:
    """The language in force: :func:`set_language`'s, else ``$CAPACTIF_LANG``'s, else French."""
    chosen = _language.get()
    if chosen:
        return chosen
    if _ENVIRON is not None:  # routing asks at every suggestion: the known value without a call
        found = _FROM_ENV.get(_ENVIRON.get(_ENV_KEY))
        if found is not None:
            return found
    return _env_language()


def set_language(language: str | None) -> str:
    """Use ``language`` (``fr`` or ``en``; None goes back to the environment) from now on in this context.

    Returns the language in force.  Raises ValueError for a language capactif does not speak.
    """
    if language is None:
        _language.set(None)
        return get_language()
    code = normalize_language(language)
    if code is None:
        raise ValueError(f"unknown language '{language}' (expected one of: {', '.join(LANGUAGES)})")
    _language.set(code)
    return code


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Within the block, speak ``language`` (None: the environment's); restored afterwards.

    One command run, one web request or one test: what they choose does not leak into the next.
    """
    token = _language.set(None)
    try:
        yield set_language(language)
    finally:
        _language.reset(token)


def pin(language: str | None = None) -> Token[str | None]:
    """Hold ``language`` (default: the language in force) in the context variable until :func:`unpin`
    (a hot loop's shortcut; ``language`` must be one of :data:`LANGUAGES`).

    :func:`get_language` otherwise reads ``$CAPACTIF_LANG`` at each message when no language was set;
    routing says a dozen reasons per suggestion and pins the language once for all of them, and says
    a suggestion's reasons later in the language it was made in.  Cheaper than :func:`using` (no
    generator); always pair with ``unpin`` in a ``finally``.
    """
    return _language.set(language or get_language())


def unpin(token: Token[str | None]) -> None:
    """Give back the language the context had before :func:`pin`."""
    _language.reset(token)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language; English (the msgids) has none and translates to itself."""
    if language == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def current() -> _gettext.NullTranslations:
    """The translations of the language in force."""
    return translations(get_language())


def _(message: str) -> str:
    """``message`` (an English msgid) in the language in force."""
    return current().gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in force (French: 0 and 1 are singular)."""
    return current().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in a context, for one English word that French translates two ways."""
    return current().pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (module-level constants).

    Translate it where it is shown, once the language is known: ``_(CONSTANT)``.
    """
    return message


class LazyString:
    """A message translated each time it is turned into text, in the language in force then.

    For labels defined at import time (before ``--lang`` is read) that are handed to code which
    calls ``str()`` on them.  Prefer :func:`N_` + ``_()`` at the point of use when possible.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __len__(self) -> int:
        return len(str(self))

    def format(self, *args: Any, **kwargs: Any) -> str:
        return str(self).format(*args, **kwargs)


def lazy_gettext(message: str) -> LazyString:
    """``message`` translated when it is shown, not when it is defined (see :class:`LazyString`)."""
    return LazyString(message)


_l = lazy_gettext


#: The decimal separator of each language (French writes 40,7 %; English 40.7 %).
DECIMAL_SEPARATORS: dict[str, str] = {"fr": ",", "en": "."}


def format_decimal(value: float, digits: int = 1, *, trim: bool = False) -> str:
    """``value`` with ``digits`` decimals and the decimal separator of the language in force.

    ``trim`` drops trailing zeros (``12.0`` → ``12``, ``12.50`` → ``12,5``).  For text read by people
    only: ``--format json`` and CSV keep numbers as numbers.  (Babel's ``format_decimal`` would do the
    same, but Babel is a contributor's tool here, not a run-time dependency; two languages need no more.)
    """
    text = f"{value:.{digits}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", DECIMAL_SEPARATORS.get(get_language(), "."))


def format_percent(ratio: float, digits: int = 1) -> str:
    """A ratio as a percentage, in the language in force: ``0.4074`` → ``40,7 %`` (French), ``40.7 %``."""
    return f"{format_decimal(ratio * 100, digits)} %"


def install_jinja2(env: Any) -> Any:
    """Give a Jinja2 environment ``{% trans %}``, ``_()``, ``gettext()`` and ``ngettext()``.

    The callables follow the language in force at rendering time (a request sets it with
    :func:`set_language`), so one environment serves French and English pages.  ``newstyle``
    gettext: ``{{ _("%(n)s fiches", n=3) }}`` formats and escapes like Jinja2 does everywhere else.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=_, ngettext=ngettext, pgettext=pgettext, newstyle=True)
    env.globals.update(_jinja2_callables())
    return env


def _jinja2_callables() -> dict[str, Any]:
    """Jinja2's newstyle ``gettext``/``ngettext``/``pgettext`` (and ``_``), taking the evaluation context
    instead of the whole template context.

    Same results as Jinja2's own (the message, Markup under autoescaping, then ``%`` with the escaped
    variables), but a callable marked ``pass_context`` called inside a ``{% for %}`` makes Jinja2 copy
    the template's whole context for each call (``Context.derived``): a ``{% trans %}`` in each row of
    a 20-row list cost more than the rest of the row.  Ours need only ``autoescape``.
    """
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    def finish(eval_ctx: Any, message: str, variables: dict[str, Any]) -> str:
        rv = Markup(message) if eval_ctx.autoescape else message
        return rv % variables

    @pass_eval_context
    def jinja_gettext(eval_ctx: Any, __string: str, **variables: Any) -> str:
        return finish(eval_ctx, _(__string), variables)

    @pass_eval_context
    def jinja_ngettext(eval_ctx: Any, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        variables.setdefault("num", __num)
        return finish(eval_ctx, ngettext(__singular, __plural, __num), variables)

    @pass_eval_context
    def jinja_pgettext(eval_ctx: Any, __string_ctx: str, __string: str, **variables: Any) -> str:
        variables.setdefault("context", __string_ctx)
        return finish(eval_ctx, pgettext(__string_ctx, __string), variables)

    return {"gettext": jinja_gettext, "_": jinja_gettext, "ngettext": jinja_ngettext, "pgettext": jinja_pgettext}
