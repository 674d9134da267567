"""BLAS runs one thread inside the op threads' parallel regions and its own count after,
however many user threads run ops at once."""
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from chainrule import config, ops
from chainrule.autodiff.tensor import Tensor
from chainrule.runtime import blas


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads():
    """BLAS set to 2 threads for the test (skipped when NumPy's BLAS cannot be found)."""
    if not blas_threads():
        pytest.skip("threadpoolctl finds no BLAS here")
    default = config.op_threads()
    config.set_op_threads(2)
    with threadpool_limits(limits=2, user_api="blas"):
        yield
    config.set_op_threads(default)


def conv_forward_and_backward(x, w, b, gy):
    xs, ws, bs = (Tensor(v, requires_grad=True) for v in (x, w, b))
    y = ops.conv2d(xs, ws, bs, padding="same")
    y.backward(gy)
    return y.numpy(), xs.grad, ws.grad, bs.grad


def test_user_threads_running_conv_ops_leave_blas_with_its_own_count(rng, two_blas_threads):
    x = rng.standard_normal((8, 12, 12, 3)).astype(np.float32)
    w, b = rng.standard_normal((3, 3, 3, 4)).astype(np.float32), np.zeros(4, np.float32)
    gy = rng.standard_normal((8, 12, 12, 4)).astype(np.float32)
    expected = conv_forward_and_backward(x, w, b, gy)
    start, errors, results = threading.Barrier(6), [], []

    def user_thread():
        try:
            start.wait()
            for _ in range(20):
                results.append(conv_forward_and_backward(x, w, b, gy))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=user_thread) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert blas_threads() == [2] * len(blas_threads())
    for result in results:
        for got, want in zip(result, expected):
            np.testing.assert_array_equal(got, want)


def test_single_threaded_sets_one_thread_and_the_last_region_restores(two_blas_threads):
    with blas.single_threaded():
        assert blas_threads() == [1] * len(blas_threads())
        with blas.single_threaded():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert set(blas_threads()) == {2}


def test_main_and_user_threads_running_conv_ops_together_restore_the_count(rng, two_blas_threads):
    """The main thread opens the first region and a user thread may close the last one."""
    x = rng.standard_normal((8, 12, 12, 3)).astype(np.float32)
    w, b = rng.standard_normal((3, 3, 3, 4)).astype(np.float32), np.zeros(4, np.float32)
    gy = rng.standard_normal((8, 12, 12, 4)).astype(np.float32)
    stop, errors = threading.Event(), []

    def user_thread():
        try:
            while not stop.is_set():
                conv_forward_and_backward(x, w, b, gy)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=user_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(10):
        conv_forward_and_backward(x, w, b, gy)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == [] and set(blas_threads()) == {2}


def test_a_region_on_another_thread_leaves_blas_alone(two_blas_threads):
    seen = []

    def other():
        with blas.single_threaded():
            seen.append(blas_threads())

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [[2] * len(seen[0])] and set(blas_threads()) == {2}


def test_single_threaded_restores_after_an_exception(two_blas_threads):
    with pytest.raises(RuntimeError), blas.single_threaded():
        raise RuntimeError("op failed")
    assert set(blas_threads()) == {2}
