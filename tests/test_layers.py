"""The layers of docs/ARCHITECTURE.md keep to their rules, read from the source with `ast`.

Nothing is imported to check: a module's imports are its `import` statements, at the top or
inside functions, except those under `if TYPE_CHECKING:`, which only annotations use.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kindred", "cogs", "coaching", "storage", "prompts", "testing", "fakediscord")
SUPPORT = ("tests", "bench", "tools")
SHIPPED = ("kindred", "cogs", "coaching", "storage", "prompts")
COG_MAX_LINES = 600


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports: a module, or the package it imports a name from
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    files = {"bot": ROOT / "bot.py"}
    for top in (*PACKAGES, *SUPPORT):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                files[_module_name(path)] = path
    return files


MODULES = _source_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(nodes: list[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements anywhere in `nodes` (functions too), but not under
    `if TYPE_CHECKING:` (its `else` runs)."""
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _runtime_imports(list(node.orelse))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(list(ast.iter_child_nodes(node)))


@functools.cache
def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in _runtime_imports(list(tree.body)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(
                    Import(module, candidate if candidate in MODULES else base, node.lineno)
                )
    return found


def _in(target: str, roots: tuple[str, ...]) -> bool:
    return any(target == root or target.startswith(root + ".") for root in roots)


def violations(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{MODULES[i.module].relative_to(ROOT)}:{i.line} imports {i.target}"
        for module in MODULES
        if _in(module, importers)
        for i in imports_of(module)
        if _in(i.target, forbidden)
    ]


def test_the_check_sees_imports() -> None:
    # The checker itself: it finds runtime imports and skips type-checking ones.
    targets = {i.target for i in imports_of("cogs.reflections")}
    assert "storage.reflections" in targets and "kindred.bot" not in targets
    assert "storage.models" not in targets  # imported for annotations only


def test_cogs_hold_no_orm_code() -> None:
    """State changes are named functions in storage/ (and rules in coaching/): a cog that
    imports SQLAlchemy or the models would be writing rows itself."""
    assert violations(("cogs",), ("sqlalchemy", "storage.models")) == []


def test_nothing_imports_the_entry_script() -> None:
    """bot.py is the command line; the bot is kindred.bot (tests may call main())."""
    assert violations((*PACKAGES, "bench"), ("bot",)) == []


def test_coaching_is_pure() -> None:
    """Rules need no Discord, no database and no infrastructure: unit tests call them."""
    forbidden = ("discord", "sqlalchemy", "aiohttp", "storage", "cogs", "kindred", "bot")
    assert violations(("coaching",), forbidden) == []


def test_storage_knows_no_discord() -> None:
    forbidden = ("discord", "aiohttp", "cogs", "kindred", "prompts", "bot")
    assert violations(("storage",), forbidden) == []


def test_infrastructure_imports_no_feature() -> None:
    """kindred/ may be used by every layer; it looks cogs up by name (typed properties)."""
    assert violations(("kindred",), ("cogs", "testing", "fakediscord", "bench", "tests")) == []


def test_shipped_code_needs_no_test_code() -> None:
    """fakediscord/ and testing/ stay out of the installed package (pyproject.toml)."""
    forbidden = ("testing", "fakediscord", "tests", "bench", "pytest")
    assert violations(SHIPPED, forbidden) == []


def test_benchmarks_and_the_harness_do_not_use_the_tests() -> None:
    assert violations(("bench", "testing"), ("tests", "pytest")) == []


def test_fakediscord_imports_no_project_code() -> None:
    assert violations(("fakediscord",), (*SHIPPED, "testing", "bot")) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_outside_fakediscord() -> None:
    inside = [m for m in MODULES if not _in(m, ("fakediscord",))]
    graph = {
        module: {i.target for i in imports_of(module) if i.target in inside and i.target != module}
        for module in inside
    }
    assert _cycles(graph) == []


def test_cycles_are_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "cogs").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_cog_file_is_too_long(path: Path) -> None:
    """A feature past ~500 lines becomes a package: the cog, views.py, a scheduler."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= COG_MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines"
