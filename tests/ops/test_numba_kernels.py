"""The compiled glue loops give exactly what the NumPy reference gives, bit for bit, for every
conv/pool geometry: they copy the same values and add the same numbers in the same order."""
import numpy as np
import pytest

from chainrule import config, ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.autodiff.tensor import Tensor

pytest.importorskip("numba")


@pytest.fixture
def kernels():
    """Set config.kernels for one test, restoring the default afterwards."""
    default = config.kernels()
    yield config.set_kernels
    config.set_kernels(default)


def forward_backward(op, arrays, seed=0):
    """(output, gradient of every input) of op(*arrays) for a fixed random upstream gradient."""
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    y = op(*tensors)
    y.backward(np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype))
    return [y.numpy()] + [np.asarray(t.grad) for t in tensors]


def both_kernels(kernels, op, arrays):
    results = {}
    for name in ("numpy", "numba"):
        kernels(name)
        results[name] = forward_backward(op, arrays)
    return results["numpy"], results["numba"]


CONV_CASES = [  # x shape, kernel shape, strides, padding, dilation
    ((2, 9, 9, 3), (3, 3, 3, 4), 1, "valid", 1),
    ((2, 9, 8, 3), (3, 2, 3, 4), 2, "same", 1),
    ((2, 9, 9, 3), (3, 3, 3, 2), 1, "same", 2),
    ((1, 7, 7, 2), (5, 5, 2, 3), (2, 1), "same", 1),
    ((3, 10, 6, 5), (2, 3, 5, 2), (1, 2), "valid", (2, 1)),
    ((2, 6, 6, 1), (1, 1, 1, 3), 1, "same", 1),
]


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_compiled_matches_numpy(kernels, x_shape, k_shape, strides, padding, dilation,
                                       dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (x_shape, k_shape, k_shape[-1:])]

    def op(x, w, b):
        return ops.conv2d(x, w, b, strides=strides, padding=padding, dilation_rate=dilation)

    reference, compiled = both_kernels(kernels, op, arrays)
    for want, got in zip(reference, compiled):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


POOL_CASES = [  # x shape, pool, strides, padding
    ((2, 9, 9, 3), 2, None, "valid"),
    ((2, 9, 9, 3), 3, 2, "same"),
    ((2, 8, 7, 2), (2, 3), 1, "same"),
    ((3, 6, 6, 4), 2, 2, "same"),
    ((1, 5, 7, 2), (3, 1), (1, 2), "valid"),
]


@pytest.mark.parametrize("x_shape, pool, strides, padding", POOL_CASES)
def test_max_pool_compiled_matches_numpy_with_ties(kernels, x_shape, pool, strides, padding):
    """Small integers make many tied windows: both paths route to the first maximum."""
    x = np.random.default_rng(2).integers(-2, 3, x_shape).astype(np.float32)
    reference, compiled = both_kernels(
        kernels, lambda t: ops.max_pool2d(t, pool, strides, padding), [x])
    for want, got in zip(reference, compiled):
        np.testing.assert_array_equal(got, want)


def test_max_pool_compiled_lets_nan_win_like_np_maximum(kernels):
    kernels("numba")
    x = np.array([1.0, np.nan, 3.0, 2.0], np.float32).reshape(1, 2, 2, 1)
    assert np.isnan(ops.max_pool2d(x).numpy()).all()


@pytest.mark.parametrize("fill", [-np.inf, np.nan])
def test_max_pool_compiled_routes_inf_and_nan_windows_as_numpy_does(kernels, fill):
    """-inf windows may route to padding (dropped), NaN windows nowhere: as NumPy does."""
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    x[0, :3, :3, 0] = fill
    reference, compiled = both_kernels(kernels, lambda t: ops.max_pool2d(t, 3, 1, "same"), [x])
    for want, got in zip(reference, compiled):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation", CONV_CASES[:4])
def test_conv2d_compiled_gradients_are_numerical(kernels, x_shape, k_shape, strides, padding,
                                                 dilation):
    kernels("numba")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    check_grad(lambda a, b: ops.conv2d(a, b, strides=strides, padding=padding,
                                       dilation_rate=dilation), [x, w])


def test_max_pool_compiled_gradients_are_numerical(kernels):
    kernels("numba")
    x = np.random.default_rng(4).permutation(2 * 7 * 7 * 2).reshape(2, 7, 7, 2) / 10.0
    check_grad(lambda a: ops.max_pool2d(a, 3, 2, "same"), [x])


def test_set_kernels_rejects_unknown_names():
    with pytest.raises(ValueError, match="'numba' or 'numpy'.*value='fortran'"):
        config.set_kernels("fortran")


def test_set_kernels_numba_without_numba_names_the_extra(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ValueError, match=r"needs Numba: pip install 'chainrule\[fast\]'"):
        config.set_kernels("numba")
