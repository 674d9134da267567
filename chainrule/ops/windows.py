"""Where the windows of a convolution or pooling fall: output size, 'same' padding, offsets.

Conv, depthwise conv and pooling all slide a (kh, kw) window with strides (sh, sw) and
dilation (dh, dw) over an (H, W) input. `Windows` holds that geometry once, and `offsets()`
names, for each window offset (a, b), the input pixels it meets across all outputs as one
strided slice per axis: kh*kw slices replace a loop over pixels.
"""
from __future__ import annotations

from dataclasses import dataclass


def conv_output_length(n: int, k: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Output length along one axis: 'valid' floor((n - dk) / s) + 1, 'same' ceil(n / s).

    dk = (k - 1) * dilation + 1 is the dilated kernel's extent.
    """
    if normalize_padding(padding) == "same":
        return -(-n // stride)
    return (n - (k - 1) * dilation - 1) // stride + 1


def same_padding(n: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) zeros for 'same', TensorFlow's rule: an odd extra pixel goes after.

    total = max((ceil(n / s) - 1) * s + dk - n, 0), before = total // 2, after = the rest.
    """
    total = max((-(-n // stride) - 1) * stride + (k - 1) * dilation + 1 - n, 0)
    return total // 2, total - total // 2


def normalize_tuple(value, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of positive ints -> (rows, cols), as Keras' `strides=2` means (2, 2)."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v > 0 for v in pair):
        raise ValueError(
            f"{op} `{name}` must be a positive int or a tuple of 2 positive ints. "
            f"Received: {name}={value!r}"
        )
    return pair


def normalize_padding(padding, op: str = "conv2d") -> str:
    """'valid' or 'same', any case (Keras accepts 'SAME')."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op} `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    return mode


def window(offset: int, stride: int, count: int, dilation: int = 1) -> slice:
    """Positions that kernel offset `offset` touches across `count` outputs, as one slice."""
    start = offset * dilation
    return slice(start, start + stride * (count - 1) + 1, stride)


@dataclass(frozen=True)
class Windows:
    """A (kh, kw) window sliding over an (h, w) input: its outputs, padding and offsets.

    Attributes:
        size, strides, dilation: (rows, cols) pairs.
        oh, ow: output rows and columns (`conv_output_length`).
        pads: (top, bottom, left, right) zeros of 'same' padding (all 0 for 'valid').
    """

    size: tuple[int, int]
    strides: tuple[int, int]
    dilation: tuple[int, int]
    oh: int
    ow: int
    pads: tuple[int, int, int, int]

    @classmethod
    def over(cls, h: int, w: int, size, strides, padding: str, dilation=(1, 1)) -> Windows:
        """The windows of `size` over an (h, w) input with `padding` 'valid' or 'same'."""
        (kh, kw), (sh, sw), (dh, dw) = size, strides, dilation
        oh = conv_output_length(h, kh, sh, padding, dh)
        ow = conv_output_length(w, kw, sw, padding, dw)
        pads = (0, 0, 0, 0)
        if padding == "same":
            pads = same_padding(h, kh, sh, dh) + same_padding(w, kw, sw, dw)
        return cls(tuple(size), tuple(strides), tuple(dilation), oh, ow, pads)

    def offsets(self):
        """(a, b, rows, cols): each window offset and the input pixels it meets, as slices."""
        (kh, kw), (sh, sw), (dh, dw) = self.size, self.strides, self.dilation
        for a in range(kh):
            for b in range(kw):
                yield a, b, window(a, sh, self.oh, dh), window(b, sw, self.ow, dw)

    def pad(self, xp, x, value: float = 0):
        """NHWC `x` with this padding filled with `value` (x itself when there is none)."""
        if not any(self.pads):
            return x
        top, bottom, left, right = self.pads
        return xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)

    def crop(self, g, h: int, w: int):
        """A gradient of the padded input cropped back to the (h, w) input (a view)."""
        top, _, left, _ = self.pads
        return g[:, top:top + h, left:left + w, :]

    def padded_shape(self, shape) -> tuple[int, int, int, int]:
        """The NHWC `shape` of an input with this padding added."""
        n, h, w, c = shape
        top, bottom, left, right = self.pads
        return n, h + top + bottom, w + left + right, c
