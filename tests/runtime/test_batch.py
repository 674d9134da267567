"""runtime.batch.Batch: the chunks, per-thread scratch, in-order sums and the floor's imports."""
import ast
from pathlib import Path

import numpy as np
import pytest

import chainrule.runtime
from chainrule import config
from chainrule.runtime.batch import Batch


@pytest.fixture
def two_op_threads():
    default = config.op_threads()
    config.set_op_threads(2)
    yield
    config.set_op_threads(default)


def test_run_gives_each_thread_one_scratch_of_the_largest_chunk(two_op_threads):
    batch = Batch(np, 5, image_bytes=1 << 22)          # 2 images a chunk: (0, 1) ... (3, 5)
    seen = batch.run(lambda lo, hi, buffer: buffer, (3, 4), np.float32)   # kept alive here
    assert batch.chunks == [(0, 1), (1, 2), (2, 3), (3, 5)] and batch.largest == 2
    assert {(buffer.shape, buffer.dtype) for buffer in seen} == {((2, 3, 4), np.dtype(np.float32))}
    assert seen[0] is seen[2] and seen[1] is seen[3] and seen[0] is not seen[1]  # per thread


def test_add_sums_the_parts_in_chunk_order_whatever_ran_them(two_op_threads):
    batch = Batch(np, 7, image_bytes=1 << 22)
    parts = batch.run(lambda lo, hi, _: np.full(3, 0.1 * lo, np.float32))
    expected = np.zeros(3, np.float32)
    for lo, _ in batch.chunks:
        expected += np.full(3, 0.1 * lo, np.float32)
    np.testing.assert_array_equal(Batch.add(np.zeros(3, np.float32), parts), expected)


def test_batch_without_loops_never_asks_for_compiled_kernels():
    assert Batch(np, 3, 10).fast is None


def chainrule_imports(tree) -> list[str]:
    """Every chainrule module a module's code imports, as dotted names."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "chainrule":
            names += [f"chainrule.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return [name for name in names if name.startswith("chainrule.")]


def test_the_runtime_floor_imports_only_config_from_chainrule():
    for path in Path(chainrule.runtime.__file__).parent.glob("*.py"):
        for name in chainrule_imports(ast.parse(path.read_text())):
            assert name == "chainrule.config" or name.startswith("chainrule.runtime"), (
                f"{path.name} imports {name}")
