"""Dataset steps: map, filter, batch, unbatch, shuffle, repeat, take, skip, cache, ..."""
import numpy as np
import pytest

import chainrule
from chainrule.data import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, experimental


def ints(ds):
    return [int(v) for v in ds]


# --- map / filter -------------------------------------------------------------------------
def test_map_unpacks_tuples_into_arguments_and_passes_dicts_whole():
    pairs = Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert ints(pairs.map(lambda x, y: x + y)) == [0, 11, 22]
    dicts = Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones(3)})
    assert [float(v) for v in dicts.map(lambda d: d["a"] + d["b"])] == [1.0, 2.0, 3.0]


def test_map_returning_a_list_gives_a_tuple_and_python_numbers_get_tf_dtypes():
    x, two, flag = next(iter(Dataset.range(3).map(lambda i: [i, 2, True])))
    assert x.dtype == np.int64 and two.dtype == np.int32 and flag.dtype == np.bool_


def test_map_converts_chainrule_tensors_to_numpy():
    ds = Dataset.from_tensor_slices(np.ones((2, 3), np.float32)).map(
        lambda v: (chainrule.Tensor(v) * 2, {"n": chainrule.Tensor(v).sum()}))
    doubled, extra = next(iter(ds))
    assert isinstance(doubled, np.ndarray) and doubled.tolist() == [2.0, 2.0, 2.0]
    assert isinstance(extra["n"], np.float32) and extra["n"] == 3.0


def test_filter_keeps_true_elements_and_rejects_non_bool_predicates():
    ds = Dataset.from_tensor_slices((np.arange(6), np.arange(6) % 2))
    assert [int(x) for x, _ in ds.filter(lambda x, odd: odd == 1)] == [1, 3, 5]
    with pytest.raises(TypeError, match="scalar bool"):
        list(Dataset.range(3).filter(lambda x: x))


# --- batch / unbatch ------------------------------------------------------------------------
def test_batch_keeps_structure_and_the_last_partial_batch():
    ds = Dataset.from_tensor_slices(({"img": np.zeros((5, 2, 2), np.uint8)}, np.arange(5)))
    batches = list(ds.batch(2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert isinstance(batches[0], tuple) and batches[0][0]["img"].shape == (2, 2, 2)
    assert batches[0][0]["img"].dtype == np.uint8 and batches[0][1].dtype == np.int64
    assert len(ds.batch(2)) == 3 and len(ds.batch(2, drop_remainder=True)) == 2
    assert [len(b[1]) for b in ds.batch(2, drop_remainder=True)] == [2, 2]


def test_batch_dtypes_follow_tensorflow():
    ds = Dataset.from_generator(lambda: ((np.int64(i), i, float(i), i > 0) for i in range(3)))
    labels, ints32, floats, flags = next(iter(ds.batch(3)))
    assert (labels.dtype, ints32.dtype, floats.dtype, flags.dtype) == (
        np.int64, np.int32, np.float32, np.bool_)


def test_batch_of_different_shapes_names_them_and_hints_resize():
    ds = Dataset.from_generator(lambda: (np.zeros((n, 2)) for n in (2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 2\) and element 1 had shape \(3, 2\)"):
        list(ds.batch(2))


def test_batch_validates_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(0)
    with pytest.raises(TypeError, match="batch_size"):
        Dataset.range(3).batch(2.5)


def test_unbatch_inverts_batch():
    ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 2.0)).batch(2).unbatch()
    assert [(int(a), float(b)) for a, b in ds] == [(0, 0.0), (1, 2.0), (2, 4.0), (3, 6.0),
                                                  (4, 8.0)]
    assert ds.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(ValueError, match="same first dimension"):
        list(Dataset.from_tensors((np.arange(2), np.arange(3))).unbatch())


# --- shuffle ------------------------------------------------------------------------------
def test_shuffle_is_a_permutation_reproducible_with_a_seed():
    a = ints(Dataset.range(50).shuffle(50, seed=7))
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert ints(Dataset.range(50).shuffle(50, seed=7)) == a
    assert ints(Dataset.range(50).shuffle(50, seed=8)) != a


def test_shuffle_reshuffles_each_pass_unless_told_not_to():
    ds = Dataset.range(30).shuffle(30, seed=1)
    first, second = ints(ds), ints(ds)
    assert first != second
    twin = Dataset.range(30).shuffle(30, seed=1)
    assert [ints(twin), ints(twin)] == [first, second]      # every pass's order is seeded
    fixed = Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert ints(fixed) == ints(fixed)


def test_shuffle_buffer_bounds_how_far_an_element_moves():
    assert ints(Dataset.range(10).shuffle(1, seed=0)) == list(range(10))
    order = ints(Dataset.range(100).shuffle(3, seed=0))
    assert sorted(order) == list(range(100))
    assert all(order[i] <= i + 2 for i in range(100))    # never emitted before it was read


def test_shuffle_without_seed_follows_chainrule_set_random_seed():
    chainrule.set_random_seed(3)
    first = ints(Dataset.range(20).shuffle(20))
    chainrule.set_random_seed(3)
    assert ints(Dataset.range(20).shuffle(20)) == first


# --- length-changing steps ----------------------------------------------------------------
def test_repeat_take_skip():
    assert ints(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert ints(Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert ints(Dataset.range(3).repeat(None).skip(2).take(2)) == [2, 0]
    assert ints(Dataset.range(5).take(-1)) == list(range(5))
    assert ints(Dataset.range(5).skip(-1)) == [] and ints(Dataset.range(5).take(0)) == []
    assert ints(Dataset.range(0).repeat()) == []       # an empty dataset repeated stays empty


def test_take_stops_reading_its_input_early():
    read = []
    ds = Dataset.from_generator(lambda: (read.append(i) or i for i in range(100)))
    assert ints(ds.take(3)) == [0, 1, 2] and read == [0, 1, 2]


def test_concatenate_and_enumerate():
    assert ints(Dataset.range(2).concatenate(Dataset.range(5, 7))) == [0, 1, 5, 6]
    pairs = list(Dataset.from_tensor_slices(np.array([9.0, 8.0])).enumerate(start=3))
    assert [(int(i), float(v)) for i, v in pairs] == [(3, 9.0), (4, 8.0)]
    assert pairs[0][0].dtype == np.int64
    with pytest.raises(TypeError, match="Dataset"):
        Dataset.range(2).concatenate([1, 2])


def test_cache_replays_the_first_complete_pass():
    calls = []
    ds = Dataset.range(4).map(lambda i: calls.append(1) or i * 2).cache()
    assert ints(ds.take(2)) == [0, 2]                 # a partial pass is not kept
    assert ints(ds) == [0, 2, 4, 6] and ints(ds) == [0, 2, 4, 6]
    assert len(calls) == 2 + 4
    with pytest.raises(NotImplementedError, match="memory"):
        Dataset.range(3).cache("file.cache")


# --- reading, length and cardinality --------------------------------------------------------
def test_datasets_are_reiterable_and_as_numpy_iterator_gives_the_elements():
    ds = Dataset.from_tensor_slices(np.arange(4)).map(lambda x: x + 1)
    assert ints(ds) == ints(ds) == ints(ds.as_numpy_iterator()) == [1, 2, 3, 4]


def test_cardinality_has_numpy_and_experimental_alias():
    ds = Dataset.range(7).batch(2)
    assert ds.cardinality() == 4 and ds.cardinality().numpy() == np.int64(4)
    assert experimental.cardinality(ds) == 4
    assert Dataset.range(3).repeat().cardinality() == INFINITE_CARDINALITY


def test_len_raises_type_error_for_infinite_or_unknown_size():
    with pytest.raises(TypeError, match="^The dataset is infinite."):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="^The dataset length is unknown."):
        len(Dataset.from_generator(lambda: iter([1])))
    assert bool(Dataset.from_generator(lambda: iter([])))     # truthy without len()


def test_element_spec_repr_and_apply():
    spec = Dataset.from_tensor_slices(({"x": np.zeros((4, 3), np.float32)}, np.arange(4))
                                      ).batch(2).element_spec
    assert spec[0]["x"].shape == (2, 3) and spec[0]["x"].dtype == np.float32
    assert spec[1].dtype == np.int64
    assert "cardinality=infinite" in repr(Dataset.range(2).repeat())
    assert ints(Dataset.range(4).apply(lambda d: d.skip(1).take(2))) == [1, 2]
    with pytest.raises(ValueError, match="empty"):
        _ = Dataset.range(0).element_spec
