"""ops.projective: the warp of RandomRotation/Zoom/Translation with the graph kept; its
gradient is the exact transpose of the warp, checked by float64 central differences."""
import numpy as np
import pytest

from chainrule.autodiff import Tensor
from chainrule.autodiff.gradcheck import gradcheck
from chainrule.ops import image_transform
from chainrule.ops.projective import projective_transform

MATRICES = np.concatenate([
    image_transform.rotation_matrix([0.3, -1.1], 5, 6),
    image_transform.zoom_matrix([[1.3, 0.7]], 5, 6),
    image_transform.translation_matrix([[7.3, -2.2]])])


@pytest.mark.parametrize("interpolation", image_transform.INTERPOLATIONS)
@pytest.mark.parametrize("mode", image_transform.FILL_MODES)
def test_gradient_matches_central_differences(rng, mode, interpolation):
    x = rng.standard_normal((4, 5, 6, 2))
    assert gradcheck(lambda t: projective_transform(t, MATRICES, mode, 1.5, interpolation), [x])


def test_forward_is_the_warp(rng):
    x = rng.standard_normal((4, 5, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(projective_transform(x, MATRICES, "wrap").data,
                                  image_transform.transform(x, MATRICES, "wrap"))


def test_gradient_is_the_transpose_of_the_warp(rng):
    """<warp(x), g> == <x, warp^T(g)> for random x and g: the adjoint identity."""
    x = Tensor(rng.standard_normal((4, 5, 6, 1)), requires_grad=True)
    g = rng.standard_normal((4, 5, 6, 1))
    y = projective_transform(x, MATRICES, "constant", 0.0)
    y.backward(g)
    np.testing.assert_allclose((y.data * g).sum(), (x.data * x.grad).sum(), rtol=1e-10)


@pytest.mark.parametrize("interpolation", image_transform.INTERPOLATIONS)
@pytest.mark.parametrize("mode", ["reflect", "constant"])
def test_compiled_gradient_has_the_reference_bits(rng, mode, interpolation):
    """The float32 backward on the Numba path (`numba_transform.scatter`) equals NumPy's."""
    import chainrule
    from chainrule.runtime import kernels

    pytest.importorskip("numba")
    x = rng.standard_normal((4, 5, 6, 3)).astype(np.float32)
    g = rng.standard_normal((4, 5, 6, 3)).astype(np.float32)
    grads, default = [], chainrule.config.kernels()
    for path in ("numpy", "numba"):
        chainrule.config.set_kernels(path)
        t = Tensor(x, requires_grad=True)
        projective_transform(t, MATRICES, mode, 0.0, interpolation).backward(g)
        grads.append(t.grad)
    assert kernels.compiled(np, image_transform.LOOPS) is not None
    chainrule.config.set_kernels(default)
    assert grads[1].dtype == np.float32
    np.testing.assert_array_equal(grads[0], grads[1])
