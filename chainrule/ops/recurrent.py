"""Recurrent cells run over a whole sequence: one Function per cell type, backprop through time.

Each op takes the full input sequence `x` of shape (batch, time, features), the initial
state(s) and the cell's weights, and loops over time in `forward`, caching per step the gate
values that are their own local gradients (for sigmoid, y * (1 - y); for tanh, 1 - y**2).
`backward` walks the steps in reverse, carrying the gradient of the state from step t to step
t - 1: at each step, upstream (what reaches h_t from the output and from step t + 1) times the
local gradient of that step. The input projection x @ kernel is one matmul over all steps,
and so is its gradient. The steps' products are small (batch x units), where BLAS' own
threads cost more than they give, so the ops run BLAS single-threaded (`runtime.blas`).

Gate orders and weight layouts are Keras': LSTM (i, f, c, o), GRU (z, r, h) with
`reset_after=True` (bias shape (2, 3 * units): input bias, recurrent bias).
"""
from __future__ import annotations

from chainrule.autodiff.function import Function
from chainrule.backend import get_array_module
from chainrule.runtime import blas


def _sigmoid(z):
    xp = get_array_module(z)
    return 1.0 / (1.0 + xp.exp(-z))


def _hard_sigmoid(z):
    xp = get_array_module(z)
    return xp.clip(0.2 * z + 0.5, 0.0, 1.0)


# name -> (activation, its derivative written through its output y)
ACTIVATIONS = {
    "tanh": (lambda z: get_array_module(z).tanh(z), lambda y: 1.0 - y * y),
    "sigmoid": (_sigmoid, lambda y: y * (1.0 - y)),
    "hard_sigmoid": (_hard_sigmoid, lambda y: 0.2 * ((y > 0.0) & (y < 1.0)).astype(y.dtype)),
    "relu": (lambda z: get_array_module(z).maximum(z, 0.0), lambda y: (y > 0.0).astype(y.dtype)),
    "linear": (lambda z: z, lambda y: 1.0 + 0.0 * y),
}


def activation_pair(name: str):
    """(activation, derivative-from-output) for `name`; a clear error for anything else."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Recurrent layers support the activations {sorted(ACTIVATIONS)} "
                         f"(their derivative is needed inside backprop through time). "
                         f"Received: activation={name!r}")
    return ACTIVATIONS[name]


def _input_gradients(x, kernel, dz_all):
    """Gradients of x @ kernel from the per-step pre-activation gradients (batch, time, k)."""
    dx = dz_all @ kernel.T
    dkernel = x.reshape(-1, x.shape[-1]).T @ dz_all.reshape(-1, dz_all.shape[-1])
    return dx, dkernel.astype(kernel.dtype)


class _SequenceFunction(Function):
    """A Function whose forward and backward loop over time with BLAS on one thread."""

    def __call__(self, *inputs):
        with blas.single_threaded():
            return super().__call__(*inputs)

    def backward(self, gy):
        with blas.single_threaded():
            return self.backward_through_time(gy)


class SimpleRNNOp(_SequenceFunction):
    """h_t = act(x_t @ W + h_{t-1} @ U + b), every h_t returned: (batch, time, units).

    Local rule at step t: dz_t = dh_t * act'(h_t); dh_{t-1} = dz_t @ U^T carries on.
    """

    def __init__(self, activation: str = "tanh"):
        self.act, self.dact = activation_pair(activation)

    def forward(self, x, h0, kernel, recurrent_kernel, bias):
        xp = get_array_module(x)
        xw = x @ kernel + bias
        hs = xp.empty((x.shape[0], x.shape[1] + 1, h0.shape[-1]), dtype=x.dtype)
        hs[:, 0] = h0
        for t in range(x.shape[1]):
            hs[:, t + 1] = self.act(xw[:, t] + hs[:, t] @ recurrent_kernel)
        self.x, self.hs, self.w, self.u = x, hs, kernel, recurrent_kernel
        return hs[:, 1:]

    def backward_through_time(self, gy):
        xp = get_array_module(gy)
        dz_all = xp.empty_like(gy)
        dh = xp.zeros_like(gy[:, 0])
        du = xp.zeros_like(self.u)
        for t in reversed(range(gy.shape[1])):
            dz = (gy[:, t] + dh) * self.dact(self.hs[:, t + 1])
            du += self.hs[:, t].T @ dz
            dh = dz @ self.u.T
            dz_all[:, t] = dz
        dx, dw = _input_gradients(self.x, self.w, dz_all)
        return dx, dh, dw, du, dz_all.sum(axis=(0, 1))


def simple_rnn(x, h0, kernel, recurrent_kernel, bias, activation: str = "tanh"):
    """Run a SimpleRNN cell over `x` (batch, time, features). See `SimpleRNNOp`."""
    return SimpleRNNOp(activation)(x, h0, kernel, recurrent_kernel, bias)


class LSTMOp(_SequenceFunction):
    """Keras' LSTM over a sequence; returns h and c of every step side by side.

    Output shape (batch, time, 2 * units): [..., :units] is h_t, [..., units:] is c_t.
    With z = x_t @ W + h_{t-1} @ U + b split into gates (i, f, c, o):
        i, f, o = ract(z_i), ract(z_f), ract(z_o);  g = act(z_c)
        c_t = f * c_{t-1} + i * g;                   h_t = o * act(c_t)
    """

    def __init__(self, activation: str = "tanh", recurrent_activation: str = "sigmoid"):
        self.act, self.dact = activation_pair(activation)
        self.ract, self.dract = activation_pair(recurrent_activation)

    def forward(self, x, h0, c0, kernel, recurrent_kernel, bias):
        xp = get_array_module(x)
        batch, steps, units = x.shape[0], x.shape[1], h0.shape[-1]
        xw = x @ kernel + bias
        self.gates = xp.empty((steps, 4, batch, units), dtype=x.dtype)
        self.hs = xp.empty((steps + 1, batch, units), dtype=x.dtype)
        self.cs = xp.empty((steps + 1, batch, units), dtype=x.dtype)
        self.hs[0], self.cs[0] = h0, c0
        for t in range(steps):
            self._step(t, xw[:, t] + self.hs[t] @ recurrent_kernel)
        self.x, self.w, self.u = x, kernel, recurrent_kernel
        both = xp.concatenate([self.hs[1:], self.cs[1:]], axis=-1)
        return both.transpose(1, 0, 2)

    def _step(self, t: int, z) -> None:
        zi, zf, zc, zo = (z[:, k * self.hs.shape[-1]:(k + 1) * self.hs.shape[-1]]
                          for k in range(4))
        i, f, g, o = self.ract(zi), self.ract(zf), self.act(zc), self.ract(zo)
        self.gates[t] = (i, f, g, o)
        self.cs[t + 1] = f * self.cs[t] + i * g
        self.hs[t + 1] = o * self.act(self.cs[t + 1])

    def backward_through_time(self, gy):
        xp = get_array_module(gy)
        units = self.hs.shape[-1]
        gh, gc = gy[..., :units], gy[..., units:]
        dz_all = xp.empty(gy.shape[:2] + (4 * units,), dtype=gy.dtype)
        dh, dc = xp.zeros_like(self.hs[0]), xp.zeros_like(self.cs[0])
        du = xp.zeros_like(self.u)
        for t in reversed(range(gy.shape[1])):
            dz, dc = self._step_back(t, gh[:, t] + dh, gc[:, t] + dc)
            du += self.hs[t].T @ dz
            dh = dz @ self.u.T
            dz_all[:, t] = dz
        dx, dw = _input_gradients(self.x, self.w, dz_all)
        return dx, dh, dc, dw, du, dz_all.sum(axis=(0, 1))

    def _step_back(self, t: int, dh, dc):
        """Upstream (dh, dc) at step t -> (gradient of z_t, gradient of c_{t-1})."""
        i, f, g, o = self.gates[t]
        act_c = self.act(self.cs[t + 1])
        dc = dc + dh * o * self.dact(act_c)
        dz = (dc * g * self.dract(i), dc * self.cs[t] * self.dract(f),
              dc * i * self.dact(g), dh * act_c * self.dract(o))
        return get_array_module(dh).concatenate(dz, axis=-1), dc * f


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, activation: str = "tanh",
         recurrent_activation: str = "sigmoid"):
    """Run an LSTM cell over `x` (batch, time, features). See `LSTMOp`.

    >>> import numpy as np
    >>> x, s = np.ones((1, 3, 2)), np.zeros((1, 1))
    >>> lstm(x, s, s, np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4)).shape
    (1, 3, 2)
    """
    return LSTMOp(activation, recurrent_activation)(x, h0, c0, kernel, recurrent_kernel, bias)


class GRUOp(_SequenceFunction):
    """Keras' GRU with reset_after=True over a sequence; every h_t: (batch, time, units).

    With x_t @ W + b_in = (xz, xr, xh) and h_{t-1} @ U + b_rec = (rz, rr, rh):
        z = ract(xz + rz);  r = ract(xr + rr);  n = act(xh + r * rh)
        h_t = z * h_{t-1} + (1 - z) * n
    `bias` has shape (2, 3 * units): row 0 the input bias, row 1 the recurrent bias.
    """

    def __init__(self, activation: str = "tanh", recurrent_activation: str = "sigmoid"):
        self.act, self.dact = activation_pair(activation)
        self.ract, self.dract = activation_pair(recurrent_activation)

    def forward(self, x, h0, kernel, recurrent_kernel, bias):
        xp = get_array_module(x)
        steps, units = x.shape[1], h0.shape[-1]
        xw = x @ kernel + bias[0]
        self.hs = xp.empty((steps + 1,) + h0.shape, dtype=x.dtype)
        self.cache = xp.empty((steps, 4) + h0.shape, dtype=x.dtype)   # z, r, n, rh
        self.hs[0] = h0
        for t in range(steps):
            rec = self.hs[t] @ recurrent_kernel + bias[1]
            xz, xr, xh = (xw[:, t, k * units:(k + 1) * units] for k in range(3))
            z = self.ract(xz + rec[:, :units])
            r = self.ract(xr + rec[:, units:2 * units])
            n = self.act(xh + r * rec[:, 2 * units:])
            self.cache[t] = (z, r, n, rec[:, 2 * units:])
            self.hs[t + 1] = z * self.hs[t] + (1.0 - z) * n
        self.x, self.w, self.u = x, kernel, recurrent_kernel
        return self.hs[1:].transpose(1, 0, 2)

    def backward_through_time(self, gy):
        xp = get_array_module(gy)
        dx_all = xp.empty(gy.shape[:2] + (3 * gy.shape[-1],), dtype=gy.dtype)
        drec_all = xp.empty_like(dx_all)
        dh = xp.zeros_like(self.hs[0])
        du = xp.zeros_like(self.u)
        for t in reversed(range(gy.shape[1])):
            dxz, drec, dh_direct = self._step_back(t, gy[:, t] + dh)
            du += self.hs[t].T @ drec
            dh = dh_direct + drec @ self.u.T
            dx_all[:, t], drec_all[:, t] = dxz, drec
        dx, dw = _input_gradients(self.x, self.w, dx_all)
        dbias = xp.stack([dx_all.sum(axis=(0, 1)), drec_all.sum(axis=(0, 1))])
        return dx, dh, dw, du, dbias

    def _step_back(self, t: int, dh):
        """Upstream dh at step t -> (input-side gate grads, recurrent-side grads, dh direct)."""
        xp = get_array_module(dh)
        z, r, n, rh = self.cache[t]
        dn = dh * (1.0 - z) * self.dact(n)
        dz = dh * (self.hs[t] - n) * self.dract(z)
        dr = dn * rh * self.dract(r)
        return (xp.concatenate([dz, dr, dn], axis=-1),
                xp.concatenate([dz, dr, dn * r], axis=-1), dh * z)


def gru(x, h0, kernel, recurrent_kernel, bias, activation: str = "tanh",
        recurrent_activation: str = "sigmoid"):
    """Run a GRU cell (reset_after=True) over `x` (batch, time, features). See `GRUOp`."""
    return GRUOp(activation, recurrent_activation)(x, h0, kernel, recurrent_kernel, bias)
