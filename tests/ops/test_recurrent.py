"""Recurrent ops: float64 gradient checks of backprop through time, and the step equations."""
import numpy as np
import pytest

from chainrule import ops
from chainrule.autodiff.gradcheck import check_grad
from chainrule.ops import recurrent


def _weights(rng, features, units, gates):
    return (rng.standard_normal((features, gates * units)) * 0.5,
            rng.standard_normal((units, gates * units)) * 0.5)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_simple_rnn_gradient_matches_finite_differences(rng, activation):
    w, u = _weights(rng, 3, 4, 1)
    x, h0, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4)), rng.standard_normal(4)
    check_grad(lambda *a: recurrent.simple_rnn(*a, activation=activation), (x, h0, w, u, b))


@pytest.mark.parametrize("ract", ["sigmoid", "hard_sigmoid"])
def test_lstm_gradient_matches_finite_differences(rng, ract):
    w, u = _weights(rng, 3, 4, 4)
    x, b = rng.standard_normal((2, 5, 3)), rng.standard_normal(16)
    h0, c0 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    check_grad(lambda *a: recurrent.lstm(*a, recurrent_activation=ract), (x, h0, c0, w, u, b))


def test_gru_gradient_matches_finite_differences(rng):
    w, u = _weights(rng, 3, 4, 3)
    x, h0, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4)), \
        rng.standard_normal((2, 12))
    check_grad(recurrent.gru, (x, h0, w, u, b))


def test_lstm_one_step_follows_the_gate_equations(rng):
    w, u = _weights(rng, 3, 2, 4)
    x, b = rng.standard_normal((1, 1, 3)), rng.standard_normal(8)
    h0, c0 = rng.standard_normal((1, 2)), rng.standard_normal((1, 2))
    z = x[:, 0] @ w + h0 @ u + b
    sig = 1 / (1 + np.exp(-z))
    c = sig[:, 2:4] * c0 + sig[:, 0:2] * np.tanh(z[:, 4:6])
    h = sig[:, 6:8] * np.tanh(c)
    out = recurrent.lstm(x, h0, c0, w, u, b).data
    np.testing.assert_allclose(out[:, 0], np.concatenate([h, c], axis=-1), rtol=1e-12)


def test_recurrent_ops_keep_float32(rng):
    w, u = (a.astype(np.float32) for a in _weights(rng, 3, 4, 4))
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    s = np.zeros((2, 4), np.float32)
    assert recurrent.lstm(x, s, s, w, u, np.zeros(16, np.float32)).dtype == np.float32


def test_unknown_activation_names_what_is_supported():
    with pytest.raises(ValueError, match="Received: activation='selu'"):
        recurrent.activation_pair("selu")


def test_ops_namespace_exports_the_cells():
    assert ops.lstm is recurrent.lstm and ops.gru is recurrent.gru
