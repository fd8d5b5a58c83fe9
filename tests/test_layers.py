"""The packages' layers, read from the source: every import, lazy ones inside functions too.

    kb_service (core)  <-  ingest  <-  answer  <-  training  <-  api, cli (edges)

A package may import the ones to its left and nothing to its right; the two edges may import
everything below them, and `cli` may start the API (`cli.serve` imports `api.app`), never the
other way round. Module-level imports must also form no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kb_service", "ingest", "answer", "training", "api", "cli")

# What each package may import, besides itself and third-party code.
ALLOWED: dict[str, frozenset[str]] = {
    "kb_service": frozenset(),
    "ingest": frozenset({"kb_service"}),
    "answer": frozenset({"kb_service", "ingest"}),
    "training": frozenset({"kb_service", "ingest", "answer"}),
    "api": frozenset({"kb_service", "ingest", "answer", "training"}),
    "cli": frozenset({"kb_service", "ingest", "answer", "training", "api"}),
}
# The one place an edge may import the other edge: `kb serve` starts the API.
CLI_MAY_IMPORT_API = frozenset({"cli.serve"})
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: Path, *, top_level_only: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a project module; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # module level includes `if TYPE_CHECKING:` and try/except blocks
        nodes = [n for stmt in tree.body for n in ast.walk(stmt) if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        nodes = [n for n in nodes if not _under_type_checking(tree, n)]
    result: list[tuple[int, str]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            result += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from api import x`: x may be a module (api.x) or a name in api/__init__.py.
            result.append((node.lineno, target))
            result += [(node.lineno, f"{target}.{alias.name}") for alias in node.names if f"{target}.{alias.name}" in MODULES]
    return [(line, name) for line, name in result if name.split(".")[0] in PACKAGES]


def _under_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
            if any(node is target for node in ast.walk(stmt)):
                return True
    return False


def test_the_walk_sees_every_package() -> None:
    assert {name.split(".")[0] for name in MODULES} == set(PACKAGES)
    # the walk reads lazy imports too: a known one inside a function of cli.serve
    assert any(name == "api.app" for _, name in _imports(MODULES["cli.serve"], top_level_only=False))


@pytest.mark.parametrize("package", PACKAGES)
def test_no_upward_import(package: str) -> None:
    wrong: list[str] = []
    for module, path in MODULES.items():
        if module.split(".")[0] != package:
            continue
        for line, imported in _imports(path, top_level_only=False):
            target = imported.split(".")[0]
            if target == package or target in ALLOWED[package]:
                continue
            if target == "api" and package == "cli" and module in CLI_MAY_IMPORT_API:
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}:\n" + "\n".join(wrong)


def test_no_import_cycle() -> None:
    graph = {
        module: {name for _, name in _imports(path, top_level_only=True) if name in MODULES and name != module}
        for module, path in MODULES.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_over_the_size_limit() -> None:
    sources = list(MODULES.values()) + sorted((ROOT / "api" / "static").glob("*.js"))
    long = {
        str(path.relative_to(ROOT)): n
        for path in sources
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"
