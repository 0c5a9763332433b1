"""The dependency rules of the codebase, as a checker that tests/test_architecture.py runs on the
project and on small fixture trees (so that the checker itself is shown to catch a reverse import).

Every import counts: module-level and function-local (parsed with `ast`, never executed). Migrations
are generated and are left out."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The apps in dependency order: each may import only those before it. `processing` (the job engine,
#: tile rendering, imagery adapters) imports no other app; `demo` (demo data) may use them all.
ORDER = (
    "processing", "notify", "accounts", "policy", "booking", "surveys", "inspection", "detection",
    "viewer", "demo",
)
#: Pure cores: they import nothing of any app but their own core package.
CORES = ("policy/core", "processing/core", "inspection/core")


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file
    line: int
    module: str  # the absolute module name imported


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(root: Path, path: Path, node: ast.ImportFrom) -> list[str]:
    """The absolute module names a `from ... import ...` reaches (a relative one resolved against the
    importing file; `from . import x` is the module `x` when it is a module, else the package)."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = module_name(root, path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, node.module] if node.module else package)
    names = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}" if base else alias.name
        as_path = root / Path(*candidate.split("."))
        names.append(candidate if as_path.with_suffix(".py").exists() or as_path.is_dir() else base)
    return names


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            for name in _resolve(root, path, node):
                yield Import(path, node.lineno, name)


def python_files(root: Path, app: str) -> list[Path]:
    return sorted(p for p in (root / app).rglob("*.py") if "migrations" not in p.relative_to(root).parts)


def order_violations(root: Path, order: tuple[str, ...] = ORDER, cores: tuple[str, ...] = CORES) -> list[str]:
    """Each import of an app that is not before the importing app in `order`, and each import of any
    app by a core module other than its own core package."""
    faults = []
    for app in order:
        allowed = set(order[: order.index(app)]) | {app}
        for path in python_files(root, app):
            relative = path.relative_to(root).as_posix()
            core = next((c for c in cores if relative.startswith(c + "/")), None)
            for imp in imports_of(root, path):
                top = imp.module.split(".")[0]
                if top not in order:
                    continue
                where = f"{relative}:{imp.line} imports {imp.module}"
                if core is not None and not imp.module.startswith(core.replace("/", ".")):
                    faults.append(f"{where}: a pure core imports no app")
                elif top not in allowed:
                    faults.append(f"{where}: {app} may import only {', '.join(sorted(allowed - {app})) or 'no app'}")
    return faults


def file_cycles(root: Path, app: str) -> list[list[str]]:
    """Circles of modules importing each other inside one app (each reported once)."""
    modules = {module_name(root, p): p for p in python_files(root, app)}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for imp in imports_of(root, path):
            target = imp.module
            while target and target not in modules:  # `pkg.mod.name` → the module that holds `name`
                target = target.rpartition(".")[0]
            # a package's __init__ is reached by importing anything under it: not a dependency cycle
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*cycle, nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles
