"""DepthwiseConv2D: the per-channel spatial filter of MobileNet's separable convolutions."""
from __future__ import annotations

from chainrule import activations, initializers, ops
from chainrule.layers.convolutional import normalize_padding, normalize_tuple
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer


class DepthwiseConv2D(Layer):
    """Depthwise 2-D convolution: each input channel is filtered on its own, without mixing.

    Input channel c gets `depth_multiplier` filters of its own, giving output channels
    c * depth_multiplier + m (TensorFlow's order). Followed by a 1x1 Conv2D this is a
    depthwise-separable convolution, far cheaper than a full one.

    Args:
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw); default 1.
        padding: 'valid' (no padding) or 'same' (TensorFlow's rule, extra pixel bottom/right).
        depth_multiplier: filters per input channel; output channels = channels * this.
        dilation_rate: int or (dh, dw).
        activation: activation name or callable; None means linear.
        use_bias: whether to add a learned bias per output channel.
        depthwise_initializer: initializer of `depthwise_kernel`, shape (kh, kw, channels,
            depth_multiplier).
        bias_initializer: initializer of `bias`, shape (channels * depth_multiplier,).
        depthwise_regularizer, bias_regularizer, depthwise_constraint, bias_constraint:
            penalties on (and projections of) the two weights, as in Dense.
        activity_regularizer: a penalty on the output (see `Layer`).

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, new_rows, new_cols, channels * depth_multiplier)`, where for
        'valid' new = floor((n - ((k - 1) * d + 1)) / s) + 1, and for 'same' new = ceil(n / s).

    >>> import numpy as np
    >>> layer = DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2)
    >>> layer(np.ones((1, 7, 8, 3))).shape, layer.count_params()     # 3*3*3*2 + 6
    ((1, 4, 4, 6), 60)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        groups = kwargs.pop("groups", 1)         # in Keras' config; anything else is an error
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_weight_options(depthwise_regularizer=depthwise_regularizer,
                                 bias_regularizer=bias_regularizer,
                                 depthwise_constraint=depthwise_constraint,
                                 bias_constraint=bias_constraint)
        _check_arguments(depth_multiplier, data_format, groups)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 2, "strides", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.depth_multiplier = depth_multiplier
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs to `DepthwiseConv` should be "
                             f"defined. The input_shape received is {tuple(input_shape)}, where "
                             f"axis -1 is the channel dimension, which found to be `None`.")
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
            self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.bias = self.add_weight(
            "bias", (channels * self.depth_multiplier,), self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})
        out = self.compute_output_shape(input_shape)
        if any(d is not None and d <= 0 for d in out[1:3]):
            raise ValueError(
                f"DepthwiseConv2D {self.name!r}: input of spatial size "
                f"{tuple(input_shape[1:3])} is too small for kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r} (output would be {out[1:3]}).")

    def call(self, inputs, training=False):
        y = ops.depthwise_conv2d(inputs, self.depthwise_kernel, self.bias, strides=self.strides,
                                 padding=self.padding, dilation_rate=self.dilation_rate)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        size = [None if d is None else ops.conv_output_length(d, k, s, self.padding, dl)
                for d, k, s, dl in zip((h, w), self.kernel_size, self.strides, self.dilation_rate)]
        return (n, *size, None if c is None else c * self.depth_multiplier)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "data_format": "channels_last", "dilation_rate": self.dilation_rate,
                "groups": 1, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                **self._weight_options_config("bias_regularizer", "activity_regularizer",
                                              "bias_constraint"),
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                **self._weight_options_config("depthwise_regularizer", "depthwise_constraint")}


def _check_arguments(depth_multiplier, data_format, groups) -> None:
    if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) \
            or depth_multiplier <= 0:
        raise ValueError(f"DepthwiseConv2D expects `depth_multiplier` to be a positive int. "
                         f"Received: depth_multiplier={depth_multiplier!r}")
    if data_format not in (None, "channels_last"):
        raise ValueError("DepthwiseConv2D supports data_format='channels_last' only (NHWC). "
                         f"Received: data_format={data_format!r}")
    if groups != 1:
        raise ValueError(f"DepthwiseConv2D has one group per input channel by construction; "
                         f"`groups` must be 1. Received: groups={groups!r}")
