"""The layout's rules, checked (docs/ARCHITECTURE.md): the direction of imports, no private
name used across modules, no function-local import without a reason, small modules."""

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "loyalty", "members", "rewards", "campaigns", "feedback")
PROJECT = (*APPS, "tests")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100
LONG_REASON = "# Long:"  # a function may pass the limit when a comment says why
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _modules(*apps: str) -> list[Path]:
    return sorted(
        path
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def _dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contract_holds():
    result = _lint_imports(ROOT)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout


def test_the_import_contract_fails_on_an_upward_import(tmp_path):
    """A core module that imports a surface breaks the contract (in a copy of the tree)."""
    for name in (*APPS, "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "loyalty" / "models" / "upward.py").write_text("import loyalty.pos.views\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "loyalty.models is not allowed to import loyalty.pos" in result.stdout


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layered = next(c for c in config["contracts"] if c["type"] == "layers")
    return [name.strip() for layer in layered["layers"] for name in layer.split(":")]


def test_every_module_sits_in_a_layer():
    """The layers contract names packages; a module outside all of them would be unchecked."""
    layers = _layers()
    modules = [_dotted(path) for path in _modules(*APPS)]

    unplaced = [
        module
        for module in modules
        if module not in APPS
        and not any(module == layer or module.startswith(layer + ".") for layer in layers)
    ]

    assert unplaced == []


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] in PROJECT
        ):
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_")
            ]
    return found


def test_no_private_name_is_imported_from_another_module():
    found = [hit for path in _modules(*PROJECT) for hit in _private_imports(path)]

    assert found == []


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(*PROJECT)
        if (lines := path.read_text().count("\n")) > MAX_MODULE_LINES
    }

    assert long == {}


def _functions(path: Path):
    source = path.read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, lines[node.lineno - 1 : node.end_lineno]


def test_no_function_is_over_100_lines_unless_a_comment_says_why():
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({len(body)} lines)"
        for path in _modules(*APPS)
        for node, body in _functions(path)
        if len(body) > MAX_FUNCTION_LINES and not any(LONG_REASON in line for line in body)
    ]

    assert long == []


def _local_project_imports(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    for node, _body in _functions(path):
        if node.name == "ready":  # AppConfig.ready(): the app registry is loaded only now
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom):
                module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                line = lines[inner.lineno - 1]
                if module and module.split(".")[0] in APPS and "#" not in line:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} {line.strip()}")
    return found


def test_no_function_local_import_of_a_project_module_without_a_reason():
    found = [hit for path in _modules(*APPS) for hit in _local_project_imports(path)]

    assert found == []


def _view_modules(patterns) -> set[str]:
    from django.urls import URLResolver

    modules = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            modules |= _view_modules(pattern.url_patterns)
        else:
            modules.add(pattern.callback.__module__)
    return modules


def test_the_architecture_map_names_the_view_of_every_page_and_endpoint():
    """docs/ARCHITECTURE.md: for any URL, its view module is one look-up away."""
    from django.urls import get_resolver

    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    ours = {
        module
        for module in _view_modules(get_resolver().url_patterns)
        if module.split(".")[0] in APPS
    }
    missing = sorted(module for module in ours if module.replace(".", "/") + ".py" not in doc)

    assert len(ours) > 20
    assert missing == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other_in_a_circle():
    import grimp

    graph = grimp.build_graph(*APPS, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}

    assert _cycles(edges) == []
