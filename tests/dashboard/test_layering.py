"""The layers stay apart: the read side speaks the dashboard's vocabulary, not Ayrshare's."""

import ast
from pathlib import Path

import pytest

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
# Only the write path (and the tools that drive it) may speak to the API package.
MAY_IMPORT_AYRSHARE = {"sync.py", "ratelimit.py", "tasks.py", "renormalize.py"}


def imports(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in DASHBOARD.glob("*.py")))
def test_only_the_write_path_imports_the_ayrshare_package(module):
    if module in MAY_IMPORT_AYRSHARE:
        return
    found = {name for name in imports(DASHBOARD / module) if "ayrshare" in name}
    assert not found, f"{module} imports {sorted(found)}"


def test_models_import_nothing_that_writes_them():
    found = imports(DASHBOARD / "models.py")
    assert {n for n in found if n.startswith("dashboard")} <= {
        "dashboard.metrics",
        "dashboard.metrics.METRICS",
    }


# The modules the overview's numbers come from: reports read them only through overview.build,
# so a report cannot compute a number its own way.
NUMBER_MODULES = {"kpis", "trends", "followers", "charts", "queries", "rollups"}


@pytest.mark.parametrize("module", sorted(p.name for p in (DASHBOARD / "reports").glob("*.py")))
def test_reports_take_their_numbers_only_through_the_overview(module):
    found = set()
    for name in imports(DASHBOARD / "reports" / module):
        parts = name.split(".")
        if parts[0] == "dashboard" and len(parts) > 1 and parts[1] in NUMBER_MODULES:
            found.add(name)
    assert not found, f"reports/{module} imports {sorted(found)}: use dashboard.overview"
