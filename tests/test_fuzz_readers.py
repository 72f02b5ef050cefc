"""Every reader of a file a person writes, fed hostile and broken text (issue 14): a result or a clean,
located error (:class:`EngineError`, exit 2), never another exception (exit 3), a crash or a hang.

The examples are generated three ways: random text over YAML/JSON's special characters, a valid file of the
reader's kind with random edits (characters deleted, inserted, replaced), and the shapes the adversarial run
used (aliases, deep nesting, control characters, huge numbers).  The number of examples is bounded so the suite
stays fast; the shapes that broke a reader before are also regression tests of their own
(tests/test_input_limits.py).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import network
from engine.charter.loader import load_charter
from engine.errors import EngineError
from engine.fiche import read_fiches
from engine.offers.spec import read_offers
from engine.rules.loader import check_rules
from engine.rulestest.loader import load_cases
from engine.store.importing import read_import

ROOT = Path(__file__).parent.parent
FICHE = (Path(__file__).parent / "data" / "fiches" / "bakery-ambert.yaml").read_text(encoding="utf-8")
FICHE_JSON = (Path(__file__).parent / "data" / "fiches" / "farrier.json").read_text(encoding="utf-8")
OFFER = "kind: takeover\ntitle: Boulangerie\ncommune: Ambert\nnaf: 10.71C\npublished_on: 2025-03-14\npublished_in: X\n"
CSV = (
    "received,commune,kind,porteur.name,porteur.phone,needs\n"
    "2026-01-05,Ambert,creation,Jeanne,04 73 82 00 00,premises\n"
)
CASES = (ROOT / "rules" / "tests" / "activity-nature.yaml").read_text(encoding="utf-8")
ROUTING = (ROOT / "rules" / "routing.yaml").read_text(encoding="utf-8")
CHARTER = (ROOT / "charter" / "commitments.yaml").read_text(encoding="utf-8")

SPECIAL = "[]{}:,-&*!|>'\"#%@`?\n\r\t \\\x00\x1b\u2028é0123456789.eE+trueflsnu"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few random edits: a deletion, an insertion of special characters, a replacement."""
    out = text
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = draw(st.text(alphabet=SPECIAL, max_size=6))
        if action == "delete":
            out = out[:at] + out[at + draw(st.integers(1, 8)) :]
        elif action == "insert":
            out = out[:at] + piece + out[at:]
        else:
            out = out[:at] + piece + out[at + len(piece) :]
    return out


def hostile(text: str) -> st.SearchStrategy[str]:
    """Random text, the valid text mutated, and the known hostile shapes grafted onto it."""
    shapes = st.sampled_from(
        [
            "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
            "[" * 5_000 + "]" * 5_000,
            "- " * 3_000 + "x\n",
            "employees: 99999999999999999999999\n",
            'summary: "\\e[2J\\0"\n',
            "x: !!python/object/apply:os.system ['true']\n",
            "<<: {a: 1}\n",
            "%YAML 1.1\n---\nreceived: 2026-01-05\n",
        ]
    ).map(lambda shape: shape + text)
    return st.one_of(st.text(alphabet=SPECIAL, max_size=300), mutated(text), shapes)


@pytest.fixture(scope="module")
def net():
    return network.load()


def _write(name: str, text: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="capactif-fuzz-"))
    path = directory / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _clean(error: EngineError) -> None:
    """A clean error: at least one line, each a short located message without a traceback."""
    lines = error.lines()
    assert lines
    for line in lines:
        assert "Traceback" not in line
        assert len(line) < 2_000


@FUZZ
@given(text=hostile(FICHE))
def test_fiche_yaml(net, text):
    path = _write("f.yaml", text)
    try:
        read_fiches([path], net.fiche_context())
    except EngineError as exc:
        _clean(exc)


@FUZZ
@given(text=hostile(FICHE_JSON))
def test_fiche_json(net, text):
    path = _write("f.json", text)
    try:
        read_fiches([path], net.fiche_context())
    except EngineError as exc:
        _clean(exc)


@FUZZ
@given(text=hostile(OFFER))
def test_offer_files(net, text):
    path = _write("o.yaml", text)
    try:
        read_offers([path], net.fiche_context())
    except EngineError as exc:
        _clean(exc)


@FUZZ
@given(text=st.one_of(mutated(CSV), st.text(alphabet=SPECIAL + ",;", max_size=300).map(lambda t: CSV + t)))
def test_csv_imports(net, text):
    path = _write("f.csv", text)
    try:
        batch = read_import(path, net.fiche_context())
    except EngineError as exc:
        _clean(exc)
        return
    for rejected in batch.rejected:
        assert rejected.problems


@FUZZ
@given(text=hostile(CASES))
def test_routing_tests(net, text):
    path = _write("cases.yaml", text)
    try:
        load_cases([path], net.fiche_context())
    except EngineError as exc:
        _clean(exc)


@SLOW_FUZZ
@given(text=hostile(ROUTING))
def test_rules(text):
    directory = Path(tempfile.mkdtemp(prefix="capactif-fuzz-")) / "rules"
    shutil.copytree(ROOT / "rules", directory)
    (directory / "routing.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = check_rules(directory)  # never raises: ok or problems
    assert result.ok or result.problems
    for problem in result.problems:
        assert len(str(problem)) < 2_000


@SLOW_FUZZ
@given(text=hostile(CHARTER))
def test_charter(text):
    directory = Path(tempfile.mkdtemp(prefix="capactif-fuzz-")) / "charter"
    directory.mkdir()
    (directory / "commitments.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_charter(directory)
    except EngineError as exc:
        _clean(exc)
