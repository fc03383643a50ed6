"""The tree keeps the shape docs/architecture.md describes (read from the code's imports).

* no import cycles between the app's modules;
* lower layers never import upper ones: ``clerk/`` imports nothing of the app but
  ``routes``; ``sync/``, ``db``, ``models``, ``profile``, ``i18n`` and the use cases
  never import states, pages or components;
* ``clerk_emulator`` imports nothing of the app, and only ``services`` imports it;
* no module over 300 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 300
UPPER = ("clerk_app.state", "clerk_app.pages", "clerk_app.components", "clerk_app.clerk_app")
LOWER = (
    "clerk_app.sync",
    "clerk_app.db",
    "clerk_app.lean",
    "clerk_app.models",
    "clerk_app.profile",
    "clerk_app.i18n",
    "clerk_app.members",
    "clerk_app.webhooks",
    "clerk_app.schema",
    "clerk_app.settings",
    "clerk_app.routes",
)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _files() -> list[Path]:
    return sorted([*ROOT.glob("clerk_app/**/*.py"), *ROOT.glob("clerk_emulator/**/*.py")])


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (at any depth: a deferred import is still a use)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            found |= submodules
            if not submodules & KNOWN:  # names from ``base``, not submodules of it
                found.add(base)
    known = KNOWN
    return {name for name in found if name in known and name != module}


KNOWN = {_module(path) for path in _files()}
GRAPH = {_module(path): _imports(path) for path in _files()}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_no_module_is_over_300_lines():
    long = {_module(p): n for p in _files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_clerk_adapters_import_nothing_of_the_app_but_routes():
    for module, imports in GRAPH.items():
        if _within(module, ("clerk_app.clerk",)):
            app = {i for i in imports if not _within(i, ("clerk_app.clerk",))}
            assert app <= {"clerk_app.routes"}, (module, app)


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_never_import_states_pages_or_components(layer):
    for module, imports in GRAPH.items():
        if _within(module, (layer,)):
            assert not {i for i in imports if _within(i, UPPER)}, module


def test_the_emulator_stands_apart():
    for module, imports in GRAPH.items():
        if _within(module, ("clerk_emulator",)):
            assert not {i for i in imports if _within(i, ("clerk_app",))}, module
        elif _within(module, ("clerk_app",)) and module != "clerk_app.services":
            assert not {i for i in imports if _within(i, ("clerk_emulator",))}, module


def test_no_import_cycles():
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    def edges(module: str) -> set[str]:
        return {i for i in GRAPH[module] if not module.startswith(i + ".") and i in GRAPH}

    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError(" -> ".join(cycle))
        if module in done:
            return
        for nxt in sorted(edges(module)):
            visit(nxt, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])
