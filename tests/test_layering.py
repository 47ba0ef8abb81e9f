"""Imports flow one way (style.md habit 2): regulation and audit are leaves; org sits on audit;
people on org; assessment on people. A library module importing "upwards" fails here; tests and
management commands (entry points, like views) are exempt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "hocbaso"
ALLOWED: dict[str, set[str]] = {
    "regulation": {"regulation"},
    "audit": {"audit"},
    "org": {"org", "audit"},
    "people": {"people", "org", "audit", "regulation"},
    "assessment": {
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
        "notifications",
    },
    "inspection": {"inspection", "assessment", "people", "org", "audit", "regulation"},
    "records": {
        "records",
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
        "notifications",
    },
    "signing": {"signing", "people", "org", "audit"},
    "notifications": {"notifications", "people", "org", "audit"},
    # delivery apps: roots that nothing imports
    "portal": {
        "portal",
        "records",
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
        "notifications",
    },
    "api": {
        "api",
        "records",
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
        "notifications",
    },
    "exchange": {
        "exchange",
        "records",
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
    },
    # oversight (issue 7): the Sở's dashboards and the plan's records
    "oversight": {
        "oversight",
        "records",
        "assessment",
        "people",
        "org",
        "audit",
        "regulation",
        "signing",
    },
}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    apps = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "hocbaso" and len(parts) > 1:
                apps.add(parts[1])
    return apps


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_layers_below_it(app: str) -> None:
    offenders = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" in path.parts and app != "regulation":
            continue  # tests may build fixtures from any layer
        if "management" in path.parts and app != "regulation":
            continue  # commands are entry points like views: they may resolve input (a school code)
        wrong = _imported_apps(path) - ALLOWED[app]
        if wrong:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert offenders == []
