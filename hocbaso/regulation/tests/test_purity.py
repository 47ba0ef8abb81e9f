"""The regulation is pure Python (style.md habit 1): no Django, no other hocbaso app."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
RULES = [path for path in SOURCES if "tests" not in path.relative_to(PACKAGE).parts]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import; relative imports stay in the package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "hocbaso":
                found += [(node.lineno, f"hocbaso.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _forbidden(module: str) -> bool:
    top = module.split(".")[0]
    if top == "django":
        return True
    return top == "hocbaso" and not (
        module == "hocbaso.regulation" or module.startswith("hocbaso.regulation.")
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_django_or_other_hocbaso_import(path: Path) -> None:
    bad = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imports(path)
        if _forbidden(module)
    ]
    assert bad == []


@pytest.mark.parametrize("path", RULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rules_import_only_the_standard_library(path: Path) -> None:
    outside = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imports(path)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not module.startswith("hocbaso.regulation")
        and module != "__future__"
    ]
    assert outside == []


@pytest.mark.parametrize(
    ("_case", "source", "forbidden"),
    [
        ("django itself", "import django", ["django"]),
        ("a django submodule", "from django.db import models", ["django.db"]),
        ("another app", "from hocbaso.people.models import Student", ["hocbaso.people.models"]),
        ("another app via the root", "from hocbaso import audit", ["hocbaso.audit"]),
        ("the regulation itself", "from hocbaso.regulation import types", []),
        ("the regulation via the root", "from hocbaso import regulation", []),
        ("a relative import", "from .types import Period", []),
        ("the standard library", "import json", []),
    ],
)
def test_the_checker_itself(_case: str, source: str, forbidden: list[str], tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    assert [module for _, module in _imports(path) if _forbidden(module)] == forbidden


def test_every_module_starts_with_future_annotations() -> None:
    # style.md habit 12
    missing = [
        str(path.relative_to(PACKAGE))
        for path in SOURCES
        if path.stat().st_size and "from __future__ import annotations" not in path.read_text()
    ]
    assert missing == []
