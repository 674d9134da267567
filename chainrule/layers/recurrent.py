"""Recurrent layers: SimpleRNN, LSTM and GRU over (batch, time, features) sequences.

The whole sequence goes through one recurrent op (`chainrule.ops.recurrent`), whose backward
is backprop through time; the layer only creates Keras' weights, picks the outputs Keras
returns (`return_sequences`, `return_state`) and reverses time for `go_backwards` (the
outputs then stay in reversed order, as in Keras). Weights are named as Keras 2 names them,
after the layer's cell ('lstm/lstm_cell/kernel:0'), so .h5 files have Keras' layout.
"""
from __future__ import annotations

import numpy as np

from chainrule import activations, initializers, ops
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer, to_snake_case
from chainrule.layers.symbolic import SymbolicTensor
from chainrule.ops.recurrent import activation_pair


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: arguments, output selection, config.

    Subclasses set `gates` (blocks of `units` columns in the kernels), `state_count`, and
    implement `_run(x, states, bias) -> (sequence of h, final states)`.
    """

    gates = 1
    state_count = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, dropout=0.0,
                 recurrent_dropout=0.0, time_major=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.")
        _reject_unsupported(stateful, dropout, recurrent_dropout, time_major)
        self.units, self.use_bias, self.unroll = units, bool(use_bias), bool(unroll)
        self.activation = self._activation_name(activation, "activation")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.input_spec = InputSpec(ndim=3)

    @staticmethod
    def _activation_name(identifier, argument: str) -> str:
        name = activations.serialize(activations.get(identifier))
        try:
            activation_pair(name)
        except ValueError:
            raise ValueError(f"chainrule's recurrent layers support `{argument}` in "
                             f"['hard_sigmoid', 'linear', 'relu', 'sigmoid', 'tanh']. "
                             f"Received: {argument}={identifier!r}") from None
        return name

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"Layer {self.name!r} needs the last axis (features) of its input "
                             f"to be known. Received: input_shape={tuple(input_shape)}")
        width, cell = self.gates * self.units, to_snake_case(type(self).__name__ + "Cell")
        self.kernel = self.add_weight(f"{cell}/kernel", (features, width),
                                      self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(f"{cell}/recurrent_kernel", (self.units, width),
                                                self.recurrent_initializer)
        self.bias = self.add_weight(f"{cell}/bias", self._bias_shape(), self._bias_init()) \
            if self.use_bias else None

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, SymbolicTensor) and (self.return_state or
                                                   kwargs.get("initial_state") is not None):
            raise ValueError(f"Layer {self.name!r}: return_state=True and initial_state on "
                             f"symbolic inputs need layers with several inputs or outputs, "
                             f"which chainrule's functional models do not support yet. Call "
                             f"the layer on arrays (eagerly, or in a subclassed model's call).")
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, initial_state=None, training=False):
        x = ops.getitem(inputs, (slice(None), slice(None, None, -1))) \
            if self.go_backwards else inputs
        states = self._initial_states(x, initial_state)
        bias = self.bias if self.bias is not None else np.zeros(
            self._bias_shape(), dtype=self.dtype)
        sequence, final = self._run(x, states, bias)
        output = sequence if self.return_sequences else final[0]
        return [output, *final] if self.return_state else output

    def _initial_states(self, x, initial_state) -> list:
        if initial_state is None:
            zeros = np.zeros((x.shape[0], self.units), dtype=self.dtype)
            return [zeros] * self.state_count
        states = list(initial_state) if isinstance(initial_state, list | tuple) \
            else [initial_state]
        if len(states) != self.state_count:
            raise ValueError(f"Layer {self.name!r} expects {self.state_count} initial "
                             f"state(s), but received {len(states)}.")
        return [self._autocast(s) for s in states]

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.state_count
        return out

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll,
                "time_major": False, "dropout": 0.0, "recurrent_dropout": 0.0}


def _reject_unsupported(stateful, dropout, recurrent_dropout, time_major) -> None:
    if time_major:
        raise ValueError("time_major=True is not supported: inputs are (batch, timesteps, "
                         "features). Received: time_major=True")
    if stateful:
        raise ValueError("stateful=True is not supported by chainrule's recurrent layers. "
                         "Received: stateful=True")
    if dropout or recurrent_dropout:
        raise ValueError(f"dropout and recurrent_dropout inside recurrent layers are not "
                         f"supported yet; put a Dropout layer before or after instead. "
                         f"Received: dropout={dropout}, recurrent_dropout={recurrent_dropout}")


class SimpleRNN(_Recurrent):
    """Fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    Args:
        units: positive int, size of the state and of the output's last axis.
        activation: 'tanh' (default), 'relu', 'sigmoid', 'hard_sigmoid' or 'linear'.
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer: as Keras.
        return_sequences: return h for every step instead of the last one.
        return_state: also return the final state (eager calls only).
        go_backwards: read the sequence from its end.

    Input shape:  `(batch, timesteps, features)`.
    Output shape: `(batch, timesteps, units)` with return_sequences, else `(batch, units)`.
    """

    def _run(self, x, states, bias):
        seq = ops.simple_rnn(x, states[0], self.kernel, self.recurrent_kernel, bias,
                             activation=self.activation)
        return seq, [ops.getitem(seq, (slice(None), -1))]


class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber), Keras' gate order (i, f, c, o).

    Args:
        units: positive int, size of the states and of the output's last axis.
        activation: for the cell candidate and the output (default 'tanh').
        recurrent_activation: for the gates i, f, o (default 'sigmoid').
        unit_forget_bias: start the forget gate's bias at 1 (Keras' default True).
        Other arguments: as `SimpleRNN`; return_state adds [h, c].

    Input shape:  `(batch, timesteps, features)`.
    Output shape: `(batch, timesteps, units)` with return_sequences, else `(batch, units)`.
    """

    gates = 4
    state_count = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.implementation = implementation     # Keras' speed choice; same numbers
        self.recurrent_activation = self._activation_name(recurrent_activation,
                                                          "recurrent_activation")
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return _ForgetBias(self.bias_initializer, self.units)

    def _run(self, x, states, bias):
        both = ops.lstm(x, states[0], states[1], self.kernel, self.recurrent_kernel, bias,
                        activation=self.activation,
                        recurrent_activation=self.recurrent_activation)
        seq = ops.getitem(both, (Ellipsis, slice(0, self.units)))
        last = ops.getitem(both, (slice(None), -1))
        return seq, [ops.getitem(last, (Ellipsis, slice(0, self.units))),
                     ops.getitem(last, (Ellipsis, slice(self.units, None)))]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation,
                "unit_forget_bias": self.unit_forget_bias, "implementation": self.implementation}


class _ForgetBias(initializers.Initializer):
    """Keras' unit_forget_bias: the base initializer for i, c, o and ones for f."""

    def __init__(self, base, units: int):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        blocks = [np.asarray(self.base((self.units,), dtype=dtype)) for _ in range(4)]
        blocks[1] = np.ones((self.units,), dtype=blocks[0].dtype)
        return np.concatenate(blocks)


class GRU(_Recurrent):
    """Gated recurrent unit, Keras 2's default variant (reset_after=True, gates z, r, h).

    Args:
        units: positive int, size of the state and of the output's last axis.
        activation: for the candidate state (default 'tanh').
        recurrent_activation: for the update and reset gates (default 'sigmoid').
        reset_after: only True (Keras 2's default, cuDNN-compatible) is implemented.
        Other arguments: as `SimpleRNN`; return_state adds the final h.

    Input shape:  `(batch, timesteps, features)`.
    Output shape: `(batch, timesteps, units)` with return_sequences, else `(batch, units)`.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, implementation=2, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.implementation = implementation     # Keras' speed choice; same numbers
        if not reset_after:
            raise ValueError("GRU(reset_after=False) is not implemented; Keras 2's default "
                             "reset_after=True is. Received: reset_after=False")
        self.recurrent_activation = self._activation_name(recurrent_activation,
                                                          "recurrent_activation")
        self.reset_after = True

    def _bias_shape(self) -> tuple:
        return (2, self.gates * self.units)

    def _run(self, x, states, bias):
        seq = ops.gru(x, states[0], self.kernel, self.recurrent_kernel, bias,
                      activation=self.activation,
                      recurrent_activation=self.recurrent_activation)
        return seq, [ops.getitem(seq, (slice(None), -1))]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation,
                "reset_after": True, "implementation": self.implementation}
