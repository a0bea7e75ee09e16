"""The package's shape: its imports (those inside functions too) follow the layers the README
writes down, and no module imports itself back through others (no cycle)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "tooling" / "plaincrm"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def imports(found: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of other plaincrm modules, wherever in the file they are."""
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:  # `from .write import actions` imports the module write.actions
                    targets.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in found else target)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t in found and t != name and found[t].name != "__init__.py"}
    return graph


def layers() -> tuple[list[tuple[str, list[str]]], set[tuple[str, str]]]:
    """The README's layers, highest first (`name: prefix prefix …`), and its allowed exceptions (`a -> b`)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers -->\n```text\n(.*?)```", text, re.S)
    assert block, "README.md lost its layers block"
    order, allowed = [], set()
    for line in block.group(1).splitlines():
        if "->" in line:
            source, target = (part.split()[0] for part in line.split("->"))
            allowed.add((source, target))
        elif ":" in line:
            name, members = line.split(":", 1)
            order.append((name.strip(), members.split("#")[0].split()))
    return order, allowed


def layer_of(module: str, order: list[tuple[str, list[str]]]) -> int:
    short = module.removeprefix("plaincrm.")
    matches = [
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(order)
        for prefix in prefixes
        if short == prefix or short.startswith(prefix + ".")
    ]
    assert matches, f"{module} is in no layer of README.md's layers block"
    return max(matches)[1]  # the longest prefix decides (write.importing before write)


def test_every_import_goes_down_the_layers_or_stays_in_one():
    found = modules()
    order, allowed = layers()
    wrong = []
    for source, targets in imports(found).items():
        for target in targets:
            short = (source.removeprefix("plaincrm."), target.removeprefix("plaincrm."))
            if (
                layer_of(target, order) < layer_of(source, order) and short not in allowed
            ):  # highest first: a lower index is higher
                wrong.append(
                    f"{short[0]} ({order[layer_of(source, order)][0]}) imports {short[1]} "
                    f"({order[layer_of(target, order)][0]})"
                )
    assert not wrong, "imports against the README's layers:\n" + "\n".join(sorted(wrong))


def find_cycles(graph: dict[str, set[str]]) -> list[str]:
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_no_import_cycle():
    cycles = find_cycles(imports(modules()))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_checks_themselves_catch_a_wrong_import_and_a_cycle(tmp_path, monkeypatch):
    """A module planted below the layers it imports from, and two modules importing each other, are found."""
    fake = tmp_path / "plaincrm"
    for name, text in {
        "__init__.py": "",
        "problems.py": "from .site import pages\n",
        "site/__init__.py": "",
        "site/pages.py": "from ..problems import Problem\n",
    }.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    found = modules()
    graph = imports(found)
    assert graph["plaincrm.problems"] == {"plaincrm.site.pages"} and graph["plaincrm.site.pages"] == {
        "plaincrm.problems"
    }
    order, _ = layers()
    assert layer_of("plaincrm.problems", order) > layer_of("plaincrm.site.pages", order)  # problems sits lower
    assert find_cycles(graph) == ["plaincrm.problems -> plaincrm.site.pages -> plaincrm.problems"]
