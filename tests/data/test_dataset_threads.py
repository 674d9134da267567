"""map(num_parallel_calls=...) and prefetch: order kept, errors surface, no thread left over."""
import threading
import time

import numpy as np
import pytest

from chainrule.data import AUTOTUNE, Dataset


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Every test here must end with the same threads it started with."""
    before = set(threading.enumerate())
    yield
    leaked = [t.name for t in set(threading.enumerate()) - before]
    assert not leaked, f"threads left running: {leaked}"


def ints(ds):
    return [int(v) for v in ds]


def slow_square(x):
    time.sleep(0.002 * float((7 * int(x)) % 5))        # uneven delays, finishing out of order
    return x * x


@pytest.mark.parametrize("calls", [2, 4, AUTOTUNE])
def test_parallel_map_keeps_input_order(calls):
    ds = Dataset.range(40).map(slow_square, num_parallel_calls=calls, deterministic=False)
    assert ints(ds) == [i * i for i in range(40)]
    assert ints(ds) == [i * i for i in range(40)]         # and again: a fresh pool per pass


def test_parallel_map_really_uses_several_threads():
    seen, barrier = set(), threading.Barrier(2, timeout=5)

    def record(x):
        seen.add(threading.current_thread().name)
        if int(x) < 2:
            barrier.wait()                               # two calls must overlap to pass
        return x

    assert ints(Dataset.range(6).map(record, num_parallel_calls=2)) == list(range(6))
    assert len(seen) == 2 and all(name.startswith("chainrule-data-map") for name in seen)


def test_parallel_map_unpacks_tuples_and_reraises_errors():
    ds = Dataset.from_tensor_slices((np.arange(4), np.arange(4))).map(
        lambda x, y: x + y, num_parallel_calls=3)
    assert ints(ds) == [0, 2, 4, 6]

    def fail(x):
        if int(x) == 3:
            raise RuntimeError("bad element 3")
        return x

    with pytest.raises(RuntimeError, match="bad element 3"):
        list(Dataset.range(10).map(fail, num_parallel_calls=2))


def test_parallel_map_validates_num_parallel_calls():
    with pytest.raises(ValueError, match="num_parallel_calls"):
        Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


@pytest.mark.parametrize("size", [0, 1, 3, AUTOTUNE])
def test_prefetch_keeps_order_and_size(size):
    ds = Dataset.range(20).map(lambda x: x + 1).prefetch(size)
    assert ints(ds) == list(range(1, 21)) and len(ds) == 20


def test_prefetch_reads_ahead_in_a_background_thread():
    produced = threading.Event()
    ds = Dataset.from_generator(lambda: (produced.set() or i for i in range(3))).prefetch(2)
    iterator = iter(ds)
    assert int(next(iterator)) == 0
    assert produced.wait(5)
    iterator.close()


def test_prefetch_passes_errors_to_the_consumer():
    def gen():
        yield 1
        raise ValueError("generator broke")

    with pytest.raises(ValueError, match="generator broke"):
        list(Dataset.from_generator(gen).prefetch(1))


def test_breaking_off_early_stops_every_thread():
    ds = Dataset.range(10**6).map(lambda x: x, num_parallel_calls=4).prefetch(2).batch(8)
    for i, _ in enumerate(ds):
        if i == 3:
            break
    taken = ints(Dataset.range(10**6).prefetch(AUTOTUNE).take(5))
    assert taken == list(range(5))


def test_an_abandoned_iterator_cleans_up_when_collected():
    iterator = iter(Dataset.range(100).map(lambda x: x, num_parallel_calls=2).prefetch(4))
    next(iterator)
    del iterator                                          # CPython finalises the generator now
