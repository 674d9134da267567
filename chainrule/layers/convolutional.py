"""Conv2D: the lecture's feature extractor."""
from __future__ import annotations

from chainrule import activations, initializers, ops
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer
from chainrule.layers.weight_options import KERNEL_AND_BIAS_OPTIONS


def normalize_tuple(value, n: int, arg: str, layer: str, allow_zero: bool = False
                    ) -> tuple[int, ...]:
    """An int or an n-tuple of positive (or, with `allow_zero`, non-negative) ints -> n-tuple,
    with Keras' error otherwise."""
    values = (value,) * n if isinstance(value, int) else tuple(value)
    low = 0 if allow_zero else 1
    if len(values) != n or not all(isinstance(v, int) and v >= low for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer}: the `{arg}` argument must be a tuple of {n} {kind} "
                         f"integers or a single {kind} integer. Received: {arg}={value!r}")
    return values


def normalize_padding(value, layer: str) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: the `padding` argument must be 'valid' or 'same'. "
                         f"Received: padding={value!r}")
    return padding


class Conv(Layer):
    """What Conv1D and Conv2D share: arguments, the (k..., in, filters) kernel, the config.

    A subclass sets `rank` (1 or 2), may override `normalize_padding`, and writes `call` and
    `compute_output_shape`.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters!r}.")
        kind = type(self).__name__
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{kind} supports data_format='channels_last' only. "
                             f"Received: data_format={data_format!r}")
        if groups != 1:
            raise ValueError(f"{kind} supports groups=1 only. Received: groups={groups!r}")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.padding = self.normalize_padding(padding)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate",
                                             self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._set_weight_options(kernel_regularizer=kernel_regularizer,
                                 bias_regularizer=bias_regularizer,
                                 kernel_constraint=kernel_constraint,
                                 bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def normalize_padding(self, value) -> str:
        return normalize_padding(value, self.name)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the channel dimension of the "
                             f"inputs should be defined. Found None in input shape "
                             f"{input_shape}.")
        self.kernel = self.add_weight("kernel", (*self.kernel_size, channels, self.filters),
                                      self.kernel_initializer, **self._options("kernel"))
        self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                    **self._options("bias")) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": self.dilation_rate, "groups": 1,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                **self._weight_options_config(*KERNEL_AND_BIAS_OPTIONS)}


class Conv2D(Conv):
    """2-D convolution (cross-correlation, as Keras) over NHWC images with an HWIO kernel.

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw); default 1.
        padding: 'valid' (no padding) or 'same' (TensorFlow's rule, extra pixel bottom/right).
        dilation_rate: int or (dh, dw).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in Dense.

    Input shape:  `(batch, rows, cols, channels)`.
    Output shape: `(batch, new_rows, new_cols, filters)`, where for 'valid'
        new = floor((n - ((k - 1) * d + 1)) / s) + 1, and for 'same' new = ceil(n / s).
    """

    rank = 2

    def build(self, input_shape):
        super().build(input_shape)
        self._check_fits(input_shape)

    def _check_fits(self, input_shape) -> None:
        out = self.compute_output_shape(input_shape)
        if any(d is not None and d <= 0 for d in out[1:3]):
            raise ValueError(
                f"Conv2D {self.name!r}: input of spatial size {tuple(input_shape[1:3])} is too "
                f"small for kernel_size={self.kernel_size}, strides={self.strides}, "
                f"padding={self.padding!r} (output would be {out[1:3]}).")

    def call(self, inputs, training=False):
        y = ops.conv2d(inputs, self.kernel, self.bias, strides=self.strides,
                       padding=self.padding, dilation_rate=self.dilation_rate)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        size = [None if d is None else ops.conv_output_length(d, k, s, self.padding, dl)
                for d, k, s, dl in zip((h, w), self.kernel_size, self.strides, self.dilation_rate)]
        return (n, *size, self.filters)
