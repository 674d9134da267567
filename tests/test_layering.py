"""Every import of every chainrule module respects the floors of DESIGN.md, and no circle remains.

DESIGN.md, "Layers of the stack (each imports only those above it)": a module may import its
own floor and the floors above it, never one below. `runtime/` is stricter: it imports only
`config`. Imports are read with `ast` from the source, at module level and inside functions
alike, so a lazy `import` inside a function is held to the same rule.

Modules DESIGN.md does not name are placed here, next to the floor they serve (activations and
initializers beside ops, which they wrap; the progress bar beside the callbacks that draw it),
and a new top-level module fails `test_every_module_has_a_floor` until it is given one.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chainrule"

# Top floor first. Each entry: DESIGN.md's name for the floor, and the module prefixes on it.
# Names of modules being written on other branches are placed here already: dtypes and version
# (leaves), regularizers and constraints (layer arguments, beside initializers), utils.sequence
# (the Sequence base class fit accepts, beside the progress bar), the tf-like function
# namespaces dispatch, tensors, math, nn and random (beside image, the tf.image-like ops), and
# the namespace faces keras_backend, compat and train (with the package's face).
FLOORS = [
    ("backend, config", ["backend", "config", "dtypes", "version"]),
    ("runtime/", ["runtime"]),
    ("autodiff/", ["autodiff"]),
    ("ops/", ["ops", "activations", "initializers", "regularizers", "constraints",
              "object_config"]),
    ("layers/", ["layers"]),
    ("models/ + optimizers, losses, metrics, callbacks",
     ["models", "optimizers", "losses", "metrics", "callbacks", "utils.progbar",
      "utils.sequence"]),
    ("saving", ["saving"]),
    ("preprocessing/, image, data/",
     ["preprocessing", "image", "data", "dispatch", "tensors", "math", "nn", "random"]),
    ("datasets/, utils/file_utils", ["datasets", "utils"]),
    ("applications/", ["applications"]),
    ("distribute/", ["distribute"]),
    ("export/", ["export"]),
    ("cli/ and the package's face",
     ["cli", "__main__", "", "keras_backend", "compat", "train"]),
]
# A floor that may import only these floors (DESIGN.md: runtime/ "imports only config").
ONLY = {"runtime": {"config", "runtime"}}

# (importing module, function the import sits in, imported module): each a method that is a
# Keras convenience on an upper floor and hands the work to the floor below, imported lazily.
ALLOWED = {
    ("chainrule.autodiff.tensor", "_ops", "chainrule.ops"):
        "Tensor's operator methods (+ - * @ ...) are ops",
    ("chainrule.models.model", "save", "chainrule.saving"): "Model.save is saving.save_model",
    ("chainrule.models.model", "save_weights", "chainrule.saving"):
        "Model.save_weights is saving.save_weights",
    ("chainrule.models.model", "load_weights", "chainrule.saving"):
        "Model.load_weights is saving.load_weights",
    ("chainrule.models.model", "export", "chainrule.export"):
        "Model.export (Keras 3) is export.export_model",
    ("chainrule.models", "load_model", "chainrule.saving"):
        "keras.models.load_model is saving.load_model",
    ("chainrule.backend", "__getattr__", "chainrule.keras_backend"):
        "Keras' `K.mean`, `K.int_shape`, ... on the backend module are keras_backend's",
    ("chainrule.backend", "__dir__", "chainrule.keras_backend"):
        "dir(K) lists keras_backend's names",
}


def _module_name(path: Path) -> str:
    parts = ["chainrule", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str, int]]:
    """(imported chainrule module, enclosing function or '', line) for each import."""
    path = MODULES[module]
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                else function
            if isinstance(child, ast.Import):
                found.extend((a.name, function, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", child)
                for alias in child.names:            # `from chainrule import ops` is chainrule.ops
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in MODULES else target, function, child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text()), "")
    return [(target, fn, line) for target, fn, line in found
            if target == "chainrule" or target.startswith("chainrule.")]


def _floor(module: str) -> tuple[int, str] | None:
    """(floor index, matching prefix) by the longest prefix, or None if it has no floor."""
    inner = module.removeprefix("chainrule").removeprefix(".")
    best = None
    for index, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (inner == prefix or inner.startswith(prefix + ".") or prefix == "" == inner) \
                    and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    return best


def _violations(module: str) -> list[str]:
    index, prefix = _floor(module)
    bad = []
    for target, function, line in _imports(module):
        if (module, function, target) in ALLOWED:
            continue
        target_index, target_prefix = _floor(target)
        top = prefix.split(".")[0]
        if top in ONLY and target_prefix.split(".")[0] not in ONLY[top]:
            bad.append(f"line {line}: {target} ({top} imports only {sorted(ONLY[top])})")
        elif target_index > index:
            bad.append(f"line {line}: {target} is on the floor '{FLOORS[target_index][0]}', "
                       f"below '{FLOORS[index][0]}'")
    return bad


def test_every_module_has_a_floor():
    placed = {module for module in MODULES if _floor(module) is not None}
    assert placed == set(MODULES), (
        f"modules with no floor: {sorted(set(MODULES) - placed)}; place them in "
        f"tests/test_layering.py FLOORS as DESIGN.md's 'Layers of the stack' does")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_its_floor_and_those_above(module):
    bad = _violations(module)
    assert not bad, f"{module} imports below its floor: " + "; ".join(bad)


def test_allowed_exceptions_still_exist():
    present = {(module, function, target) for module in MODULES
               for target, function, _ in _imports(module)}
    assert set(ALLOWED) <= present, f"stale exceptions: {sorted(set(ALLOWED) - present)}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while not component or component[-1] != node:
                    component.append(stack.pop())
                    on_stack.discard(component[-1])
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles():
    graph = {module: {target for target, function, _ in _imports(module)
                      if target in MODULES and target != module
                      and (module, function, target) not in ALLOWED}
             for module in MODULES}
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_circle_and_trusts_a_tree():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_floor_rule_catches_an_upward_import(tmp_path, monkeypatch):
    layer = tmp_path / "layer_probe.py"
    layer.write_text("def f():\n    from chainrule.models import Sequential\n")
    monkeypatch.setitem(MODULES, "chainrule.layers.layer_probe", layer)
    assert _violations("chainrule.layers.layer_probe") == [
        "line 2: chainrule.models is on the floor "
        "'models/ + optimizers, losses, metrics, callbacks', below 'layers/'"]


def test_runtime_rule_allows_only_config(tmp_path, monkeypatch):
    probe = tmp_path / "probe.py"
    probe.write_text("from chainrule import config\nfrom chainrule.backend import to_numpy\n")
    monkeypatch.setitem(MODULES, "chainrule.runtime.probe", probe)
    assert _violations("chainrule.runtime.probe") == [
        "line 2: chainrule.backend (runtime imports only ['config', 'runtime'])"]
