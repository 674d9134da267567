"""Conv1D: a 2-D convolution over a one-row image, for signals and sequences."""
from __future__ import annotations

from chainrule import ops
from chainrule.layers.convolutional import Conv


def normalize_padding_1d(value) -> str:
    """'valid', 'same' or 'causal' (any case), with Keras' message otherwise."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same", "causal"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of \"valid\", "
                         f"\"same\" (or \"causal\", only for `Conv1D). Received: {value}")
    return padding


class Conv1D(Conv):
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

    rank = 1

    def normalize_padding(self, value) -> str:
        return normalize_padding_1d(value)

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


def conv1d_output_length(n, k: int, stride: int, padding: str, dilation: int = 1):
    """Output steps of Conv1D or a 1-D pooling layer (None stays None)."""
    if n is None:
        return None
    if padding == "causal":
        n, padding = n + (k - 1) * dilation, "valid"
    return ops.conv_output_length(n, k, stride, padding, dilation)
