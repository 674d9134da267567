"""The op worker threads: same numbers for any thread count, chunks in order, no nesting."""
import numpy as np
import pytest

from chainrule import config, ops
from chainrule.autodiff.tensor import Tensor
from chainrule.runtime import batch, threads


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

    chunks = batch.batch_chunks(10, 1, budget=1)
    assert threads.map_chunks(fn, chunks, lambda: buffers.append([]) or buffers[-1]) == chunks
    assert len(buffers) == 3 and sorted(lo for buffer in buffers for lo in buffer) == list(range(10))


def test_batch_chunks_cover_the_batch_in_an_even_number_of_equal_chunks():
    assert batch.batch_chunks(5, 10, budget=20) == [(0, 1), (1, 2), (2, 3), (3, 5)]
    assert batch.batch_chunks(32, 10, budget=1000) == [(0, 16), (16, 32)]
    assert batch.batch_chunks(3, 10, budget=10) == [(0, 1), (1, 2), (2, 3)]
    assert batch.batch_chunks(0, 10) == []


def run_conv_and_pool(x, w, b, gy):
    xs, ws, bs = (Tensor(v, requires_grad=True) for v in (x, w, b))
    y = ops.max_pool2d(ops.conv2d(xs, ws, bs, padding="same"), 3, 2, padding="same")
    y.backward(gy)
    return y.numpy(), xs.grad, ws.grad, bs.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_and_pool_give_identical_bits_on_one_or_two_threads(rng, monkeypatch, op_threads,
                                                                   dtype):
    monkeypatch.setattr(batch, "SCRATCH_BYTES", 4096)               # many small chunks
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
        return threads.map_chunks(lambda a, b, _: (a, b), [(lo, hi), (lo, hi)])

    assert threads.map_chunks(outer, [(0, 1), (1, 2)]) == [[(0, 1)] * 2, [(1, 2)] * 2]


def test_an_error_in_a_chunk_reaches_the_caller_after_every_lane_ends(op_threads):
    op_threads(2)
    done = []

    def fn(lo, hi, _):
        if lo == 0:
            raise RuntimeError("chunk failed")
        done.append(lo)

    with pytest.raises(RuntimeError, match="chunk failed"):
        threads.map_chunks(fn, [(0, 1), (1, 2), (2, 3), (3, 4)])
    assert sorted(done) == [1, 3]


@pytest.mark.parametrize("value", [0, -1, 1.5, "2"])
def test_set_op_threads_rejects_anything_but_a_positive_int(value):
    with pytest.raises(ValueError, match="positive int"):
        config.set_op_threads(value)
