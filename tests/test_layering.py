"""The layering contract: engine is pure; store and services never touch the UI.

Checked from the source (every import statement, including those inside functions), so
a violation fails here even where import-linter is not installed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "msp_tui"

FORBIDDEN = {
    "engine": (
        "textual",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "msp_tui.store",
        "msp_tui.services",
        "msp_tui.screens",
        "msp_tui.widgets",
        "msp_tui.app",
    ),
    "store": ("textual", "msp_tui.screens", "msp_tui.widgets", "msp_tui.services", "msp_tui.app"),
    "services": ("textual", "msp_tui.screens", "msp_tui.widgets", "msp_tui.app"),
    "jobs": ("textual", "msp_tui.screens", "msp_tui.widgets", "msp_tui.app"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def violations(layer: str) -> list[str]:
    out = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for module in imported_modules(path):
            for banned in FORBIDDEN[layer]:
                if module == banned or module.startswith(banned + "."):
                    out.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert violations(layer) == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from textual.app import App\n    import sqlmodel\n")
    assert imported_modules(bad) == {"textual.app", "sqlmodel"}
