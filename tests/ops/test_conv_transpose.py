"""conv2d_transpose: gradient checks, Keras' output lengths, and the adjoint of conv2d."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import check_grad

CASES = [dict(strides=1), dict(strides=2, padding="same"), dict(strides=(2, 1)),
         dict(strides=3, padding="same"), dict(dilation_rate=2),
         dict(strides=2, padding="same", output_padding=1), dict(strides=2, output_padding=1)]


@pytest.mark.parametrize("kwargs", CASES)
def test_conv2d_transpose_gradients_match_finite_differences(rng, kwargs):
    x = rng.standard_normal((2, 4, 5, 3))
    w = rng.standard_normal((3, 2, 2, 3))               # (kh, kw, filters, in_channels)
    b = rng.standard_normal(2)
    check_grad(lambda x, w, b: ops.conv2d_transpose(x, w, b, **kwargs), (x, w, b))


@pytest.mark.parametrize("stride, padding", [(1, "valid"), (2, "valid"), (2, "same"),
                                             (3, "same")])
def test_conv2d_transpose_is_the_input_gradient_of_conv2d(rng, stride, padding):
    """<conv2d(x, w), y> == <x, conv2d_transpose(y, w')> for the same kernel: an adjoint."""
    x = Tensor(rng.standard_normal((1, 6, 6, 2)), requires_grad=True)
    w = rng.standard_normal((3, 3, 2, 4))               # conv2d: (kh, kw, in, out)
    y = ops.conv2d(x, w, strides=stride, padding=padding)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    back = ops.conv2d_transpose(gy, w, strides=stride, padding=padding).data  # w read as HW(f)(c)
    m = min(back.shape[1], 6)                           # rows a 'valid' stride never reached
    np.testing.assert_allclose(back[:, :m, :m], x.grad[:, :m, :m], rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(x.grad[:, m:], 0)


@pytest.mark.parametrize("n, k, s, padding, extra, expected", [
    (4, 3, 2, "same", None, 8), (4, 3, 2, "valid", None, 9), (4, 1, 3, "valid", None, 12),
    (4, 3, 2, "same", 0, 7), (4, 3, 2, "valid", 1, 10), (5, 2, 1, "valid", None, 6)])
def test_deconv_output_length(n, k, s, padding, extra, expected):
    assert ops.deconv_output_length(n, k, s, padding, extra) == expected


def test_conv2d_transpose_checks_shapes_and_arguments():
    with pytest.raises(ValueError, match="matching in_channels"):
        ops.conv2d_transpose(np.zeros((1, 3, 3, 2)), np.zeros((3, 3, 4, 5)))
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        ops.conv2d_transpose(np.zeros((1, 3, 3, 2)), np.zeros((3, 3, 4, 2)), padding="full")
    with pytest.raises(ValueError, match="strides"):
        ops.conv2d_transpose(np.zeros((1, 3, 3, 2)), np.zeros((3, 3, 4, 2)), strides=0)
