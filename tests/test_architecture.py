"""The pipeline's modules depend on each other in one direction only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"
STAGES = ["config", "load", "annotate", "pages", "render", "write", "search", "build", "watch", "serve", "cli"]


def sitegen_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sitegen."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("sitegen."))
    return found


@pytest.mark.parametrize("module", STAGES[:8])
def test_a_stage_never_imports_a_later_stage(module):
    later = set(STAGES[STAGES.index(module) + 1 :])
    assert sitegen_imports(module) & later == set()
