"""The backward driver: no_grad, freeing the graph, fan-out, broadcasting, depth, shape checks."""
import numpy as np
import pytest

from chainrule.autodiff import Function, Tensor, is_grad_enabled, no_grad
from chainrule.autodiff.graph import topological_order


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# --- no_grad -----------------------------------------------------------------------------------

def test_no_grad_records_no_graph():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = x * 2.0 + 1.0
    assert y.creator is None
    assert not y.requires_grad
    np.testing.assert_array_equal(y.data, [3.0, 5.0])


def test_no_grad_restores_the_previous_state_even_after_an_error():
    assert is_grad_enabled()
    with pytest.raises(KeyError):
        with no_grad():
            assert not is_grad_enabled()
            raise KeyError("boom")
    assert is_grad_enabled()


def test_nested_no_grad_stays_disabled_until_the_outer_exit():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_ops_on_constants_record_no_graph():
    y = Tensor([1.0]) * 3.0
    assert y.creator is None
    assert not y.requires_grad


# --- freeing and retaining the graph -------------------------------------------------------

def test_backward_frees_the_graph():
    x = leaf(2.0)
    q = x * 3.0
    f = q * q
    fn = f.creator
    f.backward()
    assert f.creator is None
    assert q.creator is None
    assert fn.__dict__ == {}                           # cached operands released


def test_retain_graph_keeps_creators_and_intermediate_grads():
    x = leaf(2.0)
    q = x * 3.0                                        # q = 6
    f = q * q                                          # df/dq = 2q = 12
    f.backward(retain_graph=True)
    assert f.creator is not None
    assert q.creator is not None
    assert q.grad == pytest.approx(12.0)
    assert x.grad == pytest.approx(36.0)               # 12 * 3


def test_topological_order_puts_inputs_before_outputs():
    x = leaf(1.0)
    a = x * 2.0
    b = a + x
    c = b * a
    order = topological_order(c)
    position = {id(t): i for i, t in enumerate(order)}
    assert [id(t) for t in order] == [id(a), id(b), id(c)]   # leaves are not listed
    assert position[id(a)] < position[id(b)] < position[id(c)]


# --- chain rule bookkeeping ----------------------------------------------------------------

def test_fan_out_accumulates():
    x = leaf(3.0)
    y = x * x + x                                      # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == pytest.approx(7.0)


def test_shared_intermediate_gets_the_sum_of_its_uses():
    x = leaf(2.0)
    a = x * 5.0
    y = a * a + a * 3.0                                # dy/da = 2a + 3 = 23, da/dx = 5
    y.backward()
    assert x.grad == pytest.approx(115.0)


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4,)), ((2, 3, 4), (3, 1)),
                                              ((1, 4), (3, 1)), ((3, 4), ())])
def test_broadcast_gradients_are_summed_back_to_the_input_shape(rng, shape_a, shape_b):
    a, b = leaf(rng.standard_normal(shape_a)), leaf(rng.standard_normal(shape_b))
    out = a * b
    gy = rng.standard_normal(out.shape)
    out.backward(gy)
    assert a.grad.shape == shape_a
    assert b.grad.shape == shape_b
    full_b = np.broadcast_to(b.data, out.shape)
    full_a = np.broadcast_to(a.data, out.shape)
    lead_a = tuple(range(out.ndim - len(shape_a)))
    lead_b = tuple(range(out.ndim - len(shape_b)))
    expected_a = (gy * full_b).sum(axis=lead_a)
    expected_b = (gy * full_a).sum(axis=lead_b)
    np.testing.assert_allclose(a.grad, _sum_to(expected_a, shape_a))
    np.testing.assert_allclose(b.grad, _sum_to(expected_b, shape_b))


def _sum_to(g, shape):
    """Sum over axes where `shape` has 1 (leading axes already summed)."""
    axes = tuple(i for i, n in enumerate(shape) if n == 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def test_deep_chain_backpropagates_without_recursion_error():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)


def test_deep_graph_is_freed_without_backward():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y + 1.0
    del y                                              # deallocating a deep chain must not crash
    assert x.grad is None


# --- shape check -----------------------------------------------------------------------------

class SumWithBadBackward(Function):
    """Forward sums; backward forgets to broadcast back, returning a scalar gradient."""

    def forward(self, a):
        return a.sum()

    def backward(self, gy):
        return (gy,)


def test_wrong_gradient_shape_is_named_at_the_op():
    y = SumWithBadBackward()(leaf([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match=r"SumWithBadBackward\.backward returned a gradient "
                                           r"of shape \(\) for an input of shape \(3,\)"):
        y.backward()


def test_second_backward_through_a_freed_graph_is_an_error():
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    z = x * x
    z.backward(retain_graph=True)
    z.backward()                                   # kept graph: gradients accumulate
    assert x.grad == pytest.approx(6.0 + 6.0 + 6.0)
