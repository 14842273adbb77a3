"""Every layer imports only from the layers below it (design.md: one direction of dependency).

Each module's imports are read from its source (imports inside functions and under TYPE_CHECKING
included), so a lazy import cannot hide a wrong-way dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "customer_success_mcp"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

# Layer of each module, from the bottom. A module may import its own layer and any layer listed
# as allowed for it; nothing else of the package.
ALLOWED: dict[str, set[str]] = {
    "leaf": set(),  # formatting, dates, fileio
    "scoring": {"leaf"},
    "ingest": {"leaf", "scoring"},
    "library": {"leaf", "scoring", "ingest"},  # profiles.py, pipeline.py
    "query": {"leaf", "scoring", "ingest", "library"},
    "store": {"leaf"},
    "render": {"leaf", "scoring", "ingest", "library", "query", "content"},
    "content": {"leaf", "scoring", "render"},  # library.py: our documents, some written by render
    "generate": {"leaf", "scoring", "ingest", "library"},
    "server": {"leaf", "scoring", "ingest", "library", "query", "store", "render", "content"},
}
ALLOWED["cli"] = set(ALLOWED) - {"cli"}


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    head = parts[0] if parts else ""
    if head in ("formatting", "dates", "fileio", "__init__", ""):
        return "leaf"
    if head in ("profiles", "pipeline"):
        return "library"
    if head == "library":
        return "content"
    if head == "store":
        return "store"
    if head in ("cli", "cli_doc", "cli_analysis", "cli_common"):
        return "cli"
    if head in ALLOWED:
        return head
    raise AssertionError(f"{module}: no layer assigned; add it to test_layers.py")


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts)
        found.append((name.removesuffix(".__init__"), path))
    return found


def is_module(name: str) -> bool:
    return (SRC / f"{name}.py").is_file() or (SRC / name).is_dir()


def package_imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{module}: use absolute imports"
            names.add(node.module or "")
            if node.module == PACKAGE:  # `from customer_success_mcp import query` names a module
                names |= {f"{PACKAGE}.{a.name}" for a in node.names if is_module(a.name)}
    return {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}


MODULES = modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module: str, path: Path) -> None:
    mine = layer_of(module)
    wrong = sorted(
        f"{target} ({layer_of(target)})"
        for target in package_imports(module, path)
        if target != PACKAGE and layer_of(target) not in ALLOWED[mine] | {mine}
    )
    assert not wrong, f"{module} ({mine}) imports upward: {', '.join(wrong)}"


def test_the_engine_reads_no_files_and_no_clock() -> None:
    """scoring/ is pure: no file, network or clock access (time enters only as as_of)."""
    banned = ("open(", "read_text(", "read_bytes(", "tomllib", "date.today(", "datetime.now(", "time.time(")
    for module, path in MODULES:
        if layer_of(module) != "scoring":
            continue
        text = path.read_text(encoding="utf-8")
        found = [b for b in banned if b in text]
        assert not found, f"{module} uses {', '.join(found)}"


def test_every_module_has_a_layer() -> None:
    assert {layer_of(m) for m, _ in MODULES} <= set(ALLOWED)


def test_no_module_imports_itself_back() -> None:
    """No import cycle between modules, lazy imports included: a module imported inside a function to
    dodge a cycle is a cycle all the same (each one has been taken apart; this keeps it so)."""
    known = {name for name, _ in MODULES}
    graph = {
        name: {t for t in package_imports(name, path) if t in known and t != name} for name, path in MODULES
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [*path, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            assert cycle is None, "import cycle: " + " -> ".join(cycle)
