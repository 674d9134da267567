"""max_pool2d and avg_pool2d: gradients, direct loops, ties, 'same' averaging, errors."""
import math

import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.autodiff.tensor import Tensor

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels


def reference_pool2d(x, reduce, pool, strides, padding):
    """Direct loops over output pixels; each window is clipped to the real input."""
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        top = max((oh - 1) * sh + ph - h, 0) // 2
        left = max((ow - 1) * sw + pw - w, 0) // 2
    else:
        oh, ow, top, left = (h - ph) // sh + 1, (w - pw) // sw + 1, 0, 0
    y = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r, s = i * sh - top, j * sw - left
            patch = x[:, max(r, 0):r + ph, max(s, 0):s + pw, :]
            y[:, i, j, :] = reduce(patch, axis=(1, 2))
    return y


CONFIGS = [  # x shape, pool_size, strides, padding
    ((2, 4, 4, 3), 2, None, "valid"),
    ((2, 5, 7, 2), 2, None, "valid"),
    ((2, 7, 7, 2), 3, 2, "valid"),
    ((1, 5, 5, 2), 2, None, "same"),
    ((2, 7, 6, 2), 3, 2, "same"),
    ((1, 6, 7, 2), (2, 3), (1, 2), "same"),
    ((1, 6, 5, 2), (3, 1), (2, 1), "valid"),
    ((1, 7, 7, 1), 2, 3, "same"),
]
def pair(v):
    return (v, v) if isinstance(v, int) else v


POOLS = [(ops.max_pool2d, np.max), (ops.avg_pool2d, np.mean)]


def distinct(rng, shape):
    """Distinct values, spaced 1 apart: finite differences never cross a tie."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64)


@pytest.mark.parametrize("op", [ops.max_pool2d, ops.avg_pool2d])
@pytest.mark.parametrize("shape, pool, strides, padding", CONFIGS)
def test_pool_gradients_match_finite_differences(rng, op, shape, pool, strides, padding):
    check_grad(lambda x: op(x, pool, strides, padding), (distinct(rng, shape),))


@pytest.mark.parametrize("op, reduce", POOLS)
@pytest.mark.parametrize("shape, pool, strides, padding", CONFIGS)
def test_pool_matches_direct_loops(rng, op, reduce, shape, pool, strides, padding):
    x = rng.standard_normal(shape)
    expected = reference_pool2d(x, reduce, pair(pool), pair(strides or pool), padding)
    np.testing.assert_allclose(op(x, pool, strides, padding).numpy(), expected, rtol=1e-12)


def test_lecture_pooling_example():
    x = np.array([[12, 20, 30, 0],
                  [8, 12, 2, 0],
                  [34, 70, 37, 7],
                  [112, 100, 22, 12]], dtype=np.float32)[None, :, :, None]
    np.testing.assert_array_equal(ops.max_pool2d(x, 2).numpy()[0, :, :, 0], [[20, 30], [112, 37]])
    # The slide prints 18 bottom-right, but its window [[37, 7], [22, 12]] averages to 19.5.
    np.testing.assert_array_equal(ops.avg_pool2d(x, 2).numpy()[0, :, :, 0], [[13, 8], [79, 19.5]])


def test_avg_pool_same_averages_only_real_pixels():
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)            # TF gives [[3, 4.5], [7.5, 9]]
    y = ops.avg_pool2d(x, 2, padding="same").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[3, 4.5], [7.5, 9]])


def test_max_pool_same_ignores_padding_for_negative_inputs():
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    y = ops.max_pool2d(x, 2, padding="same").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[-1, -3], [-7, -9]])


@pytest.mark.parametrize("shape, pool, strides, firsts", [
    ((1, 4, 4, 1), 2, None, [(0, 0), (0, 2), (2, 0), (2, 2)]),      # tiled fast path
    ((1, 5, 5, 1), 3, 2, [(0, 0), (0, 2), (2, 0), (2, 2)]),         # overlapping windows
])
def test_max_pool_gives_a_tied_window_gradient_to_its_first_max(shape, pool, strides, firsts):
    x = Tensor(np.zeros(shape), requires_grad=True)                 # every window is a tie
    ops.max_pool2d(x, pool, strides).backward(np.ones((1, 2, 2, 1)))
    expected = np.zeros(shape)
    for r, s in firsts:
        expected[0, r, s, 0] = 1
    np.testing.assert_array_equal(x.grad, expected)


def test_max_pool_routes_to_the_argmax_only(rng):
    x = Tensor(distinct(rng, (1, 4, 4, 1)), requires_grad=True)
    ops.max_pool2d(x).backward(np.ones((1, 2, 2, 1)))
    windows = x.data.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    assert x.grad.sum() == 4
    assert all(x.grad[x.data == m].item() == 1 for m in windows.max(axis=1))


@pytest.mark.parametrize("shape, pool, strides, padding, expected", [
    ((1, 6, 6, 1), 2, None, "valid", (3, 3)), ((1, 7, 7, 1), 2, None, "valid", (3, 3)),
    ((1, 7, 7, 1), 2, None, "same", (4, 4)), ((1, 7, 5, 1), 3, 2, "valid", (3, 2)),
    ((1, 6, 6, 1), 3, 1, "SAME", (6, 6)),
])
def test_pool_output_shape(shape, pool, strides, padding, expected):
    for op in (ops.max_pool2d, ops.avg_pool2d):
        assert op(np.ones(shape), pool, strides, padding).shape == (1, *expected, 1)


@pytest.mark.parametrize("op", [ops.max_pool2d, ops.avg_pool2d])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_keeps_the_dtype(rng, op, dtype):
    x = Tensor(rng.standard_normal((2, 5, 5, 3)).astype(dtype), requires_grad=True)
    y = op(x, 2, padding="same")
    y.backward(np.ones(y.shape, dtype))
    assert y.dtype == x.grad.dtype == dtype


@pytest.mark.parametrize("op", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_rejects_unknown_padding(op):
    with pytest.raises(ValueError, match=r"`padding` must be 'valid' or 'same'.*padding='full'"):
        op(np.ones((1, 4, 4, 1)), padding="full")


@pytest.mark.parametrize("op", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_rejects_wrong_rank(op):
    with pytest.raises(ValueError, match=r"rank 4.*x.shape=\(4, 4, 1\)"):
        op(np.ones((4, 4, 1)))


def test_pool_rejects_bad_pool_size():
    with pytest.raises(ValueError, match=r"max_pool2d `pool_size` must be a positive int.*=0"):
        ops.max_pool2d(np.ones((1, 4, 4, 1)), pool_size=0)


def test_pool_rejects_an_input_smaller_than_the_window():
    with pytest.raises(ValueError, match=r"smaller than pool_size=\(3, 3\)"):
        ops.avg_pool2d(np.ones((1, 2, 4, 1)), 3)
