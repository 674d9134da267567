"""Dataset constructors: from_tensor_slices, from_tensors, from_generator, range, zip."""
import numpy as np
import pytest

import chainrule
from chainrule.data import Dataset, TensorSpec


def test_from_tensor_slices_of_an_array_gives_rows():
    x = np.arange(6, dtype=np.float64).reshape(3, 2)
    rows = list(Dataset.from_tensor_slices(x))
    assert len(rows) == 3 and rows[1].tolist() == [2.0, 3.0] and rows[1].dtype == np.float64


def test_from_tensor_slices_of_1d_gives_numpy_scalars():
    values = list(Dataset.from_tensor_slices(np.array([4, 5], dtype=np.int64)))
    assert values == [4, 5] and all(isinstance(v, np.int64) for v in values)


def test_from_tensor_slices_keeps_tuples_dicts_and_nesting():
    x, y = np.zeros((4, 2, 2), np.uint8), np.arange(4)
    element = next(iter(Dataset.from_tensor_slices(({"image": x, "id": y}, y))))
    assert isinstance(element, tuple) and list(element[0]) == ["image", "id"]
    assert element[0]["image"].shape == (2, 2) and element[0]["image"].dtype == np.uint8


def test_from_tensor_slices_treats_a_list_as_one_array_with_tf_default_dtypes():
    rows = list(Dataset.from_tensor_slices([[1, 2], [3, 4]]))
    assert rows[0].dtype == np.int32 and rows[1].tolist() == [3, 4]
    assert next(iter(Dataset.from_tensor_slices([1.5, 2.5]))).dtype == np.float32
    assert next(iter(Dataset.from_tensor_slices([2**40]))).dtype == np.int64


def test_from_tensor_slices_accepts_chainrule_tensors():
    rows = list(Dataset.from_tensor_slices(chainrule.Tensor(np.ones((2, 3)))))
    assert isinstance(rows[0], np.ndarray) and rows[0].shape == (3,)


def test_from_tensor_slices_rejects_mismatched_lengths_and_scalars():
    with pytest.raises(ValueError, match=r"same first dimension.*\[3, 4\]"):
        Dataset.from_tensor_slices((np.arange(3), np.arange(4)))
    with pytest.raises(ValueError, match="from_tensors"):
        Dataset.from_tensor_slices(np.float32(1.0))


def test_from_tensors_is_one_element_with_the_whole_structure():
    ds = Dataset.from_tensors((np.arange(3), 2.5))
    (values, scalar), = list(ds)
    assert values.tolist() == [0, 1, 2] and scalar == np.float32(2.5)
    assert ds.cardinality() == 1 and len(ds) == 1


def test_from_generator_calls_the_generator_again_on_each_pass():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)

    ds = Dataset.from_generator(gen)
    assert list(ds) == [0, 1, 2] and list(ds) == [0, 1, 2] and len(calls) == 2


def test_from_generator_without_signature_converts_python_values_like_tf():
    ds = Dataset.from_generator(lambda: iter([{"image": np.zeros((2, 2), np.uint8),
                                               "label": np.int64(1), "weight": 0.5}]))
    element, = list(ds)
    assert element["image"].dtype == np.uint8 and element["label"].dtype == np.int64
    assert element["weight"].dtype == np.float32


def test_from_generator_passes_args():
    ds = Dataset.from_generator(lambda n, k: (i * k for i in range(n)), args=(3, 10))
    assert list(ds) == [0, 10, 20]


def test_from_generator_output_signature_casts_and_checks_shapes():
    def gen():
        yield [1, 2], 3
        yield [4, 5, 6], 7

    spec = (TensorSpec((None,), "float32"), TensorSpec((), np.int64))
    first, second = list(Dataset.from_generator(gen, output_signature=spec))
    assert first[0].dtype == np.float32 and first[1].dtype == np.int64
    assert second[0].tolist() == [4.0, 5.0, 6.0]
    fixed = (TensorSpec((2,), "float32"), TensorSpec((), np.int64))
    with pytest.raises(TypeError, match=r"shape \(3,\) where an element of shape \(2,\)"):
        list(Dataset.from_generator(gen, output_signature=fixed))


def test_from_generator_output_types_and_shapes():
    ds = Dataset.from_generator(lambda: iter([(np.ones((2, 3)), 1)]),
                                output_types=(np.float32, np.int64),
                                output_shapes=((2, 3), ()))
    (x, y), = list(ds)
    assert x.dtype == np.float32 and x.shape == (2, 3) and y.dtype == np.int64


def test_from_generator_needs_a_callable():
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator(iter([1, 2]))


def test_range_forms_and_dtype():
    assert [int(v) for v in Dataset.range(3)] == [0, 1, 2]
    assert [int(v) for v in Dataset.range(2, 8, 3)] == [2, 5]
    assert [int(v) for v in Dataset.range(5, 0, -2)] == [5, 3, 1]
    assert next(iter(Dataset.range(1))).dtype == np.int64
    assert next(iter(Dataset.range(1, output_type=np.int32))).dtype == np.int32
    with pytest.raises(ValueError, match="step"):
        Dataset.range(0, 5, 0)
    with pytest.raises(TypeError, match="1 to 3"):
        Dataset.range()


def test_zip_tuple_dict_and_varargs_stop_at_the_shortest():
    a, b = Dataset.range(3), Dataset.from_tensor_slices(np.array([1.0, 2.0]))
    assert [(int(i), float(v)) for i, v in Dataset.zip((a, b))] == [(0, 1.0), (1, 2.0)]
    assert [(int(i), float(v)) for i, v in Dataset.zip(a, b)] == [(0, 1.0), (1, 2.0)]
    element = next(iter(Dataset.zip({"x": a, "y": b})))
    assert list(element) == ["x", "y"]
    assert Dataset.zip((a, b)).cardinality() == 2
    with pytest.raises(TypeError, match="tuple or dict of Datasets"):
        Dataset.zip((a, [1, 2]))
