"""The layers: the errors, the database's error codes and the loader need nothing above them.

Read from the source, imports inside functions included, and followed through every
module of the app they reach: a lazy import up the layers fails here as well as one at
the top of a module.
"""

import ast
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "app"

ABOVE = ("app.http", "app.routers", "app.services.exports", "app.main", "app.deps", "app.cli")
"""What answers HTTP requests (or the command line): below it, nothing may import it."""

FRAMEWORKS = ("fastapi", "starlette")


def _modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


@cache
def imports(module: str) -> frozenset[str]:
    """The modules `module` imports, anywhere in it (`from app import x` is `app.x`)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}: a relative import"
            assert node.module
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return frozenset(found)


def reached(module: str) -> set[str]:
    """Every module `module` imports, and those they import, through the app's own."""
    seen, todo = set(), [module]
    while todo:
        for name in imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                if name in MODULES:
                    todo.append(name)
    return seen


def _under(names: set[str] | frozenset[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


def test_the_scan_sees_imports_up_the_layers() -> None:
    # The HTTP layer's front does import the handlers: what the checks below rely on.
    assert "app.http.problems" in reached("app.http.front")
    assert "app.request_context" in imports("app.http.front")
    assert _under(reached("app.main"), ABOVE)


LOW = ["app.errors", "app.db_errors", "app.db", "app.request_context", "app.schemas.messages"]
LOADER = sorted(m for m in MODULES if m == "app.loader" or m.startswith("app.loader."))


@pytest.mark.parametrize("module", LOW + LOADER)
def test_nothing_above_is_reached(module: str) -> None:
    assert _under(reached(module), ABOVE) == []


@pytest.mark.parametrize(
    "module", ["app.db_errors", "app.request_context", "app.schemas.messages", *LOADER]
)
def test_no_web_framework_imported(module: str) -> None:
    assert _under(imports(module), FRAMEWORKS) == []


def test_errors_import_only_the_request_context_of_the_app() -> None:
    assert _under(reached("app.errors"), ("app",)) == ["app.request_context"]


def test_pydantic_wording_is_rewritten_in_one_place() -> None:
    """pydantic's own words appear in one module: every other one asks it for ours."""
    wording = [m for m, path in MODULES.items() if "Input should be" in path.read_text()]
    assert wording == ["app.schemas.messages"]
    assert "app.schemas.messages" in imports("app.http.validation")
    assert "app.schemas.messages" in imports("app.loader.check")
    assert "app.http.validation" in imports("app.http.problems")


def test_every_module_of_the_app_imports() -> None:
    """A module that imports a moved or missing name fails here, not in a server process
    (mypy, told to ignore missing imports, does not see it)."""
    import importlib
    import pkgutil

    import app

    for found in pkgutil.walk_packages(app.__path__, "app."):
        if found.name != "app.__main__":  # runs the command line
            importlib.import_module(found.name)
