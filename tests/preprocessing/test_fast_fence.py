"""The fence around `preprocessing.fast`: the accelerator never imports the Keras shell, and the
shell reaches the accelerator only through `fast`'s four calls."""
import ast
from pathlib import Path

import chainrule.preprocessing as preprocessing
from chainrule.preprocessing import fast

PACKAGE = Path(preprocessing.__file__).parent
RUNTIME = {"chainrule.preprocessing.scratch"}   # process-wide buffers, not the shell


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_accelerator_never_imports_the_shell():
    for path in (PACKAGE / "fast").glob("*.py"):
        shell = {name for name in _imports(path)
                 if name.startswith("chainrule.preprocessing.")
                 and not name.startswith("chainrule.preprocessing.fast")
                 and name not in RUNTIME}
        assert not shell, f"{path.name} imports the shell: {sorted(shell)}"


def test_the_shell_uses_only_the_accelerators_public_calls():
    public = {f"chainrule.preprocessing.fast.{name}" for name in fast.__all__}
    for path in PACKAGE.glob("*.py"):
        inside = {name for name in _imports(path)
                  if name.startswith("chainrule.preprocessing.fast.")}
        assert inside <= public, f"{path.name} reaches into fast: {sorted(inside - public)}"
        assert not {n for n in _imports(path) if n.split(".")[0] in ("numba", "isal")}
