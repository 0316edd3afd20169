"""The shape of the code: no import cycle, no module or function too long to read.

The project's own modules are app.py, models.py and everything under
ainews/. Imports are read from the source with `ast`, so a module need not
be imported (or importable) to be checked.
"""

import ast
import os

import pytest

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def project_modules(root=PROJECT):
    """{module name: file path} for app, models and every module of the ainews package."""
    modules = {name: os.path.join(root, f"{name}.py") for name in ("app", "models")}
    for folder, dirs, files in os.walk(os.path.join(root, "ainews")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for file in sorted(files):
            if file.endswith(".py"):
                parts = os.path.relpath(os.path.join(folder, file), root)[: -len(".py")].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                modules[".".join(parts)] = os.path.join(folder, file)
    return modules


def parsed(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read(), filename=path)


def imported_modules(name, path, modules):
    """The project modules that module `name` imports, anywhere in it (functions included).

    `from ainews.x import y` imports ainews.x, and ainews.x.y too when that
    is a module; `import ainews.x` imports ainews.x. Relative imports are
    resolved against the module's package. One exception: a module naming
    modules of its own package through it (`from ainews.api import openapi`
    inside ainews.api) imports just those: Python loads a package before
    any of its modules, and takes nothing else from it. A name defined in
    the package's __init__ (`from ainews.api import bp`) counts as usual.
    """
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            submodules = {f"{base}.{alias.name}" for alias in node.names} & set(modules)
            found.update(submodules)
            own_package = name == base or name.startswith(f"{base}.")
            if base in modules and not (own_package and len(submodules) == len(node.names)):
                found.add(base)
    found.discard(name)  # `from ainews.api import bp` in ainews/api/__init__.py: itself
    return found


def import_graph(modules):
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def import_cycles(graph):
    """Every group of modules that import each other, directly or through others (Tarjan's algorithm).

    Each group is given as one cycle through it, e.g. ['a', 'b', 'a'].
    """
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph[module]:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [cycle_within(graph, group) for group in groups]


def cycle_within(graph, group):
    """A path of imports that starts and ends at the same module, inside `group`."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        module = frontier.pop(0)
        for other in sorted(graph[module] & group):
            if other == start:
                return [*paths[module], start]
            if other not in paths:
                paths[other] = [*paths[module], other]
                frontier.append(other)
    raise AssertionError(f"no cycle in {group}")


def long_functions(path, limit):
    """(name, first line, length) of every function or method in the file longer than `limit` lines."""
    found = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > limit:
                found.append((node.name, node.lineno, length))
    return found


# The project -------------------------------------------------------------------


def test_the_project_has_no_import_cycle():
    modules = project_modules()
    assert {"app", "models", "ainews.articles", "ainews.search"} <= set(modules)
    graph = import_graph(modules)
    assert "models" in graph["ainews.articles"]  # the graph is read, not empty
    cycles = import_cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("name", sorted(project_modules()))
def test_no_module_is_over_400_lines(name):
    with open(project_modules()[name], encoding="utf-8") as f:
        lines = len(f.read().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines: split it by topic"


@pytest.mark.parametrize("name", sorted(project_modules()))
def test_no_function_is_over_60_lines(name):
    assert long_functions(project_modules()[name], MAX_FUNCTION_LINES) == []


# The checks themselves, on a small made-up project ----------------------------------------


def write(root, files):
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def test_a_cycle_through_from_imports_is_found(tmp_path):
    write(
        tmp_path,
        {
            "app.py": "from ainews.reader import pages\n",
            "models.py": "from ainews.db import database\n",
            "ainews/__init__.py": "",
            "ainews/db.py": "import json\n",
            "ainews/reader/__init__.py": "",
            "ainews/reader/pages.py": "from models import Article\nfrom ainews import search\n",
            "ainews/search/__init__.py": "from ainews.search import sqlite\n",
            "ainews/api/__init__.py": "from ainews.api import reading, writing\nbp = object()\n",
            "ainews/api/reading.py": "from ainews.api import bp\n",
            "ainews/api/writing.py": "from ainews.api import reading\nimport ainews.db\n",
            "ainews/search/sqlite.py": "from ..reader import pages\n",
        },
    )
    modules = project_modules(str(tmp_path))
    graph = import_graph(modules)
    assert graph["app"] == {"ainews.reader", "ainews.reader.pages"}
    assert graph["ainews.reader.pages"] == {"models", "ainews.search"}
    assert graph["ainews.search.sqlite"] == {"ainews.reader", "ainews.reader.pages"}
    assert graph["ainews.search"] == {"ainews.search.sqlite"}
    assert graph["ainews.api.writing"] == {"ainews.api.reading", "ainews.db"}  # a sibling, through its package
    assert graph["ainews.api.reading"] == {"ainews.api"}  # a name from the package's __init__
    assert import_cycles(graph) == [
        ["ainews.api", "ainews.api.reading", "ainews.api"],
        ["ainews.reader.pages", "ainews.search", "ainews.search.sqlite", "ainews.reader.pages"],
    ]


def test_a_module_importing_itself_is_a_cycle_and_a_tree_is_not():
    assert import_cycles({"a": {"a"}, "b": set()}) == [["a", "a"]]
    assert import_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_long_functions_are_found(tmp_path):
    def lines(indent):
        return "".join(f"{indent}x{n} = {n}\n" for n in range(59))

    write(
        tmp_path,
        {
            "short.py": "def fits():\n" + lines("    "),  # 60 lines
            "long.py": "class C:\n    def too_long(self):\n" + lines("        ") + "        return 1\n",  # 61
        },
    )
    assert long_functions(str(tmp_path / "short.py"), 60) == []
    assert long_functions(str(tmp_path / "long.py"), 60) == [("too_long", 2, 61)]
