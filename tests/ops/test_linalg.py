"""matmul: gradients with batch broadcasting, NumPy values, dtypes, the shape error."""
import re

import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor, check_grad

SHAPES = [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
          ((2, 1, 3, 4), (5, 4, 2)), ((1, 1), (1, 1))]


@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_matmul_gradients(rng, shape_a, shape_b):
    check_grad(ops.matmul, (rng.standard_normal(shape_a), rng.standard_normal(shape_b)))


@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_matmul_values_and_float32(rng, shape_a, shape_b):
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    np.testing.assert_allclose(ops.matmul(Tensor(a), Tensor(b)).data, np.matmul(a, b))
    out = ops.matmul(Tensor(a.astype(np.float32)), Tensor(b.astype(np.float32)))
    assert out.dtype == np.float32


def test_matmul_gradient_by_hand():
    a = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)       # (1, 2)
    b = Tensor(np.array([[3.0], [4.0]]), requires_grad=True)     # (2, 1)
    ops.matmul(a, b).backward(np.array([[2.0]]))                 # y = 3 + 8 = 11
    np.testing.assert_array_equal(a.grad, [[6.0, 8.0]])          # gy * b^T
    np.testing.assert_array_equal(b.grad, [[2.0], [4.0]])        # a^T * gy


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (5, 6)), ((4,), (4, 2)), ((3, 4), (4,))])
def test_matmul_shape_error_names_both_shapes(shape_a, shape_b):
    expected = f"cannot multiply shapes {shape_a} and {shape_b}"
    with pytest.raises(ValueError, match=re.escape(expected)):
        ops.matmul(Tensor(np.ones(shape_a)), Tensor(np.ones(shape_b)))
