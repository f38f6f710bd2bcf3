"""The house has no circles: inbox/ imports form no cycle, the LINE client imports nothing of
the app above it, and the store never reaches up into the pages.

Imports are read from the source with `ast`, every one of them: at module level, inside
functions (lazy imports) and under `if TYPE_CHECKING:`. A lazy import only hides a cycle from
the interpreter, not from the reader, so it counts like any other. An import counts towards
the most specific inbox module it names (`from inbox.line import client` is inbox.line.client,
`from inbox.line import LineClient` is inbox.line): the parent packages Python runs on the way
are not counted, or every module would loop through inbox/__init__.py's factory."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "inbox"

# The areas a person sees: pages, their routes and forms. The store never imports them.
UI_AREAS = (
    "inbox.admin",
    "inbox.api",
    "inbox.audit.routes",
    "inbox.auth.routes",
    "inbox.history",
    "inbox.home",
    "inbox.reports",
    "inbox.sandbox.phone",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imported(name: str, path: Path, known: Mapping[str, object]) -> Iterator[str]:
    """The inbox modules that `name` imports, each by the most specific module named."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a import b` names module a.b when there is one, else the package a.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(name, path, known)) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One shortest loop through each strongly connected group of modules (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [shortest_loop(min(group), edges, group) for group in groups]


def shortest_loop(start: str, edges: dict[str, set[str]], group: set[str]) -> list[str]:
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(edges[node] & group):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no loop through {start}")


def within(module: str, area: str) -> bool:
    return module == area or module.startswith(area + ".")


def test_inbox_has_no_import_cycle() -> None:
    loops = [" -> ".join(loop) for loop in cycles(graph())]
    assert loops == [], "import cycles in inbox/ (untie them):\n  " + "\n  ".join(loops)


@pytest.mark.parametrize(
    ("area", "may_import"),
    [
        ("inbox.line", lambda target: within(target, "inbox.line")),
        ("inbox.models", lambda target: not any(within(target, ui) for ui in UI_AREAS)),
    ],
    ids=["line imports only line", "models never import the pages"],
)
def test_layers_import_only_below_them(area: str, may_import) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if within(module, area)
        for target in targets
        if not may_import(target)
    )
    assert wrong == [], f"{area} imports above its layer:\n  " + "\n  ".join(wrong)


def test_the_walk_counts_lazy_typing_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import early\n"
        "if TYPE_CHECKING:\n"
        "    from inbox.b import Thing\n"
        "def later():\n"
        "    import inbox.c.gone\n",
        encoding="utf-8",
    )
    known = dict.fromkeys(["inbox.a", "inbox.a.early", "inbox.a.late", "inbox.b", "inbox.c"])
    assert set(imported("inbox.a.late", source, known)) == {"inbox.a.early", "inbox.b", "inbox.c"}
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(loop) == [["a", "b", "c", "a"]]
