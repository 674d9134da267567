"""The line budget from STYLE.md: modules <= 400 lines, functions <= 40, autodiff/ <= 600."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chainrule"
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_function_sizes(path):
    source = path.read_text()
    assert len(source.splitlines()) <= 400, f"{path.name} has more than 400 lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > 40]
    assert not long, f"functions over 40 lines in {path.name}: {long}"


def test_autodiff_engine_fits_in_600_lines():
    total = sum(len(p.read_text().splitlines()) for p in (PACKAGE / "autodiff").glob("*.py"))
    assert total <= 600, f"chainrule/autodiff has {total} lines"
