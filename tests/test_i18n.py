"""Messages in the user's language: French by default, English with --lang en or $CAPACTIF_LANG=en.

The French catalog must follow the code: a message of the code missing from capactif.po, an entry
of capactif.po the code no longer has (stale), a fuzzy entry or a capactif.mo that is not the
compilation of capactif.po all fail here (docs/i18n.md says how to update them).
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from cli import main
from engine import i18n, i18n_catalog
from engine.i18n_extract import help_texts


@pytest.fixture(scope="module")
def catalog_problems() -> list[str]:
    """Everything wrong with the French catalog (extraction of the whole code base: done once)."""
    return i18n_catalog.check()


def test_catalog_follows_the_code(catalog_problems):
    """Every message of the code is in capactif.po, none of its entries is stale or fuzzy, .mo compiled."""
    structural = [p for p in catalog_problems if not p.startswith("no French translation")]
    assert [] == structural


def test_french_is_the_default(monkeypatch):
    """With no choice made, messages are French."""
    monkeypatch.delenv("CAPACTIF_LANG", raising=False)
    with i18n.using(None):
        assert "fr" == i18n.get_language()
        assert "Affiche cette aide et quitte." == i18n._("Show this message and exit.")


def test_environment_and_explicit_choice(monkeypatch):
    """$CAPACTIF_LANG=en gives English; set_language overrides it; using() restores what was there."""
    monkeypatch.setenv("CAPACTIF_LANG", "en")
    with i18n.using(None):
        assert "Show this message and exit." == i18n._("Show this message and exit.")
        with i18n.using("fr_FR.UTF-8"):
            assert "Affiche cette aide et quitte." == i18n._("Show this message and exit.")
        assert "en" == i18n.get_language()


def test_unknown_language_is_refused():
    """A language capactif does not speak is an error naming those it does."""
    with pytest.raises(ValueError, match="fr, en"), i18n.using("de"):
        pass


def test_french_plural_forms():
    """French uses the singular for 0 and 1 (gettext's `n > 1` rule), English for 1 only."""
    with i18n.using("fr"):
        forms = [
            i18n.ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", n)
            for n in (0, 1, 2)
        ]
        assert ["Argument en trop inattendu ({args})"] * 2 + ["Arguments en trop inattendus ({args})"] == forms
    with i18n.using("en"):
        assert "Got unexpected extra arguments ({args})" == i18n.ngettext(
            "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 0
        )


def test_lazy_string_follows_the_language():
    """A label defined once reads in the language in force when it is shown."""
    label = i18n.lazy_gettext("Show this message and exit.")
    with i18n.using("en"):
        assert "Show this message and exit." == str(label)
    with i18n.using("fr"):
        assert "Affiche cette aide et quitte." == f"{label}"


def test_each_thread_keeps_its_language():
    """Two web requests served at once do not see each other's language (context variable)."""
    seen: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def serve(lang: str) -> None:
        with i18n.using(lang):
            barrier.wait()
            seen[lang] = i18n._("Show this message and exit.")

    threads = [threading.Thread(target=serve, args=(lang,)) for lang in ("fr", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {"fr": "Affiche cette aide et quitte.", "en": "Show this message and exit."} == seen


def test_command_line_language_option(monkeypatch):
    """`capactif --help` is French; `--lang en` and CAPACTIF_LANG=en give English; no leak between runs."""
    monkeypatch.delenv("CAPACTIF_LANG", raising=False)
    runner = CliRunner()
    french = runner.invoke(main, ["--help"])
    assert 0 == french.exit_code
    assert "Affiche cette aide et quitte." in french.output
    assert "Utilisation :" in french.output
    english = runner.invoke(main, ["--lang", "en", "--help"])
    assert "Show this message and exit." in english.output
    assert "Show the version and exit." in english.output
    again = runner.invoke(main, ["--help"])
    assert french.output == again.output
    from_env = runner.invoke(main, ["--help"], env={"CAPACTIF_LANG": "en"})
    assert "Show this message and exit." in from_env.output


def test_click_errors_are_translated():
    """click's own errors (unknown command) reach the user in French, still exit 2."""
    result = CliRunner().invoke(main, ["fiche", "nope"])
    assert 2 == result.exit_code
    assert "Erreur : Pas de commande 'nope'." in result.output


def test_help_texts_are_extracted():
    """Command docstrings and help= strings reach the catalog as click prints them (cleaned)."""
    source = '''
@fiche.command("check")
@click.option("--x", help="  An option.")
def check():
    """First line.

    \\b
    Example:
        capactif x
    """
'''
    texts = [text for _, _, text, _ in help_texts(source)]
    assert ["First line.\n\n\b\nExample:\n    capactif x", "An option."] == sorted(texts, key=len, reverse=True)


def test_templates_translate_and_escape_inside_loops():
    """The pages' `{% trans %}` and `_()` (engine.i18n.install_jinja2) translate to the language in force and
    escape what they insert, in a loop's rows as outside (ours take the evaluation context, not a copy of
    the template's context per call)."""
    from jinja2 import Environment

    env = i18n.install_jinja2(Environment(autoescape=True))
    template = env.from_string(
        "{% for r in rows %}[{% trans since=r.since, days=r.days %}Asked on {{ since }} ({{ days }} days ago)"
        "{% endtrans %}|{{ _('To do') }}|{% trans n=r.n %}{{ n }} message received through your offers on "
        "the public exchange waits for an answer.{% pluralize %}{{ n }} messages received through your offers "
        "on the public exchange wait for an answer.{% endtrans %}]{% endfor %}"
    )
    rows = [{"since": "<b>2026-01-02</b>", "days": 3, "n": 1}, {"since": "x & y", "days": 0, "n": 2}]
    with i18n.using("fr"):
        french = template.render(rows=rows)
    with i18n.using("en"):
        english = template.render(rows=rows)
    assert "[Demandé le &lt;b&gt;2026-01-02&lt;/b&gt; (il y a 3 jours)|À traiter|1 message" in french
    assert "Demandé le x &amp; y (il y a 0 jours)" in french
    assert "[Asked on &lt;b&gt;2026-01-02&lt;/b&gt; (3 days ago)|To do|1 message received" in english
    assert "2 messages received through your offers on the public exchange wait for an answer.]" in english
    assert "<b>" not in french + english
