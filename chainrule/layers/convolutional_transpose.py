"""Conv2DTranspose and SeparableConv2D: Conv2D's arguments, other kernels."""
from __future__ import annotations

from chainrule import initializers, ops
from chainrule.layers.convolutional import Conv2D, normalize_tuple
from chainrule.layers.input_spec import InputSpec


def _channels(layer, input_shape) -> int:
    """The input's channel count, which sizes the kernels; sets the layer's InputSpec."""
    channels = input_shape[-1]
    if channels is None:
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: the channel dimension of the "
                         f"inputs should be defined. Found None in input shape {input_shape}.")
    layer.input_spec = InputSpec(ndim=4, axes={-1: channels})
    return channels


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution (the decoder half of an autoencoder): Conv2D, run backwards.

    Args:
        filters, kernel_size, strides, padding, dilation_rate, activation, use_bias,
            kernel_initializer, bias_initializer, and the regularizers and constraints:
            as in Conv2D.
        output_padding: None, int or (ph, pw); extra rows/columns, each less than its stride.

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, new_rows, new_cols, filters)`, where with dk = (k - 1) * d + 1 and
        no output_padding: 'valid' new = n*s + max(dk - s, 0), 'same' new = n*s; with
        output_padding p: new = (n - 1)*s + dk - 2*pad + p, pad = dk // 2 ('same') or 0.

    The kernel is (kh, kw, filters, channels), Keras' layout for this layer.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, 2, "output_padding", self.name,
                                                  allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"Strides must be greater than output padding. Received "
                                 f"strides={self.strides}, "
                                 f"output_padding={self.output_padding}.")

    def build(self, input_shape):
        channels = _channels(self, input_shape)
        self.kernel = self.add_weight("kernel", (*self.kernel_size, self.filters, channels),
                                      self.kernel_initializer, **self._options("kernel"))
        self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                    **self._options("bias")) if self.use_bias else None

    def call(self, inputs, training=False):
        y = ops.conv2d_transpose(inputs, self.kernel, self.bias, strides=self.strides,
                                 padding=self.padding, output_padding=self.output_padding,
                                 dilation_rate=self.dilation_rate)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        extra = self.output_padding or (None, None)
        size = [None if d is None else ops.deconv_output_length(d, k, s, self.padding, p, dl)
                for d, k, s, p, dl in zip((h, w), self.kernel_size, self.strides, extra,
                                          self.dilation_rate)]
        return (n, *size, self.filters)

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}


class SeparableConv2D(Conv2D):
    """Depthwise then pointwise convolution: a cheap factorised Conv2D (Xception, MobileNet).

    Each input channel is filtered on its own by `depth_multiplier` kh x kw filters
    (`depthwise_kernel`, with the strides, padding and dilation); a 1x1 convolution
    (`pointwise_kernel`) then mixes the channels into `filters` outputs, and `bias` is added.

    Args:
        filters, kernel_size, strides, padding, dilation_rate, activation, use_bias,
            bias_initializer: as in Conv2D.
        depth_multiplier: filters per input channel in the depthwise step.
        depthwise_initializer, pointwise_initializer: initializers of the two kernels.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint: as in Dense.

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, new_rows, new_cols, filters)`, new as in Conv2D.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, **kwargs):
        kwargs.pop("kernel_initializer", None)             # in Keras' config, never used
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, **kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or \
                depth_multiplier <= 0:
            raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a "
                             f"strictly positive value. Received "
                             f"depth_multiplier={depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self._set_weight_options(depthwise_regularizer=depthwise_regularizer,
                                 pointwise_regularizer=pointwise_regularizer,
                                 depthwise_constraint=depthwise_constraint,
                                 pointwise_constraint=pointwise_constraint)

    def build(self, input_shape):
        channels = _channels(self, input_shape)
        self._check_fits(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
            self.depthwise_initializer, **self._options("depthwise"))
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, 1, channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, **self._options("pointwise"))
        self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                    **self._options("bias")) if self.use_bias else None

    def call(self, inputs, training=False):
        y = ops.depthwise_conv2d(inputs, self.depthwise_kernel, strides=self.strides,
                                 padding=self.padding, dilation_rate=self.dilation_rate)
        return self.activation(ops.conv2d(y, self.pointwise_kernel, self.bias))

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                **self._weight_options_config("depthwise_regularizer", "pointwise_regularizer",
                                              "depthwise_constraint", "pointwise_constraint")}
