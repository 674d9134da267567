"""Conv1D: a 2-D convolution over a one-row image, for signals and sequences."""
from __future__ import annotations

from chainrule import activations, initializers, ops
from chainrule.layers.convolutional import normalize_tuple
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer
from chainrule.layers.weight_options import KERNEL_AND_BIAS_OPTIONS


def normalize_padding_1d(value) -> str:
    """'valid', 'same' or 'causal' (any case), with Keras' message otherwise."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same", "causal"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of \"valid\", "
                         f"\"same\" (or \"causal\", only for `Conv1D). Received: {value}")
    return padding


class Conv1D(Layer):
    """1-D convolution over (batch, steps, channels) with a (kernel_size, channels, filters) kernel.

    Computed as Conv2D on a (batch, 1, steps, channels) image with a (1, k, channels, filters)
    kernel, so it shares conv2d's forward and backward.

    Args:
        filters: number of output channels.
        kernel_size: int or (k,).
        strides: int or (s,).
        padding: 'valid', 'same', or 'causal' (zeros only before the sequence, so step t
            sees steps <= t: WaveNet's dilated causal convolutions).
        dilation_rate: int or (d,).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in Dense.

    Input shape:  `(batch, steps, channels)`.
    Output shape: `(batch, new_steps, filters)`: 'valid' new = floor((n - dk) / s) + 1,
        'same' new = ceil(n / s), 'causal' new = floor((n - 1) / s) + 1, dk = (k - 1) * d + 1.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters!r}.")
        if data_format not in (None, "channels_last") or groups != 1:
            raise ValueError(f"Conv1D supports data_format='channels_last' and groups=1 only. "
                             f"Received: data_format={data_format!r}, groups={groups!r}")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, 1, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 1, "strides", self.name)
        self.padding = normalize_padding_1d(padding)
        self.dilation_rate = normalize_tuple(dilation_rate, 1, "dilation_rate", self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._set_weight_options(kernel_regularizer=kernel_regularizer,
                                 bias_regularizer=bias_regularizer,
                                 kernel_constraint=kernel_constraint,
                                 bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"Conv1D {self.name!r}: the channel dimension of the inputs should "
                             f"be defined. Found None in input shape {input_shape}.")
        self.kernel = self.add_weight("kernel", (*self.kernel_size, channels, self.filters),
                                      self.kernel_initializer, **self._options("kernel"))
        self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                    **self._options("bias")) if self.use_bias else None
        self.input_spec = InputSpec(ndim=3, axes={-1: channels})

    def call(self, inputs, training=False):
        (k,), (d,), padding = self.kernel_size, self.dilation_rate, self.padding
        if padding == "causal":
            inputs, padding = ops.pad(inputs, ((0, 0), ((k - 1) * d, 0), (0, 0))), "valid"
        n, steps, channels = inputs.shape
        image = ops.reshape(inputs, (n, 1, steps, channels))
        kernel = ops.reshape(self.kernel, (1, k, channels, self.filters))
        y = ops.conv2d(image, kernel, self.bias, strides=(1, self.strides[0]), padding=padding,
                       dilation_rate=(1, d))
        return self.activation(ops.reshape(y, (n, y.shape[2], self.filters)))

    def compute_output_shape(self, input_shape):
        n, steps, _ = input_shape
        return (n, conv1d_output_length(steps, self.kernel_size[0], self.strides[0],
                                        self.padding, self.dilation_rate[0]), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": self.dilation_rate, "groups": 1,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                **self._weight_options_config(*KERNEL_AND_BIAS_OPTIONS)}


def conv1d_output_length(n, k: int, stride: int, padding: str, dilation: int = 1):
    """Output steps of Conv1D or a 1-D pooling layer (None stays None)."""
    if n is None:
        return None
    if padding == "causal":
        n, padding = n + (k - 1) * dilation, "valid"
    return ops.conv_output_length(n, k, stride, padding, dilation)
