"""The iterator's state machine (`cursor.Cursor`) and its public state: get_state/set_state."""
import json

import numpy as np
import pytest

import chainrule
from chainrule.preprocessing.cursor import Cursor
from chainrule.preprocessing.image import ImageDataGenerator
from tests.preprocessing.iter_support import no_leaked_worker_threads  # noqa: F401


def _images(n=7):
    """Sample i is filled with i (channel 0) over a texture the augmentation visibly moves."""
    index = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 6, 6))
    texture = np.broadcast_to(np.arange(36, dtype=np.float32).reshape(6, 6), (n, 6, 6))
    return np.stack([index, texture, texture.transpose(0, 2, 1)], axis=-1)


def _flow(seed=None, workers=2):
    gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    it = gen.flow(_images(), np.arange(7), batch_size=3, shuffle=True, seed=seed)
    it.workers = workers
    return it


def _requests(it):
    """A mix of Sequence and stream requests, as fit and user code make them."""
    out = [it[0], it[2], next(it)]
    it.on_epoch_end()
    out += [it[1], next(it), next(it), next(it)]
    return out


def _assert_same(batches, others):
    for a, b in zip(batches, others, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def test_the_next_move_walks_passes_and_counts_epochs():
    orders = iter([np.arange(5), np.arange(5)[::-1]])
    cursor, starts = Cursor(), []
    for _ in range(4):
        cursor, start = cursor.next(5, 2, lambda: next(orders))
        starts.append(start)
    assert starts == [0, 2, 4, 0]
    assert (cursor.epoch, cursor.batch_index, cursor.total_batches_seen) == (1, 1, 4)
    assert cursor.index_array.tolist() == [4, 3, 2, 1, 0]        # a new pass, a new order


def test_the_item_move_draws_an_order_only_when_it_has_none():
    drawn = []
    cursor, start = Cursor().item(2, 3, lambda: drawn.append(1) or np.arange(9))
    assert start == 6 and drawn == [1] and cursor.total_batches_seen == 1
    after, _ = cursor.item(0, 3, lambda: drawn.append(1) or np.arange(9))
    assert drawn == [1] and after.index_array is cursor.index_array
    assert after.new_pass(np.arange(9)[::-1]).epoch == 1 and after.epoch == 0   # immutable


@pytest.mark.parametrize("workers", [0, 2])
def test_set_state_continues_exactly_where_get_state_was_taken(workers):
    first = _flow(seed=5, workers=workers)
    [first[0], next(first), next(first)]
    state = json.loads(json.dumps(first.get_state()))      # what a run directory keeps
    expected = _requests(first)
    resumed = _flow(seed=5, workers=workers)
    resumed.set_state(state)
    _assert_same(expected, _requests(resumed))


def test_the_state_carries_the_seed_of_an_unseeded_iterator():
    chainrule.set_random_seed(1)
    first = _flow()
    next(first)
    state = first.get_state()
    expected = _requests(first)
    chainrule.set_random_seed(2)                            # another session's seed stream
    resumed = _flow()
    resumed.set_state(state)
    _assert_same(expected, _requests(resumed))


def test_get_state_reports_keras_counters_and_epochs():
    it = _flow(seed=0)
    assert it.get_state()["index_array"] is None
    [next(it) for _ in range(4)]                            # 7 samples in 3 batches: 1 pass + 1
    state = it.get_state()
    assert (state["epoch"], state["batch_index"], state["total_batches_seen"]) == (1, 1, 4)
    assert sorted(state["index_array"]) == list(range(7))
    assert (it.epoch, it.batch_index, it.total_batches_seen) == (1, 1, 4)
    it.on_epoch_end()
    assert it.epoch == 2 and it.get_state()["total_batches_seen"] == 4


def test_set_state_takes_a_part_of_the_state_and_checks_the_rest():
    it = _flow(seed=0)
    it.set_state({"total_batches_seen": 3})                 # an older run directory's counters
    assert (it.total_batches_seen, it.batch_index, it.index_array) == (3, 0, None)
    with pytest.raises(ValueError, match=r"Unknown iterator state keys \['position'\]"):
        it.set_state({"position": 3})
    with pytest.raises(ValueError, match=r"order the iterator's 7 samples. Received 4"):
        it.set_state({"index_array": [0, 1, 2, 3]})


def test_a_prefetched_batch_is_dropped_when_the_state_is_set():
    it = _flow(seed=3)
    reference = _flow(seed=3, workers=0)
    next(it)                                                # prefetches the second batch
    it.set_state(reference.get_state())                     # back to the start
    _assert_same([reference[0], next(reference)], [it[0], next(it)])
