"""The op worker threads: same numbers for any thread count, chunks in order, no nesting."""
import numpy as np
import pytest

from chainrule import config, ops
from chainrule.autodiff.tensor import Tensor
from chainrule.ops import conv, kernels


@pytest.fixture
def op_threads():
    """Set config.op_threads for one test, restoring the default afterwards."""
    default = config.op_threads()
    yield config.set_op_threads
    config.set_op_threads(default)


def test_map_chunks_returns_results_in_chunk_order_with_one_buffer_per_thread(op_threads):
    op_threads(3)
    buffers = []

    def fn(lo, hi, buffer):
        buffer.append(lo)
        return lo, hi

    chunks = conv.batch_chunks(10, 1, budget=1)
    assert kernels.map_chunks(fn, chunks, lambda: buffers.append([]) or buffers[-1]) == chunks
    assert len(buffers) == 3 and sorted(sum(buffers, [])) == list(range(10))


def test_batch_chunks_cover_the_batch_in_an_even_number_of_equal_chunks():
    assert conv.batch_chunks(5, 10, budget=20) == [(0, 1), (1, 2), (2, 3), (3, 5)]
    assert conv.batch_chunks(32, 10, budget=1000) == [(0, 16), (16, 32)]
    assert conv.batch_chunks(3, 10, budget=10) == [(0, 1), (1, 2), (2, 3)]
    assert conv.batch_chunks(0, 10) == []


def run_conv_and_pool(x, w, b, gy):
    xs, ws, bs = (Tensor(v, requires_grad=True) for v in (x, w, b))
    y = ops.max_pool2d(ops.conv2d(xs, ws, bs, padding="same"), 3, 2, padding="same")
    y.backward(gy)
    return y.numpy(), xs.grad, ws.grad, bs.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_and_pool_give_identical_bits_on_one_or_two_threads(rng, monkeypatch, op_threads,
                                                                   dtype):
    monkeypatch.setattr(conv, "SCRATCH_BYTES", 4096)                # many small chunks
    x = rng.standard_normal((7, 9, 9, 3)).astype(dtype)
    w, b = rng.standard_normal((3, 3, 3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)
    gy = rng.standard_normal((7, 5, 5, 4)).astype(dtype)
    op_threads(1)
    single = run_conv_and_pool(x, w, b, gy)
    op_threads(2)
    for got, expected in zip(run_conv_and_pool(x, w, b, gy), single):
        np.testing.assert_array_equal(got, expected)


def test_map_chunks_inside_a_worker_runs_inline(op_threads):
    op_threads(2)

    def outer(lo, hi, _):
        return kernels.map_chunks(lambda a, b, _: (a, b), [(lo, hi), (lo, hi)])

    assert kernels.map_chunks(outer, [(0, 1), (1, 2)]) == [[(0, 1)] * 2, [(1, 2)] * 2]


@pytest.mark.parametrize("value", [0, -1, 1.5, "2"])
def test_set_op_threads_rejects_anything_but_a_positive_int(value):
    with pytest.raises(ValueError, match="positive int"):
        config.set_op_threads(value)


@pytest.fixture
def fresh_loader(monkeypatch):
    """kernels.compiled as in a new process: nothing loaded, no loader thread yet."""
    pytest.importorskip("numba")
    monkeypatch.setattr(kernels, "_loaded", {})
    monkeypatch.setattr(kernels, "_loaders", {})
    monkeypatch.setattr(config, "_KERNELS", "numba")
    return monkeypatch


def test_defaulted_numba_kernels_load_in_the_background_meanwhile_numpy(fresh_loader):
    fresh_loader.setattr(config, "_KERNELS_REQUESTED", False)
    assert kernels.compiled(np) is None                 # not loaded yet: the NumPy path
    kernels._loaders[kernels.CONV_LOOPS].join(timeout=120)
    from chainrule.ops import numba_kernels
    assert kernels.compiled(np) is numba_kernels


def test_requested_numba_kernels_are_loaded_before_the_first_op(fresh_loader):
    fresh_loader.setattr(config, "_KERNELS_REQUESTED", True)
    from chainrule.ops import numba_kernels
    assert kernels.compiled(np) is numba_kernels and not kernels._loaders


def test_a_failed_background_load_is_logged_and_leaves_numpy(fresh_loader, caplog):
    fresh_loader.setattr(config, "_KERNELS_REQUESTED", False)

    def broken(name):
        raise ImportError("no LLVM here")

    fresh_loader.setattr(kernels, "_load", broken)
    assert kernels.compiled(np) is None
    kernels._loaders[kernels.CONV_LOOPS].join(timeout=10)
    assert kernels.compiled(np) is None
    assert "Numba kernels could not be loaded (no LLVM here)" in caplog.text


def test_building_a_conv_layer_starts_loading_the_kernels(fresh_loader):
    from chainrule.layers import Conv2D

    fresh_loader.setattr(config, "_KERNELS_REQUESTED", False)
    Conv2D(2, 3).build((None, 8, 8, 3))
    kernels._loaders[kernels.CONV_LOOPS].join(timeout=120)
    assert kernels.CONV_LOOPS in kernels._loaded
