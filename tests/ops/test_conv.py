"""conv2d: gradients, a direct-loop reference, output shapes, the lecture's example, errors."""
import math
from pathlib import Path

import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.autodiff.tensor import Tensor
from chainrule.ops import conv
from chainrule.runtime import batch

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels


def reference_conv2d(x, w, b=None, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Direct loops over output pixels and kernel taps; taps outside the input count as 0."""
    n, h, wd, _ = x.shape
    kh, kw, _, cout = w.shape
    (sh, sw), (dh, dw) = strides, dilation
    ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(wd / sw)
        top = max((oh - 1) * sh + ekh - h, 0) // 2
        left = max((ow - 1) * sw + ekw - wd, 0) // 2
    else:
        oh, ow, top, left = (h - ekh) // sh + 1, (wd - ekw) // sw + 1, 0, 0
    y = np.zeros((n, oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for c in range(kw):
                    r, s = i * sh - top + a * dh, j * sw - left + c * dw
                    if 0 <= r < h and 0 <= s < wd:
                        y[:, i, j, :] += x[:, r, s, :] @ w[a, c]
    return y if b is None else y + b


CONFIGS = [  # x shape, kernel shape, strides, padding, dilation
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, "valid", 1),
    ((2, 7, 6, 2), (3, 3, 2, 3), 2, "valid", 1),
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, "same", 1),
    ((1, 7, 8, 2), (3, 3, 2, 2), 2, "same", 1),
    ((2, 6, 7, 2), (2, 3, 2, 3), (1, 2), "same", 1),
    ((1, 5, 6, 3), (1, 2, 3, 2), (2, 1), "valid", 1),
    ((2, 7, 7, 2), (3, 3, 2, 2), 1, "valid", 2),
    ((1, 6, 7, 2), (3, 2, 2, 3), 1, "same", (2, 1)),
    ((1, 4, 4, 1), (5, 5, 1, 2), 3, "same", 1),
]


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilation", CONFIGS)
def test_conv2d_gradients_match_finite_differences(rng, x_shape, w_shape, strides, padding,
                                                   dilation):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[-1])
    check_grad(lambda x, w, b: ops.conv2d(x, w, b, strides, padding, dilation), (x, w, b))


def test_conv2d_without_bias_gradients(rng):
    x, w = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2))
    check_grad(lambda x, w: ops.conv2d(x, w, strides=2, padding="same"), (x, w))


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilation", CONFIGS)
def test_conv2d_matches_direct_loops(rng, x_shape, w_shape, strides, padding, dilation):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[-1])
    pair = conv.normalize_tuple
    expected = reference_conv2d(x, w, b, pair(strides, "s", "t"), padding, pair(dilation, "d", "t"))
    y = ops.conv2d(x, w, b, strides, padding, dilation)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_conv2d_chunks_of_the_batch_give_the_same_result(rng, monkeypatch):
    x, w = rng.standard_normal((5, 6, 6, 2)), rng.standard_normal((3, 3, 2, 3))
    image_bytes = 4 * 4 * 3 * 3 * 2 * 8                       # OH*OW*kh*kw*C*itemsize
    monkeypatch.setattr(batch, "SCRATCH_BYTES", 2 * image_bytes)  # chunks of 1, 1, 1, 2
    np.testing.assert_allclose(ops.conv2d(x, w).numpy(), reference_conv2d(x, w), atol=1e-12)
    check_grad(lambda x, w: ops.conv2d(x, w, padding="same"), (x, w))


def test_conv2d_accepts_non_contiguous_inputs_and_an_empty_batch(rng):
    x, w = rng.standard_normal((2, 9, 6, 4))[:, ::2, :, 1:], rng.standard_normal((3, 3, 3, 2))
    np.testing.assert_allclose(ops.conv2d(x, w).numpy(), reference_conv2d(x, w), atol=1e-12)
    assert ops.conv2d(np.ones((0, 5, 5, 3)), w, padding="same").shape == (0, 5, 5, 2)


def test_conv2d_skips_the_input_gradient_of_a_constant_input(rng):
    x, w = rng.standard_normal((2, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2))
    gy = rng.standard_normal((2, 5, 5, 2))
    w_const_x, w_var_x = Tensor(w, requires_grad=True), Tensor(w, requires_grad=True)
    ops.conv2d(x, w_const_x, padding="same").backward(gy)
    x_var = Tensor(x, requires_grad=True)
    ops.conv2d(x_var, w_var_x, padding="same").backward(gy)
    np.testing.assert_allclose(w_const_x.grad, w_var_x.grad)
    assert x_var.grad.shape == x.shape


@pytest.mark.parametrize("padding, strides, dilation, expected", [
    ("same", 1, 1, (6, 6)), ("valid", 1, 1, (4, 4)), ("SAME", 2, 1, (3, 3)),
    ("valid", 2, 1, (2, 2)), ("valid", 1, 2, (2, 2)), ("same", 1, 2, (6, 6)),
])
def test_conv2d_output_shape(padding, strides, dilation, expected):
    y = ops.conv2d(np.ones((1, 6, 6, 2)), np.ones((3, 3, 2, 5)), None, strides, padding, dilation)
    assert y.shape == (1, *expected, 5)


@pytest.mark.parametrize("args, expected", [
    ((6, 3, 1), (1, 1)), ((6, 2, 2), (0, 0)), ((5, 2, 2), (0, 1)), ((7, 3, 2), (1, 1)),
    ((6, 4, 1), (1, 2)), ((5, 3, 1, 2), (2, 2)), ((4, 1, 3), (0, 0)),
])
def test_same_padding_puts_the_odd_pixel_after(args, expected):
    assert conv.same_padding(*args) == expected


def test_conv_output_length():
    assert conv.conv_output_length(6, 3, 1, "valid") == 4
    assert conv.conv_output_length(7, 3, 2, "valid") == 3
    assert conv.conv_output_length(7, 3, 2, "same") == 4
    assert conv.conv_output_length(9, 3, 1, "valid", dilation=3) == 3


def test_conv2d_lecture_example():
    image = np.array([[1, 2, 3, 4, 5],
                      [2, 1, 0, 1, 2],
                      [3, 0, 1, 1, 0],
                      [1, 4, 1, 7, 9]], dtype=np.float32)
    kernel = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]], dtype=np.float32)
    y = ops.conv2d(image[None, :, :, None], kernel[:, :, None, None]).numpy()[0, :, :, 0]
    assert y.shape == (2, 3)
    np.testing.assert_array_equal(y[0], [6, 9, 11])
    assert y[1, 0] == 10


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_keeps_the_dtype(rng, dtype):
    x = Tensor(rng.standard_normal((2, 5, 5, 3)).astype(dtype), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 3, 3, 2)).astype(dtype), requires_grad=True)
    b = Tensor(np.zeros(2, dtype), requires_grad=True)
    y = ops.conv2d(x, w, b, padding="same")
    y.backward(np.ones(y.shape, dtype))
    assert y.dtype == dtype
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == dtype


def test_conv2d_rejects_unknown_padding():
    with pytest.raises(ValueError, match=r"`padding` must be 'valid' or 'same'.*padding='full'"):
        ops.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full")


def test_conv2d_names_both_shapes_on_channel_mismatch():
    match = r"x.shape=\(1, 5, 5, 3\).*kernel.shape=\(3, 3, 4, 2\)"
    with pytest.raises(ValueError, match=match):
        ops.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 4, 2)))


def test_conv2d_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"rank 4.*x.shape=\(5, 5, 3\)"):
        ops.conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 3, 2)))


def test_conv2d_rejects_wrong_bias_shape():
    with pytest.raises(ValueError, match=r"bias must have shape.*\(2,\).*bias.shape=\(3,\)"):
        ops.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)), np.ones(3))


@pytest.mark.parametrize("kwargs, match", [
    ({"strides": 0}, r"`strides` must be a positive int.*strides=0"),
    ({"strides": (1, 2, 3)}, r"strides=\(1, 2, 3\)"),
    ({"dilation_rate": -1}, r"`dilation_rate`.*dilation_rate=-1"),
])
def test_conv2d_rejects_bad_strides_and_dilation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ops.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), **kwargs)


def test_conv2d_rejects_an_input_smaller_than_the_kernel():
    with pytest.raises(ValueError, match=r"smaller than the dilated kernel.*padding='same'"):
        ops.conv2d(np.ones((1, 2, 5, 1)), np.ones((3, 3, 1, 1)))


KERAS_REFERENCE = Path(__file__).parents[1] / "fixtures" / "keras_reference.npz"


def _keras_cnn_forward(case, x, w):
    """The fixture models' forward pass from conv2d/pooling ops plus plain NumPy."""
    if case == "cnn_same_adam":
        h = np.maximum(ops.conv2d(x, w[0], w[1], padding="same").numpy(), 0)
        h = np.maximum(ops.conv2d(ops.max_pool2d(h, 2), w[2], w[3], strides=2).numpy(), 0)
        logits = h.reshape(len(x), -1) @ w[4] + w[5]
    elif case == "cnn_strided_rmsprop":                   # 10x10, stride 2: pads (0, 1)
        h = np.tanh(ops.conv2d(x, w[0], w[1], strides=2, padding="same").numpy())
        h = ops.conv2d(ops.avg_pool2d(h, 2, padding="same"), w[2], w[3]).numpy()
        logits = h.mean(axis=(1, 2)) @ w[4] + w[5]
    else:
        h = ops.max_pool2d(ops.conv2d(x, w[0], w[1], padding="same"), 3, 2, padding="same")
        logits = h.numpy().reshape(len(x), -1) @ w[2] + w[3]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("case", ["cnn_same_adam", "cnn_strided_rmsprop", "cnn_maxpool_same_sgd"])
def test_conv_and_pool_forward_match_tf_keras(case):
    ref = np.load(KERAS_REFERENCE)
    weights = [ref[k] for k in sorted(k for k in ref.files if k.startswith(f"{case}/w0/"))]
    pred = _keras_cnn_forward(case, ref[f"{case}/x"], weights)
    np.testing.assert_allclose(pred, ref[f"{case}/pred0"], atol=1e-6)
