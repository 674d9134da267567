"""Iterator semantics (Keras Sequence + endless stream), seeding, threads, and flow() arrays."""
import numpy as np
import pytest

from chainrule.preprocessing.image import ImageDataGenerator
from chainrule.preprocessing.iterators import Iterator, NumpyArrayIterator
from tests.preprocessing.iter_support import (no_leaked_worker_threads,  # noqa: F401
                                              reference, worker_threads)


def _augmenting():
    return ImageDataGenerator(rotation_range=40, zoom_range=0.2, horizontal_flip=True)


def _flow(x, y=None, generator=None, **kwargs):
    return (generator or ImageDataGenerator()).flow(x, y, **kwargs)


def _ids(n=10):
    """Channel 0 holds the sample index everywhere (so a batch tells which samples it has, even
    rotated); channel 1 is a texture that augmentation visibly changes."""
    index = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 6, 6))
    texture = np.broadcast_to(np.arange(36, dtype=np.float32).reshape(6, 6), (n, 6, 6))
    return np.stack([index, texture, texture.transpose(0, 2, 1)], axis=-1)


def _which(batch):
    return np.rint(batch[:, 0, 0, 0]).astype(int).tolist()


def test_len_indexing_and_partial_last_batch():
    it = _flow(_ids(10), np.arange(10), batch_size=4, shuffle=False)
    assert len(it) == 3
    assert [_which(it[i][0]) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert it[np.int64(2)][1].tolist() == [8, 9]


@pytest.mark.parametrize("idx", [3, 7, -1])
def test_out_of_range_index_names_the_length(idx):
    it = _flow(_ids(10), batch_size=4)
    with pytest.raises(ValueError, match=f"Asked to retrieve element {idx}, but the Sequence "
                                         "has length 3"):
        it[idx]


def test_next_is_endless_and_reshuffles_each_pass():
    it = _flow(_ids(5), batch_size=2, shuffle=True, seed=3)
    passes = [[_which(next(it)) for _ in range(3)] for _ in range(4)]
    assert all([len(b) for b in p] == [2, 2, 1] for p in passes)
    orders = [sum(p, []) for p in passes]
    assert all(sorted(o) == [0, 1, 2, 3, 4] for o in orders)
    assert len({tuple(o) for o in orders}) > 1


def test_iteration_protocol_and_no_shuffle_order():
    it = _flow(_ids(3), batch_size=2, shuffle=False)
    assert iter(it) is it
    assert [_which(b) for b, _ in zip(it, range(4))] == [[0, 1], [2], [0, 1], [2]]


def test_on_epoch_end_reshuffles_and_reset_restarts_the_stream():
    it = _flow(_ids(8), batch_size=8, shuffle=True, seed=0)
    first = _which(it[0])
    it.on_epoch_end()
    assert _which(it[0]) != first and sorted(_which(it[0])) == list(range(8))
    it = _flow(_ids(4), batch_size=2, shuffle=False)
    next(it)
    it.reset()
    assert _which(next(it)) == [0, 1]


def _stream(it, steps=7):
    """A mix of Sequence calls and next() calls, so that prefetch guesses are sometimes wrong."""
    out = [it[0][0], it[1][0], it[1][0], next(it)[0]]
    it.on_epoch_end()
    out += [it[0][0], next(it)[0], next(it)[0]]
    it.reset()
    out += [next(it)[0] for _ in range(steps)]
    return out


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_a_seed_repeats_shuffle_and_augmentation_exactly_with_any_threads(workers):
    gen = _augmenting()
    reference_run = _stream(_flow(_ids(9), generator=gen, batch_size=4, shuffle=True, seed=7))
    it = _flow(_ids(9), generator=gen, batch_size=4, shuffle=True, seed=7)
    it.workers = workers
    for a, b in zip(reference_run, _stream(it)):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_differ_and_no_seed_follows_set_random_seed():
    gen = _augmenting()
    a = _flow(_ids(9), generator=gen, batch_size=9, shuffle=True, seed=1)[0]
    b = _flow(_ids(9), generator=gen, batch_size=9, shuffle=True, seed=2)[0]
    assert not np.array_equal(a, b)
    import chainrule
    chainrule.set_random_seed(5)
    c = _flow(_ids(9), generator=gen, batch_size=9, shuffle=True)[0]
    chainrule.set_random_seed(5)
    d = _flow(_ids(9), generator=gen, batch_size=9, shuffle=True)[0]
    np.testing.assert_array_equal(c, d)


def test_augmentation_differs_between_batches_of_the_same_images():
    it = _flow(_ids(4), generator=_augmenting(), batch_size=4, seed=0)
    assert not np.array_equal(it[0], it[0])     # each call is a new batch, as in Keras


def test_the_global_numpy_rng_is_never_touched():
    state = np.random.get_state()[1].copy()
    it = _flow(_ids(6), generator=_augmenting(), batch_size=4, shuffle=True, seed=0)
    [next(it) for _ in range(3)]
    it.on_epoch_end()
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_close_stops_threads_and_the_iterator_still_works():
    it = _flow(_ids(6), batch_size=2)
    next(it)
    assert worker_threads()
    it.close()
    assert not worker_threads()
    assert len(next(it)) == 2               # a closed iterator restarts its pool on demand
    with _flow(_ids(6), batch_size=2) as it2:
        next(it2)
    assert len(worker_threads()) <= it.workers


def test_no_threads_until_the_first_batch_and_none_with_zero_workers():
    it = _flow(_ids(6), batch_size=2)
    assert not worker_threads()
    it.workers = 0
    next(it)
    it[1]
    assert not worker_threads()


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, r"`batch_size` must be a positive int. Received: batch_size=0"),
    ({"seed": -1}, r"`seed` must be None or a non-negative int. Received: seed=-1"),
    ({"seed": 1.5}, r"seed=1.5"),
    ({"subset": "train"}, r"Invalid subset name: 'train'; expected \"training\" or "
                          r"\"validation\""),
    ({"subset": "training"}, r"subset='training' needs a generator made with 0 < "
                             r"validation_split < 1.*Received: validation_split=0.0"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _flow(_ids(6), np.arange(6), **kwargs)


def test_channels_first_is_refused():
    with pytest.raises(ValueError, match="channels-last only"):
        NumpyArrayIterator(_ids(6), None, None, data_format="channels_first")


def test_flow_matches_keras_for_every_subset():
    ref = reference()
    gen = ImageDataGenerator(rescale=1 / 255.0, validation_split=0.3)
    for subset in (None, "training", "validation"):
        it = _flow(ref["flow/x"], ref["flow/y"], gen, sample_weight=ref["flow/w"], batch_size=4,
                   shuffle=False, subset=subset)
        batches = [it[i] for i in range(len(it))]
        name = subset or "all"
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]),
                                      ref[f"flow/{name}/x"])
        y = np.concatenate([b[1] for b in batches])
        assert y.dtype == ref["flow/y"].dtype                 # y passes through as-is
        np.testing.assert_array_equal(y, ref[f"flow/{name}/y"])


def test_flow_subset_cuts_sample_weights_too():
    """Keras 2.12 forgets to cut sample_weight (training rows get weights w[:n]); we cut it."""
    ref = reference()
    gen = ImageDataGenerator(validation_split=0.3)
    it = _flow(ref["flow/x"], ref["flow/y"], gen, sample_weight=ref["flow/w"], batch_size=10,
               shuffle=False, subset="training")
    np.testing.assert_array_equal(it[0][2], ref["flow/w"][3:])
    np.testing.assert_array_equal(ref["flow/training/w"], ref["flow/w"][:7])   # Keras' bug


def test_flow_class_split_check_and_ignore_class_split():
    ref = reference()
    gen = ImageDataGenerator(validation_split=0.3)
    with pytest.raises(ValueError) as err:
        _flow(ref["flow/x"], np.sort(ref["flow/y"]), gen, subset="training")
    assert str(err.value).startswith(str(ref["flow/sorted_error"]).rstrip("."))
    it = _flow(ref["flow/x"], np.sort(ref["flow/y"]), gen, subset="validation",
               ignore_class_split=True)
    assert it.n == 3


def test_flow_array_checks(rng):
    with pytest.raises(ValueError, match=r"should have rank 4.*shape \(4, 5, 3\)"):
        _flow(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="`x` .* and `y` .* should have the same length"):
        _flow(np.zeros((4, 2, 2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="and `sample_weight` should have the same length"):
        _flow(np.zeros((4, 2, 2, 3)), np.zeros(4), sample_weight=np.ones(2))
    with pytest.warns(UserWarning, match=r"expected either 1, 3, or 4 channels on axis 3.*"
                                         r"\(5 channels\)"):
        _flow(rng.random((2, 3, 3, 5)))


def test_flow_passes_extra_inputs_and_yields_x_alone_without_y():
    x, extra = _ids(5), np.arange(5) * 10
    batch_x, batch_y = _flow([x, extra], np.arange(5), batch_size=5, shuffle=False)[0]
    assert _which(batch_x[0]) == [0, 1, 2, 3, 4] and batch_x[1].tolist() == [0, 10, 20, 30, 40]
    alone = _flow(x, batch_size=2, shuffle=False)[0]
    assert isinstance(alone, np.ndarray) and alone.shape == (2, 6, 6, 3)
    with pytest.raises(ValueError, match="All of the arrays in `x` should have the same length"):
        _flow([x, np.arange(3)])


def test_flow_save_to_dir(tmp_path, rng):
    x = rng.uniform(0, 255, (3, 4, 4, 3))
    it = _flow(x, batch_size=3, save_to_dir=tmp_path, save_prefix="aug", save_format="png",
               seed=0)
    it[0]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and all(n.startswith("aug_") and n.endswith(".png") for n in names)
    with pytest.raises(FileNotFoundError, match="save_to_dir"):
        _flow(x, save_to_dir=tmp_path / "missing")


def test_flow_uses_the_generators_augmentation_and_rescale():
    gen = ImageDataGenerator(rotation_range=40, rescale=0.5)
    it = _flow(_ids(3), generator=gen, batch_size=3, shuffle=False, seed=0)
    batch = it[0]
    assert _which(batch * 2) == [0, 1, 2]
    assert not np.array_equal(batch[..., 1], _ids(3)[..., 1] * 0.5)


def test_base_iterator_needs_a_subclass():
    it = Iterator(4, 2, shuffle=False, seed=None)
    it.image_data_generator = None
    it.workers = 0
    with pytest.raises(NotImplementedError):
        it[0]


def test_prefetch_never_runs_the_visible_counters_ahead():
    it = _flow(_ids(6), batch_size=2, shuffle=True, seed=0)
    it[0]
    assert it.total_batches_seen == 1
    next(it)
    assert (it.total_batches_seen, it.batch_index) == (2, 1)
    it.on_epoch_end()
    assert it.total_batches_seen == 2


def test_resuming_from_saved_counters_repeats_the_run():
    """What a resumed training run does: a new iterator given the old one's counters."""
    gen = _augmenting()
    first = _flow(_ids(6), generator=gen, batch_size=2, shuffle=True, seed=4)
    [first[i] for i in range(len(first))]
    first.on_epoch_end()
    expected = [first[i] for i in range(len(first))]
    resumed = _flow(_ids(6), generator=gen, batch_size=2, shuffle=True, seed=4)
    resumed.total_batches_seen = 3
    for a, b in zip(expected, [resumed[i] for i in range(len(resumed))]):
        np.testing.assert_array_equal(a, b)
