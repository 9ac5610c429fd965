"""The layers contract: every import inside ``src/yearn`` points down the layer order.

An AST walk sees every import, function-level and ``TYPE_CHECKING`` ones included. Three
rules, each reported as ``kind: importer -> imported``:

- ``upward``: a package imports one on a higher layer;
- ``cycle``: packages of one layer import each other (directly or around a loop);
- ``private``: a package imports another package's ``_private`` module or ``_name``
  (promote the name into that package's ``__init__``/``__all__`` instead).

``ALLOWED`` lists the violations still being fixed; it only shrinks (never add to it). Run
``python tests/test_layers.py`` to print every violation that remains. Two more rules: no
runtime import cycle between modules of one package, and a thin CLI (``CLI_ALLOWED``).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "yearn"

#: Bottom to top; a package may import its own layer (without a cycle) and those below it.
#: The order of docs' PREAMBLE with five moves the code needs: the metric registry sits under
#: splits and the scaffold, prep under the baselines, transfer/multitask over the analyses,
#: and the data profile under every model (its leakage check screens their features).
LAYERS: list[tuple[str, ...]] = [
    ("errors", "_validation", "_io", "_version", "paths", "display"),
    ("config",),
    ("predictions", "store"),  # the contracts
    ("metrics",),  # the metric registry: splits' protocols and the scaffold name metrics
    ("scaffold",),
    ("data",),
    ("splits",),
    ("project",),
    ("profile",),  # reads data, not predictions: every model's feature screen comes from it
    ("prep",),  # the baselines prepare their inputs with it
    ("compare", "baselines"),
    ("train",),
    ("diagnose", "erroranalysis", "labels", "slices"),  # read predictions tables
    ("transfer", "multitask"),  # train, then diagnose their predictions
    ("ship", "serve", "monitor", "tune", "mismatch", "e2e"),
    ("report",),
    ("ui",),
    ("workflow",),
    ("demo",),
    ("cli",),
]
LAYER = {package: level for level, packages in enumerate(LAYERS) for package in packages}
#: ``yearn/__init__`` is the public facade: it may name anything (lazily).
FACADE = "yearn"

#: Known violations, being removed one by one. Never add to this list.
ALLOWED: set[str] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACADE


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks (imports that never run)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def _imports(module: str, path: Path, known: set[str], *, runtime: bool = False):
    """Yield ``(imported module, imported name or None)`` for every import in ``path``
    (with ``runtime``, leaving out those under ``if TYPE_CHECKING:``)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_checking_nodes(tree) if runtime else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "yearn" or alias.name.startswith("yearn."):
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "yearn" or target.startswith("yearn.")):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in known:
                    yield submodule, None
                else:
                    yield target, alias.name


def _private_part(module: str, name: str | None) -> bool:
    """True when ``module``/``name`` reaches inside its package through a ``_`` name."""
    inner = module.split(".")[2:]
    if name is not None:
        inner.append(name)
    return any(part.startswith("_") and not part.startswith("__") for part in inner)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def violations() -> set[str]:
    """Every violation of the layers contract, as ``kind: importer -> imported`` strings."""
    modules = _modules()
    known = set(modules)
    found: set[str] = set()
    package_edges: dict[str, set[str]] = defaultdict(set)
    edge_modules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module, path in modules.items():
        source = _package(module)
        if source == FACADE:
            continue
        if source not in LAYER:
            found.add(f"unlayered: {module} (add package '{source}' to LAYERS)")
            continue
        for target, name in _imports(module, path, known):
            dest = _package(target)
            if dest == source:
                continue
            if dest == FACADE:
                found.add(f"upward: {module} -> yearn (import from the owning package)")
                continue
            if dest not in LAYER:
                found.add(f"unlayered: {target} (add package '{dest}' to LAYERS)")
                continue
            shown = target if name is None else f"{target}.{name}"
            if _private_part(target, name):
                found.add(f"private: {module} -> {shown}")
            if LAYER[dest] > LAYER[source]:
                found.add(f"upward: {module} -> {target}")
            elif LAYER[dest] == LAYER[source]:
                package_edges[source].add(dest)
                edge_modules[(source, dest)].add(f"{module} -> {target}")
    module_edges: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for target, _ in _imports(module, path, known, runtime=True):
            same = _package(target) == _package(module) != FACADE
            if (
                same
                and target in known
                and target != module
                and not module.startswith(target + ".")
            ):
                module_edges[module].add(target)
    for group in _cycles(module_edges):
        found.add(f"cycle: {' <-> '.join(group)} (move what both need into a third module)")
    for group in _cycles(package_edges):
        members = set(group)
        for (source, dest), pairs in edge_modules.items():
            if source in members and dest in members:
                found.update(f"cycle: {pair}" for pair in pairs)
    return found


#: The CLI parses flags and prints; the library reads projects. Limits on ``cli/*.py``.
CLI_MAX_LINES = 200
CLI_FORBIDDEN_CALLS = {"load_config", "open_store", "load_manifest", "load_predictions"}
#: Known CLI violations, being removed (never add).
CLI_ALLOWED: set[str] = set()


def cli_violations() -> set[str]:
    """``cli/*.py`` longer than the limit, calling a loader, or importing numpy."""
    found = set()
    for path in sorted((SRC / "cli").glob("*.py")):
        name = f"cli/{path.name}"
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > CLI_MAX_LINES:
            found.add(f"long: {name} (over {CLI_MAX_LINES} lines)")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                called = getattr(func, "id", None) or getattr(func, "attr", None)
                if called in CLI_FORBIDDEN_CALLS:
                    found.add(f"loads: {name} calls {called} (ask yearn.project.Project)")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                modules.append(getattr(node, "module", None) or "")
                if any(m == "numpy" or m.startswith("numpy.") for m in modules):
                    found.add(f"numpy: {name} imports numpy (compute in the library)")
    return found


def test_cli_is_thin() -> None:
    found = cli_violations()
    # entries fixed by another lane are not a failure here (several lanes thin the CLI at
    # once); `python tests/test_layers.py` lists what remains, and CLI_ALLOWED is trimmed to it
    new = sorted(found - CLI_ALLOWED)
    assert not new, "the CLI does library work:\n" + "\n".join(f"  {v}" for v in new)


#: Names of the project layout that only ``yearn.paths`` may spell out.
LAYOUT_NAMES = {".yearn", ".yearn-backups", "runs.db", "predictions.parquet", "splits.parquet"}


def layout_literals() -> set[str]:
    """Code (not docstrings or messages) outside ``paths.py`` that spells a layout name."""
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "paths.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in LAYOUT_NAMES:
                found.add(f"{path.relative_to(SRC)}:{node.lineno} spells {node.value!r}")
    return found


def test_only_paths_spells_the_project_layout() -> None:
    found = sorted(layout_literals())
    assert not found, "ask yearn.paths.ProjectPaths instead:\n" + "\n".join(found)


def test_layout_check_sees_code_not_docstrings(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text('"""Runs live in .yearn/runs.db."""\nX = "runs.db"\n')
    (tmp_path / "paths.py").write_text('STATE_DIR = ".yearn"\n')
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert layout_literals() == {"a.py:2 spells 'runs.db'"}


def test_layers_point_down() -> None:
    # an entry another lane fixed is not a failure (lanes land in parallel); trim ALLOWED
    # to what `python tests/test_layers.py` still prints
    new = sorted(violations() - ALLOWED)
    message = ["imports against the layer order (see ARCHITECTURE.md):"]
    assert not new, "\n".join(message + [f"  {line}" for line in new])


def test_checker_sees_function_level_and_relative_imports(tmp_path, monkeypatch) -> None:
    root = tmp_path / "yearn"
    (root / "report").mkdir(parents=True)
    (root / "metrics").mkdir()
    (root / "__init__.py").write_text("")
    (root / "report" / "__init__.py").write_text("from . import _html\n")
    (root / "report" / "_html.py").write_text("from yearn.metrics import score\n")
    (root / "metrics" / "__init__.py").write_text(
        "def f():\n    from yearn.report._html import x\n    return x\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", root)
    assert violations() == {
        "upward: yearn.metrics -> yearn.report._html",
        "private: yearn.metrics -> yearn.report._html.x",
    }


def test_checker_null_case(tmp_path, monkeypatch) -> None:
    root = tmp_path / "yearn"
    (root / "report").mkdir(parents=True)
    (root / "metrics").mkdir()
    (root / "__init__.py").write_text("")
    (root / "report" / "__init__.py").write_text("from . import _html\n")
    (root / "report" / "_html.py").write_text("from yearn.metrics import score\n")
    (root / "metrics" / "__init__.py").write_text("score = 1\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", root)
    assert violations() == set()


def test_checker_finds_module_cycles_but_not_type_checking_ones(tmp_path, monkeypatch) -> None:
    root = tmp_path / "yearn" / "diagnose"
    root.mkdir(parents=True)
    (root.parent / "__init__.py").write_text("")
    (root / "__init__.py").write_text("from yearn.diagnose._result import R\n")
    (root / "_result.py").write_text("class R:\n    def f(self):\n        from . import _chart\n")
    chart = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._result import R\n"
    (root / "_chart.py").write_text(chart)
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "yearn")
    assert violations() == set()
    (root / "_chart.py").write_text("from ._result import R\n")
    assert violations() == {
        "cycle: yearn.diagnose._chart <-> yearn.diagnose._result (move what both need into a "
        "third module)"
    }


def test_checker_finds_same_layer_cycles(tmp_path, monkeypatch) -> None:
    root = tmp_path / "yearn"
    for package, imports in {"baselines": "compare", "compare": "baselines"}.items():
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(f"def f():\n    import yearn.{imports}\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", root)
    assert violations() == {
        "cycle: yearn.baselines -> yearn.compare",
        "cycle: yearn.compare -> yearn.baselines",
    }


def test_cli_checker_sees_loaders_numpy_and_length(tmp_path, monkeypatch) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "ok.py").write_text("def f(project):\n    return project.config\n")
    (tmp_path / "cli" / "bad.py").write_text(
        "def f(p):\n    import numpy as np\n    from yearn.config import load_config\n"
        "    return np.mean(load_config(p).x)\n" + "#\n" * CLI_MAX_LINES
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert cli_violations() == {
        f"long: cli/bad.py (over {CLI_MAX_LINES} lines)",
        "loads: cli/bad.py calls load_config (ask yearn.project.Project)",
        "numpy: cli/bad.py imports numpy (compute in the library)",
    }


if __name__ == "__main__":
    for line in sorted(violations() | cli_violations() | layout_literals()):
        print(line)
