"""A cache of validated rule sets, keyed by the exact content of the rules and of the loading code.

Loading the bundled network (parse 30 files, validate, cross-check) costs about 100 ms, which is
most of a technician's ``capactif suggest`` start-up.  A rule set that passed both validation
passes is pickled under a key made of every rules file's path and bytes and of the engine's own
rules-loading code: any change to either gives a new key, so a cached entry can never be stale.
``CAPACTIF_NO_CACHE=1`` turns it off; an unwritable data directory just means no cache.

A pickle runs code when it is loaded, so an entry is only unpickled once it is proven to be this
user's own: each file carries a keyed BLAKE2b-256 (BLAKE2's MAC mode, RFC 7693) of the cache key and
the pickled bytes, made with a secret of 32 random bytes kept in the state directory
(``~/.local/state/capactif/rules-cache.key``, created 0600, never in the cache directory).  Someone who
can write the cache directory, but not read that secret, can neither make capactif run their code nor swap
in a rule set validated for other rules (the cache key, that is the rules' content, is part of what is
signed).  A key file that is not the user's own or is readable by others is not used: no cache then
(docs/security.md).  The cache key is a BLAKE2b digest too: BLAKE2 comes with CPython itself, while
hashlib's and hmac's SHA-256 load and initialise OpenSSL, 3 % of a cold ``capactif suggest``
(docs/performance.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__, paths

try:  # CPython's own BLAKE2 (hashlib.blake2b is this one) and constant-time comparison (hmac.compare_digest's)
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - another interpreter
    from hashlib import blake2b
    from hmac import compare_digest

try:  # pickle's C functions without the pure-Python pickler (pickle.py) that a cold command never uses
    from _pickle import PickleError, dumps, loads
except ImportError:  # pragma: no cover - an interpreter without the accelerator
    from pickle import PickleError, dumps, loads

if TYPE_CHECKING:
    from engine.rules.ruleset import RuleSet

#: The modules whose code decides what a loaded rule set contains.
CODE = ("rules/loader.py", "rules/model.py", "rules/references.py", "rules/ruleset.py", "territory.py",
        "territory_spec.py", "fiche.py", "plainfiche.py", "limits.py", "yamlsource.py")  # fmt: skip


def _enabled() -> bool:
    return os.environ.get("CAPACTIF_NO_CACHE", "") in ("", "0")


def key(rules_dir: Path, code: Iterable[str] = CODE) -> str:
    """Hex digest of the rules directory's files (paths and bytes) and of the code that reads them (``code``:
    paths under ``engine/``; :mod:`engine.routing.cache` adds the code that compiles them)."""
    digest = blake2b(f"{__version__}|{sys.version_info[:2]}".encode(), digest_size=32)
    engine_dir = Path(__file__).parent.parent
    for name in code:
        digest.update((engine_dir / name).read_bytes())
    for relative, path in _files(str(rules_dir)):
        digest.update(relative.encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            digest.update(fh.read() + b"\0")
    return digest.hexdigest()


def _files(top: str) -> list[tuple[str, str]]:
    """``(relative path with '/', path)`` of every file under ``top`` outside hidden files and folders, sorted."""
    found = []
    for folder, folders, names in os.walk(top, followlinks=True):
        folders[:] = [f for f in folders if not f.startswith(".")]
        relative = os.path.relpath(folder, top).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found += [(prefix + n, os.path.join(folder, n)) for n in names if not n.startswith(".")]
    return sorted(found)


def digest(text: str) -> str:
    """A cache key for something else than a rules directory (hex BLAKE2b-256 of ``text``, with capactif's and
    Python's versions): :func:`engine.rules.version._last_change` keeps git's answers under such keys."""
    return blake2b(f"{__version__}|{sys.version_info[:2]}|{text}".encode(), digest_size=32).hexdigest()


MAGIC = b"capactif-rules-cache-3\n"
KEY_FILE = "rules-cache.key"


def _path(cache_key: str) -> Path:
    return paths.cache_dir() / f"rules-{cache_key[:32]}.pickle"


def _secret() -> bytes | None:
    """This user's signing secret, created on first use (0600 in the state directory); None when unusable."""
    path = paths.state_dir() / KEY_FILE
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process created it meanwhile: read theirs
            except OSError:
                return None
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))
            continue
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
            if foreign or info.st_mode & 0o077:
                return None
            secret = fh.read(64)
        return secret if len(secret) == 32 else None
    return None


def _signature(secret: bytes, cache_key: str, body: bytes) -> bytes:
    return blake2b(cache_key.encode("ascii") + b"\0" + body, key=secret, digest_size=32).digest()


def get(cache_key: str) -> RuleSet | None:
    """The rule set cached under this key, or None (also when its signature is not this user's)."""
    from engine.rules.ruleset import RuleSet

    found = load(cache_key)
    return found if isinstance(found, RuleSet) else None


def load(cache_key: str) -> object | None:
    """The value cached under this key (a rule set, or compiled rules under their own key), or None (also when
    its signature is not this user's)."""
    if not _enabled():
        return None
    secret = _secret()
    if secret is None:
        return None
    try:
        data = _path(cache_key).read_bytes()
    except OSError:
        return None
    head, signature, body = data[: len(MAGIC)], data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
    if head != MAGIC or not compare_digest(signature, _signature(secret, cache_key, body)):
        return None
    try:
        return loads(body)
    except (PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def put(cache_key: str, ruleset: object) -> None:
    """Cache a validated rule set (or what was compiled from one), signed; written atomically, silently
    skipped when impossible."""
    if not _enabled():
        return
    secret = _secret()
    if secret is None:
        return
    import tempfile  # writing happens once per rules change: kept out of a cold command's imports

    target = _path(cache_key)
    try:
        body = dumps(ruleset, protocol=5)  # pickle.HIGHEST_PROTOCOL of Python 3.8 to 3.13
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False, suffix=".tmp") as fh:
            fh.write(MAGIC + _signature(secret, cache_key, body) + body)
        os.replace(fh.name, target)
    except (OSError, PickleError):
        return
