"""The buffer pool hands an array out again only when nobody else holds it."""
import numpy as np
import pytest

from chainrule import config
from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential
from chainrule.runtime import buffers

BIG = (512, 1024)           # 2 MiB of float32: above MIN_BYTES


@pytest.fixture(autouse=True)
def fresh_pool():
    budget = config.buffer_pool_bytes()
    buffers.clear()
    yield config.set_buffer_pool_bytes
    config.set_buffer_pool_bytes(budget)
    buffers.clear()


def test_a_released_buffer_comes_back_for_the_same_shape_and_dtype():
    first = buffers.empty(BIG, np.float32)
    address = first.__array_interface__["data"][0]
    del first
    again = buffers.empty(BIG, np.float32)
    assert again.__array_interface__["data"][0] == address
    assert buffers.empty(BIG, np.float64) is not again


def test_a_buffer_in_use_or_viewed_is_never_handed_out_twice():
    held = buffers.empty(BIG, np.float32)
    view = buffers.empty(BIG, np.float32)[:10]     # only a view survives: its base is in use
    third = buffers.empty(BIG, np.float32)
    assert len({id(held), id(view.base), id(third)}) == 3
    assert not np.shares_memory(held, third) and not np.shares_memory(view, third)
    assert buffers.pooled_bytes() == 3 * held.nbytes


def test_small_arrays_and_a_zero_budget_bypass_the_pool(fresh_pool):
    buffers.empty((10,), np.float32)
    assert buffers.pooled_bytes() == 0
    fresh_pool(0)
    buffers.empty(BIG, np.float32)
    assert buffers.pooled_bytes() == 0


def test_over_budget_stale_free_buffers_go_and_buffers_in_use_stay(fresh_pool, monkeypatch):
    nbytes = int(np.prod(BIG)) * 4
    fresh_pool(2 * nbytes)
    kept = buffers.empty(BIG, np.float32)
    buffers.empty(BIG, np.float32)                  # released at once
    monkeypatch.setattr(buffers, "STALE", 0)        # any earlier request counts as stale
    other = buffers.empty((1024, 512), np.float32)   # needs room: the free one goes
    assert buffers.pooled_bytes() == kept.nbytes + other.nbytes


def test_a_recently_used_free_buffer_stays_and_the_new_array_is_not_pooled(fresh_pool):
    nbytes = int(np.prod(BIG)) * 4
    fresh_pool(nbytes)
    buffers.empty(BIG, np.float32)                  # free, but used a moment ago
    other = buffers.empty((1024, 512), np.float32)
    assert buffers.pooled_bytes() == nbytes
    assert buffers.empty((1024, 512), np.float32) is not other   # never pooled


def test_training_with_and_without_the_pool_gives_the_same_weights(fresh_pool):
    """Reuse must never alias two live arrays: two runs, bit-identical results."""
    rng = np.random.default_rng(0)
    x = rng.random((8, 64, 64, 3), dtype=np.float32)
    y = rng.integers(0, 2, 8)
    results = []
    for budget in (0, 1 << 30):
        fresh_pool(budget)
        config.set_random_seed(7)
        model = Sequential([Conv2D(16, 3, activation="relu", input_shape=(64, 64, 3)),
                            MaxPooling2D(), Conv2D(8, 3, activation="relu"), MaxPooling2D(),
                            Flatten(), Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        losses = [model.train_on_batch(x, y) for _ in range(3)]
        results.append((losses, [w.copy() for w in model.get_weights()]))
    assert buffers.pooled_bytes() > 0
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("value", [-1, 1.5, "1GB"])
def test_set_buffer_pool_bytes_rejects_what_is_not_a_non_negative_int(value):
    with pytest.raises(ValueError, match=f"non-negative int. Received: value={value!r}"):
        config.set_buffer_pool_bytes(value)
