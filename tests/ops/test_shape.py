"""reshape, transpose, getitem, concat, stack, pad, flatten: values, gradients, dtypes."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad

CASES = {  # name: (op on Tensors, same on NumPy arrays, input shapes)
    "reshape": (lambda a: ops.reshape(a, (4, -1)), lambda a: a.reshape(4, -1), [(2, 3, 4)]),
    "transpose": (lambda a: ops.transpose(a), lambda a: a.transpose(), [(2, 3, 4)]),
    "transpose_axes": (lambda a: ops.transpose(a, (1, 2, 0)), lambda a: a.transpose(1, 2, 0),
                       [(2, 3, 4)]),
    "getitem": (lambda a: ops.getitem(a, (slice(None), 1)), lambda a: a[:, 1], [(2, 3, 4)]),
    "getitem_fancy": (lambda a: ops.getitem(a, [2, 0, 2, 2]), lambda a: a[[2, 0, 2, 2]],
                      [(3, 4)]),
    "getitem_pairs": (lambda a: ops.getitem(a, ([0, 1, 0], [2, 2, 2])),
                      lambda a: a[[0, 1, 0], [2, 2, 2]], [(2, 3)]),
    "getitem_unique": (lambda a: ops.getitem(a, (slice(None), [3, 0, 2, 1]), unique=True),
                       lambda a: a[:, [3, 0, 2, 1]], [(2, 4, 3)]),
    "concat": (lambda a, b, c: ops.concat([a, b, c], axis=1),
               lambda a, b, c: np.concatenate([a, b, c], axis=1),
               [(2, 1, 4), (2, 3, 4), (2, 2, 4)]),
    "concat_last": (lambda a, b: ops.concat([a, b]), lambda a, b: np.concatenate([a, b], -1),
                    [(2, 3), (2, 5)]),
    "stack": (lambda a, b, c: ops.stack([a, b, c]), lambda a, b, c: np.stack([a, b, c]),
              [(2, 3)] * 3),
    "stack_axis": (lambda a, b: ops.stack([a, b], axis=2), lambda a, b: np.stack([a, b], 2),
                   [(2, 3)] * 2),
    "pad": (lambda a: ops.pad(a, ((0, 0), (1, 2), (2, 1), (0, 0))),
            lambda a: np.pad(a, ((0, 0), (1, 2), (2, 1), (0, 0))), [(2, 3, 3, 2)]),
    "flatten": (ops.flatten, lambda a: a.reshape(a.shape[0], -1), [(2, 3, 2, 2)]),
}


def test_every_shape_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.shape"}
    assert names == {n.split("_")[0] for n in CASES} | {"cast"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients(rng, name):
    op, _, shapes = CASES[name]
    check_grad(op, [rng.standard_normal(s) for s in shapes])


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_float32(rng, name):
    op, ref, shapes = CASES[name]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    out = op(*(Tensor(a) for a in arrays))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, ref(*arrays))


def test_getitem_repeated_indices_add_up():
    x = Tensor(np.zeros(4), requires_grad=True)
    ops.getitem(x, [1, 1, 3, 1]).backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 7.0, 0.0, 3.0])


def test_getitem_accepts_a_tensor_index():
    x = Tensor(np.arange(5.0))
    index = Tensor(np.array([4, 0]), dtype=np.int64)
    np.testing.assert_array_equal(ops.getitem(x, index).data, [4.0, 0.0])


def test_concat_hands_each_input_its_slice():
    a, b = (Tensor(np.zeros((2, n)), requires_grad=True) for n in (1, 2))
    gy = np.arange(6.0).reshape(2, 3)
    ops.concat([a, b], axis=1).backward(gy)
    np.testing.assert_array_equal(a.grad, gy[:, :1])
    np.testing.assert_array_equal(b.grad, gy[:, 1:])


def test_flatten_is_row_major():
    a = np.arange(24.0).reshape(2, 2, 3, 2)
    np.testing.assert_array_equal(ops.flatten(Tensor(a)).data[1], np.arange(12.0, 24.0))


def test_cast_changes_dtype_and_casts_the_gradient_back(rng):
    a = rng.standard_normal((2, 3))
    x = Tensor(a, requires_grad=True)
    y = ops.cast(x, np.float32)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, a.astype(np.float32))
    gy = rng.standard_normal((2, 3)).astype(np.float32)
    y.backward(gy)
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, gy.astype(np.float64))


def test_cast_gradient(rng):
    check_grad(lambda a: ops.cast(a, "float64") * 2.0, (rng.standard_normal((2, 3)),))
