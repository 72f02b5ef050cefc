"""The layering of the code, read from every module's imports (``ast``, nothing imported).

Imports go one way (docs/architecture.md)::

    front ends (cli.py, web/)  ->  engine.render  ->  engine.app  ->  feature packages  ->  foundations

A lower layer never imports a higher one (not even inside a function, where such imports used to
hide), and no two packages (nor two modules) import each other, directly or through others.  A new
package of ``engine`` counts as a feature package until it is placed in ``LAYERS`` below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOOLS = 5

#: Layer of each package (``engine.x`` for ``engine/x.py`` or ``engine/x/``); higher imports lower.
FOUNDATIONS = {
    "engine",
    "engine.activities",
    "engine.errors",
    "engine.fiche",
    "engine.i18n",
    "engine.identity",
    "engine.lifecycle",
    "engine.limits",
    "engine.network",
    "engine.output",
    "engine.paths",
    "engine.plainfiche",
    "engine.privacy",
    "engine.rules",
    "engine.spreadsheet",
    "engine.store",
    "engine.territory",
    "engine.territory_spec",
    "engine.vocabulary",
    "engine.yamlsource",
}
LAYERS = {
    **dict.fromkeys(FOUNDATIONS, 0),
    # tools run by developers (catalog extraction), never imported by the engine: above everything
    "engine.i18n_catalog": TOOLS,
    "engine.i18n_extract": TOOLS,
    "engine.app": 2,
    "engine.render": 3,
    "cli": 4,
    "web": 4,
}
FEATURE = 1
NAMES = {0: "foundations", 1: "feature packages", 2: "engine.app", 3: "engine.render", 4: "front ends", 5: "tools"}


def modules() -> Iterator[tuple[str, Path]]:
    """Every Python module of the engine and the front ends, by dotted name."""
    files = [*sorted((ROOT / "engine").rglob("*.py")), ROOT / "cli.py", *sorted((ROOT / "web").rglob("*.py"))]
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "_bundled" in parts or "migrations" in parts or not path.exists():
            continue
        name = ".".join(parts).removesuffix(".__init__")
        yield name, path


def imports(path: Path, name: str) -> Iterator[tuple[str, int]]:
    """Every module of ours that ``path`` imports (top level or in a function), with the line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in ("engine", "cli", "web"):
                yield target, node.lineno


def package_of(module: str) -> str:
    """``engine.store.db`` -> ``engine.store``; ``engine.paths`` -> ``engine.paths``; ``cli`` -> ``cli``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "engine" and len(parts) > 1 else parts[0]


def layer(package: str) -> int:
    return LAYERS.get(package, FEATURE if package.startswith("engine.") else 0)


def graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """The module graph (only edges to existing modules) and, per package edge, one place it happens."""
    known = dict(modules())
    edges: dict[str, set[str]] = {name: set() for name in known}
    where: dict[tuple[str, str], str] = {}
    for name, path in known.items():
        for target, line in imports(path, name):
            while target and target not in known:
                target = target.rpartition(".")[0]  # `from engine.x import name`: the module is engine.x
            if not target or target == name:
                continue
            edges[name].add(target)
            key = (package_of(name), package_of(target))
            where.setdefault(key, f"{path.relative_to(ROOT)}:{line} imports {target}")
    return edges, where


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_goes_up_a_layer():
    """A foundation never imports a feature, a feature never imports engine.app, nothing imports a front end."""
    _, where = graph()
    upward = [
        f"{place} ({NAMES[layer(a)]} -> {NAMES[layer(b)]})"
        for (a, b), place in sorted(where.items())
        if a != b and layer(a) < layer(b)
    ]
    assert upward == []


def test_no_two_packages_import_each_other():
    """The package graph has no cycle (store and routing used to import each other inside functions)."""
    edges, where = graph()
    packages: dict[str, set[str]] = {}
    for name, targets in edges.items():
        packages.setdefault(package_of(name), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(name)
        )
    found = cycles(packages)
    detail = [[where.get((a, b), "") for a in c for b in c if (a, b) in where] for c in found]
    assert found == [], detail


def test_no_two_modules_import_each_other():
    """Nor the module graph (routing.suggest and routing.explain, alerts.runner and alerts.render used to;
    so did store.events and store.history, store.queries and store.verify, through lazy imports)."""
    edges, _ = graph()
    assert cycles(edges) == []


def test_the_engine_never_imports_click():
    """The library is usable without the command line (the catalog tools read click's own messages)."""
    offenders = []
    for name, path in modules():
        if not name.startswith("engine") or layer(package_of(name)) == TOOLS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(m.split(".")[0] == "click" for m in mods):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path):
    """The checks above can fail: a foundation importing the app layer is an upward arrow, two modules
    importing each other are a cycle."""
    assert layer("engine.store") < layer("engine.app") < layer("engine.render") < layer("cli")
    assert layer("engine.someday") == FEATURE
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from engine.app import Workspace\n", encoding="utf-8")
    assert list(imports(module, "engine.store.m")) == [("engine.app", 2), ("engine.app.Workspace", 2)]
