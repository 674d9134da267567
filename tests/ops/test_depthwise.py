"""depthwise_conv2d: gradients, a direct-loop reference, channel order, shapes, errors."""

import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.autodiff.tensor import Tensor
from tests.ops.test_conv import reference_conv2d


def reference_depthwise(x, w, b=None, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """The direct-loop conv2d reference with a block-diagonal kernel: input channel ch feeds
    only outputs ch*m .. ch*m + m - 1, which is what a depthwise convolution is."""
    kh, kw, c, m = w.shape
    full = np.zeros((kh, kw, c, c * m))
    for ch in range(c):
        full[:, :, ch, ch * m:(ch + 1) * m] = w[:, :, ch, :]
    return reference_conv2d(x, full, b, strides, padding, dilation)


CONFIGS = [  # x shape, kernel shape, strides, padding, dilation
    ((2, 5, 5, 3), (3, 3, 3, 1), 1, "valid", 1),
    ((2, 5, 5, 3), (3, 3, 3, 2), 1, "same", 1),
    ((2, 7, 6, 2), (3, 3, 2, 3), 2, "valid", 1),
    ((1, 7, 8, 2), (3, 3, 2, 1), 2, "same", 1),
    ((2, 6, 7, 2), (2, 3, 2, 2), (1, 2), "same", 1),
    ((2, 7, 7, 2), (3, 3, 2, 1), 1, "valid", 2),
    ((1, 6, 7, 3), (3, 2, 3, 2), 1, "same", (2, 1)),
    ((1, 4, 4, 1), (5, 5, 1, 2), 3, "same", 1),
]


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilation", CONFIGS)
def test_depthwise_gradients_match_finite_differences(rng, x_shape, w_shape, strides, padding,
                                                      dilation):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[2] * w_shape[3])
    check_grad(lambda x, w, b: ops.depthwise_conv2d(x, w, b, strides, padding, dilation),
               (x, w, b))


def test_depthwise_without_bias_gradients(rng):
    x, w = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((3, 3, 3, 2))
    check_grad(lambda x, w: ops.depthwise_conv2d(x, w, padding="same", strides=2), (x, w))


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilation", CONFIGS)
def test_depthwise_matches_direct_loops(rng, x_shape, w_shape, strides, padding, dilation):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[2] * w_shape[3])
    got = ops.depthwise_conv2d(x, w, b, strides, padding, dilation).numpy()
    pair = (strides, strides) if isinstance(strides, int) else strides
    dil = (dilation, dilation) if isinstance(dilation, int) else dilation
    np.testing.assert_allclose(got, reference_depthwise(x, w, b, pair, padding, dil),
                               rtol=1e-12, atol=1e-12)


def test_depthwise_is_a_grouped_conv2d_with_one_group_per_channel(rng):
    """Channel c*M + m of the output is conv2d of input channel c with filter w[..., c, m]."""
    x, w = rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((3, 3, 3, 2))
    y = ops.depthwise_conv2d(x, w, padding="same").numpy()
    for c in range(3):
        single = ops.conv2d(x[..., c:c + 1], w[:, :, c:c + 1, :], padding="same").numpy()
        np.testing.assert_allclose(y[..., 2 * c:2 * c + 2], single, rtol=1e-12, atol=1e-12)


def test_depthwise_skips_the_input_gradient_of_a_constant_input(rng):
    x = Tensor(rng.standard_normal((1, 4, 4, 2)))
    w = Tensor(rng.standard_normal((3, 3, 2, 1)), requires_grad=True)
    ops.depthwise_conv2d(x, w, padding="same").sum().backward()
    assert x.grad is None and w.grad.shape == (3, 3, 2, 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_depthwise_keeps_the_dtype(rng, dtype):
    x = rng.standard_normal((1, 4, 4, 2)).astype(dtype)
    w = rng.standard_normal((3, 3, 2, 2)).astype(dtype)
    y = ops.depthwise_conv2d(Tensor(x, requires_grad=True), Tensor(w, requires_grad=True),
                             np.zeros(4, dtype))
    assert y.dtype == dtype


@pytest.mark.parametrize("padding, strides, dilation, expected", [
    ("valid", 1, 1, (2, 8, 6, 6)), ("same", 1, 1, (2, 10, 8, 6)), ("valid", 2, 1, (2, 4, 3, 6)),
    ("same", 2, 1, (2, 5, 4, 6)), ("valid", 1, 2, (2, 6, 4, 6))])
def test_depthwise_output_shape(padding, strides, dilation, expected):
    y = ops.depthwise_conv2d(np.ones((2, 10, 8, 3)), np.ones((3, 3, 3, 2)), strides=strides,
                             padding=padding, dilation_rate=dilation)
    assert y.shape == expected


@pytest.mark.parametrize("x_shape, w_shape, b_shape, match", [
    ((4, 4, 3), (3, 3, 3, 1), None, "rank 4"),
    ((1, 4, 4, 3), (3, 3, 2, 1), None, r"x.shape=\(1, 4, 4, 3\) \(3 channels\)"),
    ((1, 4, 4, 3), (3, 3, 3, 2), (3,), r"\(6,\). Received bias.shape=\(3,\)"),
    ((1, 2, 2, 3), (3, 3, 3, 1), None, "smaller than the dilated kernel")])
def test_depthwise_shape_errors_name_the_shapes(x_shape, w_shape, b_shape, match):
    b = None if b_shape is None else np.zeros(b_shape)
    with pytest.raises(ValueError, match=match):
        ops.depthwise_conv2d(np.ones(x_shape), np.ones(w_shape), b)


@pytest.mark.parametrize("kwargs, match", [(dict(padding="full"), "padding='full'"),
                                           (dict(strides=0), "strides=0"),
                                           (dict(dilation_rate=(1, 2, 3)), "dilation_rate")])
def test_depthwise_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ops.depthwise_conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), **kwargs)


def test_every_depthwise_op_is_covered():
    names = {n for n in ops.__all__ if getattr(ops, n).__module__ == "chainrule.ops.depthwise"}
    assert names == {"depthwise_conv2d"}
