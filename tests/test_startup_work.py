"""What a cold ``capactif suggest fiche.yaml`` leaves out (issue 19's start-up targets, docs/performance.md).

Each check runs the command in a new interpreter, as a technician does, and reads what it imported or
built: a module or a table kept out of start-up must stay out, and the command's output must not change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import activities
from engine.fiche import Fiche, context

ROOT = Path(__file__).resolve().parent.parent
FICHE = ROOT / "tests" / "data" / "fiches" / "bakery-ambert.yaml"


def cold_suggest(tmp_path: Path, probe: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``capactif suggest FICHE ARGS`` in a new interpreter; its exit status, its output and ``probe``
    (a Python expression evaluated after the command, with ``sys`` imported)."""
    code = (
        "import io, json, sys, contextlib\n"
        "from cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main([{'suggest'!r}, {str(FICHE)!r}, *{list(args)!r}])\n"
        "    except SystemExit as exc:\n"
        "        status = exc.code\n"
        f"print(json.dumps({{'status': status, 'output': out.getvalue(), 'probe': {probe}}}))\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("CAPACTIF_")}
    run_env = {**base, "CAPACTIF_HOME": str(tmp_path / "home"), "CAPACTIF_CACHE": str(tmp_path / "cache"),
               "PYTHONPATH": str(ROOT), **(env or {})}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=run_env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 0, report
    return report


def test_the_naf_codes_are_the_nomenclature_s():
    assert activities.naf_codes() == frozenset(activities.nomenclature())
    assert len(activities.naf_codes()) == 732


@pytest.mark.parametrize("code", ["10.71C", "1071c", "01.11Z", "99.00Z"])
def test_a_known_naf_code_is_accepted(code):
    fiche = Fiche.model_validate({"received": "2026-03-02", "commune": "63003", "kind": "creation", "naf": code},
                                 context=context())  # fmt: skip
    assert fiche.naf == activities.normalize_code(code)


def test_an_unknown_naf_code_is_refused_with_the_nearest_codes():
    with pytest.raises(ValueError, match=r"code NAF '10\.71X' introuvable .*10\.71A, 10\.71B"):
        Fiche.model_validate(
            {"received": "2026-03-02", "commune": "63003", "kind": "creation", "naf": "10.71X"}, context=context()
        )


def test_a_cold_suggest_does_not_build_the_nafs_nomenclature(tmp_path):
    """Checking the fiche's code needs the codes only; the 732 records are built when a label is shown (or
    when the rules are loaded from their files: the first run fills the rules cache, as after an install)."""
    cold_suggest(tmp_path, "0")
    report = cold_suggest(tmp_path, "sys.modules['engine.activities'].nomenclature.cache_info().currsize")
    assert report["probe"] == 0
    assert "cma-63" in str(report["output"])


def test_a_cold_suggest_does_not_import_importlib_metadata(tmp_path):
    """pydantic's plugin loader imports importlib.metadata to learn that plugins are off: the command line
    stands in for it while they are."""
    report = cold_suggest(tmp_path, "sorted({'importlib.metadata', 'zipfile', 'email'} & set(sys.modules))")
    assert report["probe"] == []
    assert "cma-63" in str(report["output"])


def test_pydantic_s_own_plugin_loader_answers_once_plugins_are_turned_on(tmp_path):
    code = (
        "import os, sys, json\n"
        "import cli\n"
        "from pydantic import BaseModel\n"
        "class Off(BaseModel):\n"
        "    x: int\n"
        "stand_in = sys.modules['pydantic.plugin._loader']\n"
        "os.environ['PYDANTIC_DISABLE_PLUGINS'] = ''\n"
        "class On(BaseModel):\n"
        "    x: int\n"
        "loader = sys.modules['pydantic.plugin._loader']\n"
        "print(json.dumps([hasattr(stand_in, 'PYDANTIC_ENTRY_POINT_GROUP'), loader is stand_in,\n"
        "                  loader.PYDANTIC_ENTRY_POINT_GROUP, loader._plugins, On(x=1).x]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, False, "pydantic", {}, 1]


def test_a_command_runs_with_fewer_collections_and_restores_the_thresholds(monkeypatch, tmp_path):
    import gc

    from click.testing import CliRunner

    import cli

    seen = []
    real_show = cli.show
    monkeypatch.setattr(cli, "show", lambda *a, **k: seen.append(gc.get_threshold()) or real_show(*a, **k))
    monkeypatch.setenv("CAPACTIF_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CAPACTIF_DB", raising=False)
    before = gc.get_threshold()
    result = CliRunner().invoke(cli.main, ["suggest", str(FICHE)])
    assert result.exit_code == 0, result.output
    assert "cma-63" in result.output
    assert seen == [(max(before[0], cli.GC_YOUNG_THRESHOLD), *before[1:])]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_cold_suggest_does_not_import_html_s_entity_table(tmp_path):
    """engine.output imports ``html`` where Markdown is escaped, which ``suggest`` never prints."""
    report = cold_suggest(tmp_path, "sorted({'html', 'html.entities'} & set(sys.modules))")
    assert report["probe"] == []


def test_markdown_cells_are_still_escaped():
    from engine.output import md

    assert md("<script>a & b</script>\nnext") == "&lt;script&gt;a &amp; b&lt;/script&gt; next"


def test_a_cold_suggest_without_a_store_leaves_out_what_only_other_paths_need(tmp_path):
    """Once the rules cache is filled, ``suggest fiche.yaml`` without a store imports no difflib (typo
    suggestions), no tempfile or shutil (writing the rules cache, materialising published rules) and none
    of the published rules' modules but the choice itself.  (Nor ``json`` for a YAML fiche and a text
    output, which this probe cannot show: it imports json itself to report.)"""
    cold_suggest(tmp_path, "0")  # the first run fills the rules cache (it writes a file: tempfile)
    left_out = {"difflib", "tempfile", "shutil", "engine.published.materialise", "engine.published.snapshot",
                "engine.published.records"}  # fmt: skip
    report = cold_suggest(tmp_path, f"sorted({left_out!r} & set(sys.modules))")
    assert report["probe"] == []
    assert "cma-63" in str(report["output"])


def test_a_cold_suggest_builds_no_pydantic_model(tmp_path):
    """With the compiled rules in their cache and a fiche written plainly, ``suggest fiche.yaml`` neither
    defines nor builds a pydantic model (pydantic's model machinery alone costs about as much as importing
    pydantic and click): the fiche is read by the plain validator, the rules are not loaded (docs/performance.md)."""
    cold_suggest(tmp_path, "0")  # the first run fills the caches
    # ... nor what the rules cache used to need: OpenSSL (hashlib, hmac), the pure-Python pickler, secrets
    left_out = {"pydantic.main", "pydantic.fields", "engine.fiche", "engine.rules.model", "engine.rules.loader",
                "engine.territory_spec", "engine.network", "_hashlib", "hmac", "pickle", "secrets"}  # fmt: skip
    report = cold_suggest(tmp_path, f"sorted({left_out!r} & set(sys.modules))")
    assert report["probe"] == []
    assert "cma-63" in str(report["output"])
    (tmp_path / "other").mkdir()
    first = cold_suggest(tmp_path / "other", "0", env={"CAPACTIF_NO_CACHE": "1"})  # everything loaded: the same
    assert first["output"] == report["output"]
