"""The package's layers, read from its imports: no circle between packages, the client apart from
the server, and docs/architecture.md's layer list in the order the imports go.

Every import counts: at module level, inside functions, and under `TYPE_CHECKING`."""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "convergent"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _unit(module: str) -> str:
    """The layer a module belongs to: its top-level package or module under convergent
    (`convergent.api.routing` -> `api`, `convergent.cli` -> `cli.py`)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "convergent"
    name = parts[1]
    return f"{name}/" if (PACKAGE / name).is_dir() else f"{name}.py"


def _imports() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> where, for every import between two units."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    if node.module:
                        targets = [".".join([*base, node.module])]
                    else:  # from . import x: x may be a module
                        targets = [".".join([*base, alias.name]) for alias in node.names]
                else:
                    targets = [node.module or ""]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != "convergent":
                    continue
                source, imported = _unit(module), _unit(target)
                if imported.endswith(".py") and not (PACKAGE / imported).exists():
                    imported = "convergent"  # a name of the package's __init__ (__version__)
                if source != imported:
                    edges.setdefault((source, imported), []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return edges


EDGES = _imports()


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for source, imported in EDGES:
        graph.setdefault(source, set()).add(imported)
        graph.setdefault(imported, set())
    return graph


def _reaches(start: str) -> set[str]:
    graph, seen, todo = _graph(), set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _where(source: str, imported: str) -> str:
    return ", ".join(EDGES.get((source, imported), []))


def test_no_circle_between_packages():
    graph = _graph()
    circles = sorted(
        f"{a} -> {b} ({_where(a, b)}) and back ({', '.join(sorted(n for n in _reaches(b) if a in _reaches(n) or n == a))})"
        for a in graph
        for b in graph[a]
        if a in _reaches(b)
    )
    assert not circles, "imports go round in circles:\n" + "\n".join(circles)


def test_the_model_never_imports_the_http_layer():
    assert "api/" not in _reaches("model/"), _where("model/", "api/")


def test_api_and_admin_do_not_import_each_other():
    assert "admin/" not in _reaches("api/"), _where("api/", "admin/")
    assert "api/" in _graph()["admin/"], "the admin surface is served through api's route table"


def test_the_worker_runs_without_the_http_layer():
    reached = _reaches("worker.py")
    assert not {"api/", "admin/", "server.py"} & reached, sorted(reached)


def test_the_client_imports_nothing_of_the_server():
    assert not _reaches("client/"), {b: _where("client/", b) for b in _reaches("client/")}
    for tool in ("apply/", "terraform/"):
        assert _reaches(tool) <= {"client/", "apply/"}, f"{tool} speaks only the wire: {_reaches(tool)}"


def _documented_layers() -> list[list[str]]:
    """The layer list of docs/architecture.md, top first: each line's names (`api/`, `cli.py`)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = re.search(r"## Layers\n.*?```\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has a ## Layers section with the list in a code block"
    layers = []
    for line in block.group(1).splitlines():
        names = re.match(r"((?:[\w.]+/?|[\w_]+\.py)(?:, (?:[\w.]+/?|[\w_]+\.py))*)\s{2,}", line)
        assert names, f"a layer line starts with its packages and modules: {line!r}"
        layers.append(names.group(1).split(", "))
    return layers


def test_the_documented_layers_are_the_imports():
    layers = _documented_layers()
    level = {name: i for i, names in enumerate(layers) for name in names}
    present = {f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    present |= {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert set(level) == present, (
        f"undocumented: {sorted(present - set(level))}; documented but absent: {sorted(set(level) - present)}"
    )
    upward = [
        f"{source} imports {imported}, listed above it ({_where(source, imported)})"
        for source, imported in EDGES
        if imported != "convergent" and level[imported] < level[source]
    ]
    assert not upward, "imports point downward only:\n" + "\n".join(upward)
