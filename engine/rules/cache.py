"""A cache of validated rule sets, keyed by the exact content of the rules and of the loading code.

Loading the bundled network (parse 30 files, validate, cross-check) costs about 100 ms, which is
most of a technician's ``capactif suggest`` start-up.  A rule set that passed both validation
passes is pickled under a key made of every rules file's path and bytes and of the engine's own
rules-loading code: any change to either gives a new key, so a cached entry can never be stale.
``CAPACTIF_NO_CACHE=1`` turns it off; an unwritable data directory just means no cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from engine import __version__, paths
from engine.rules.ruleset import RuleSet

#: The modules whose code decides what a loaded rule set contains.
_CODE = ("rules/loader.py", "rules/model.py", "rules/references.py", "rules/ruleset.py", "territory.py", "fiche.py")


def _enabled() -> bool:
    return os.environ.get("CAPACTIF_NO_CACHE", "") in ("", "0")


def key(rules_dir: Path) -> str:
    """Hex digest of the rules directory's files (paths and bytes) and of the loading code."""
    digest = hashlib.sha256(f"{__version__}|{sys.version_info[:2]}".encode())
    engine_dir = Path(__file__).parent.parent
    for name in _CODE:
        digest.update((engine_dir / name).read_bytes())
    files = [p for p in rules_dir.rglob("*") if p.is_file()]
    for path in sorted(p for p in files if not any(part.startswith(".") for part in p.relative_to(rules_dir).parts)):
        digest.update(path.relative_to(rules_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _path(cache_key: str) -> Path:
    return paths.cache_dir() / f"rules-{cache_key[:32]}.pickle"


def get(cache_key: str) -> RuleSet | None:
    """The rule set cached under this key, or None."""
    if not _enabled():
        return None
    try:
        with _path(cache_key).open("rb") as fh:
            ruleset = pickle.load(fh)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return ruleset if isinstance(ruleset, RuleSet) else None


def put(cache_key: str, ruleset: RuleSet) -> None:
    """Cache a validated rule set; written atomically, silently skipped when impossible."""
    if not _enabled():
        return
    target = _path(cache_key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False, suffix=".tmp") as fh:
            pickle.dump(ruleset, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, target)
    except (OSError, pickle.PickleError):
        return
