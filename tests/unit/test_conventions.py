"""Conventions a reviewer would otherwise have to remember (STYLE.md, habits 5, 11, 12, 14, 15)."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import nextbest
from nextbest.settings import Settings

SRC = Path(nextbest.__file__).parent
PURE_PACKAGES = (
    "domain",
    "finance",
    "signals",
    "behavior",
    "ranking",
    "presentation",
    "experiments",
    "nlp",
    "privacy",
    "sim",
)
FORBIDDEN_IN_PURE = ("sqlalchemy", "fastapi", "starlette", "httpx", "httpx2", "requests", "psycopg")
CORE_PACKAGES = (*PURE_PACKAGES, "services", "storage")


def _modules(packages: tuple[str, ...]) -> list[Path]:
    return [path for package in packages for path in sorted((SRC / package).rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", _modules(PURE_PACKAGES), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_packages_do_no_io(path: Path) -> None:
    assert not _imports(path) & set(FORBIDDEN_IN_PURE)


def test_the_domain_does_not_even_import_pydantic() -> None:
    for path in _modules(("domain",)):
        assert "pydantic" not in _imports(path), path


@pytest.mark.parametrize("path", _modules(CORE_PACKAGES), ids=lambda p: str(p.relative_to(SRC)))
def test_core_code_never_reads_the_clock(path: Path) -> None:
    source = path.read_text()
    assert ".now(" not in source
    assert ".utcnow(" not in source
    assert "time.time(" not in source


def test_only_the_unit_of_work_commits() -> None:
    for path in SRC.rglob("*.py"):
        if path.name != "unit_of_work.py":
            assert "session.commit()" not in path.read_text(), path


def _all_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages([str(SRC)], prefix="nextbest.")
        if not info.name.endswith(".asgi") and ".migrations" not in info.name
    ]


@pytest.mark.parametrize("name", _all_modules())
def test_dunder_all_names_only_what_the_module_defines(name: str) -> None:
    """Sorting is ruff's RUF022; this checks that every exported name exists."""
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", _all_modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _setting_names(model: type, prefix: str = "NEXTBEST_") -> list[tuple[str, str | None]]:
    from pydantic import BaseModel

    found = []
    for field_name, info in model.model_fields.items():  # type: ignore[attr-defined]
        env = f"{prefix}{field_name.upper()}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(_setting_names(annotation, f"{env}__"))
        else:
            found.append((env, info.description))
    return found


@pytest.mark.parametrize(("env", "description"), _setting_names(Settings))
def test_every_setting_is_documented_in_code_and_readme(env: str, description: str | None) -> None:
    assert description, f"{env} has no docstring"
    readme = (SRC.parents[1] / "README.md").read_text()
    assert env in readme, f"{env} is missing from the README's configuration table"


def test_every_route_has_a_docstring_for_openapi() -> None:
    from nextbest.api.app import create_app
    from tests.routes import api_routes

    app = create_app(Settings(database_url="sqlite://"))
    routes = list(api_routes(app.routes))
    assert len(routes) >= 20  # the walk finds the included routers' routes
    for path, route in routes:
        if route.include_in_schema:
            assert route.description, f"{path} {route.methods} has no docstring"
