"""Compiled rules cached by content, so that a cold ``capactif suggest`` neither validates nor compiles the rules.

:func:`compiled_rules` keeps what :func:`~engine.routing.compile.compile_rules` made of a rules directory in
the signed cache of :mod:`engine.rules.cache`, under a key of its own: every rules file's path and bytes, the
code that reads them and the code that compiles them.  Any change to one of them gives a new key, so an
entry is never stale; a miss loads the rules (from their own cache or their files, checking them), compiles
them and caches the result before any suggestion fills its memos.  The compiled rules hold plain
dataclasses only (no pydantic model, no rules model), which is what makes a hit cheap (docs/performance.md).
The version is never cached: it is that of this call (the store's rules in force, or git, or the content).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.routing.compile import CompiledRules, compile_rules
from engine.rules import cache

if TYPE_CHECKING:
    from engine.rules.ruleset import RuleSet

#: The code that decides what compiled rules contain: what reads and checks the rules, and what compiles them.
CODE = (*cache.CODE, "routing/compile.py", "routing/cache.py", "vocabulary.py")


def compiled_rules(rules_dir: Path, version: str | None, ruleset: Callable[[], RuleSet]) -> CompiledRules:
    """The compiled rules of ``rules_dir``, from the cache when they are there, else ``compile_rules(ruleset())``
    (``ruleset`` loads and checks them: a rules problem is raised as it is) then cached.  ``version``: the
    version to give them (the rules in force of a store), else the directory's own (:func:`rules_version`)."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        return compile_rules(ruleset())  # the loader says what is wrong
    if version is None:  # git's answer (in a git work tree) comes while the cache is read
        from engine.rules.version import start_rules_version

        version_of = start_rules_version(rules_dir)
    try:
        cache_key = cache.key(rules_dir, CODE)
        found = cache.load(cache_key)
    finally:
        version = version if version is not None else version_of()
    if isinstance(found, CompiledRules):
        found.version = version
        return found
    compiled = compile_rules(ruleset())
    cache.put(cache_key, compiled)
    return compiled
