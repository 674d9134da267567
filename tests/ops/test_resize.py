"""ops.resize: the forward pass equals chainrule.image.resize (tf.image.resize's numbers), the
backward pass is its transpose, checked by float64 central differences for every method."""
import numpy as np
import pytest

from chainrule import image
from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import gradcheck
from chainrule.ops.resize import METHODS, resize, resize_matrix


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [(5, 11), (2, 3)])
def test_forward_is_image_resize(rng, method, size):
    x = rng.uniform(0, 255, (2, 7, 9, 3)).astype(np.float32)
    np.testing.assert_allclose(resize(x, size, method).data, image.resize(x, size, method),
                               rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("method", METHODS)
def test_gradient_matches_central_differences(rng, method):
    x = rng.standard_normal((2, 4, 5, 2))
    assert gradcheck(lambda t: resize(t, (6, 3), method), [x])


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_matrices_reproduce_the_fast_forward(rng, method):
    x = rng.standard_normal((1, 6, 4, 1))
    rows, cols = resize_matrix(method, 6, 9), resize_matrix(method, 4, 3)
    np.testing.assert_allclose(resize(x, (9, 3), method).data[0, :, :, 0],
                               rows @ x[0, :, :, 0] @ cols.T, rtol=1e-6, atol=1e-6)


def test_keeps_the_graph_and_rejects_unknown_methods():
    x = Tensor(np.ones((1, 2, 2, 1), np.float32), requires_grad=True)
    resize(x, (3, 3)).backward(np.ones((1, 3, 3, 1), np.float32))
    np.testing.assert_allclose(x.grad.sum(), 9.0, rtol=1e-6)
    with pytest.raises(ValueError, match="not implemented: 'cubic'"):
        resize(x, (3, 3), "cubic")
