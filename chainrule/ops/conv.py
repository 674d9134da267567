"""2-D convolution, NHWC input and HWIO kernel, as im2col + one GEMM per batch chunk.

im2col copies each of the kh*kw kernel offsets as one strided slice into a
(batch, OH, OW, kh, kw, C) buffer, whose rows line up with a Keras HWIO kernel reshaped to
(kh*kw*C, out), so neither side needs a transpose. The batch is processed a few images at a
time: the patch buffer stays cache-sized and is reused, and backward rebuilds it per chunk
instead of keeping the whole im2col (382 MB for the lecture's conv2) alive between passes.
The chunks run on `config.op_threads()` threads (see `runtime.threads.map_chunks`), each thread
with its own patch buffer.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.autodiff.function import Function
from chainrule.autodiff.tensor import Tensor
from chainrule.backend import get_array_module
from chainrule.runtime import buffers
from chainrule.runtime.batch import batch_chunks
from chainrule.runtime.kernels import compiled
from chainrule.runtime.threads import map_chunks

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

LOOPS = "chainrule.ops.numba_kernels"  # compiled im2col and col2im (Numba), optional


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


class Conv2D(Function):
    """y[n, i, j, o] = sum_{a,b,c} x_pad[n, i*sh + a*dh, j*sw + b*dw, c] * w[a, b, c, o] + b[o]."""

    def __init__(self, strides=1, padding: str = "valid", dilation_rate=1):
        self.strides = normalize_tuple(strides, "strides", "conv2d")
        self.padding = normalize_padding(padding)
        self.dilation = normalize_tuple(dilation_rate, "dilation_rate", "conv2d")

    def forward(self, x, kernel, bias=None):
        self._setup(x, kernel, bias)
        xp = get_array_module(x)
        out = buffers.empty((x.shape[0], self.oh, self.ow, self.cout), self.dtype, xp)
        w2d = kernel.reshape(-1, self.cout).astype(self.dtype, copy=False)

        def chunk(lo, hi, scratch):
            y2d = out[lo:hi].reshape(-1, self.cout)        # a view: out[lo:hi] is contiguous
            xp.matmul(self._im2col(x[lo:hi], scratch), w2d, out=y2d)
            if bias is not None:
                y2d += bias                                # while the chunk is still in cache

        map_chunks(chunk, self.chunks, self._new_scratch)
        self.x, self.kernel, self.has_bias = x, kernel, bias is not None
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = xp.ascontiguousarray(gy, dtype=self.dtype)
        want_x, want_w = self._wants(0), self._wants(1)
        gx = buffers.empty(self.x.shape, self.dtype, xp) if want_x else None
        w2d = self.kernel.reshape(-1, self.cout).astype(self.dtype, copy=False)

        def chunk(lo, hi, scratch):
            gy2d = gy[lo:hi].reshape(-1, self.cout)
            gw = self._im2col(self.x[lo:hi], scratch).T @ gy2d if want_w else None  # cols^T gy
            if want_x:
                cols = xp.matmul(gy2d, w2d.T, out=_rows(scratch, hi - lo))  # dL/dcols = gy W^T
                self._col2im(cols, gx[lo:hi])
            return gy2d.sum(axis=0), gw                      # dL/db = gy summed over pixels

        gb = xp.zeros(self.cout, dtype=self.dtype)
        gw = xp.zeros((self.kernel[..., 0].size, self.cout), dtype=self.dtype) if want_w else None
        for part_b, part_w in map_chunks(chunk, self.chunks, self._new_scratch):
            gb += part_b                                     # in chunk order, for any threads
            if want_w:
                gw += part_w
        gw = gw.reshape(self.kernel.shape).astype(self.kernel.dtype, copy=False) if want_w else None
        return (gx, gw, gb) if self.has_bias else (gx, gw)

    def _setup(self, x, kernel, bias) -> None:
        """Validate shapes; fix output size, padding, chunking and the scratch buffer."""
        _check_shapes(x, kernel, bias)
        xp = get_array_module(x)
        (n, h, w, c), (kh, kw, _, self.cout) = x.shape, kernel.shape
        self.kh, self.kw, self.dtype = kh, kw, xp.result_type(x.dtype, kernel.dtype)
        self.oh, self.ow = self._out_len(h, kh, 0), self._out_len(w, kw, 1)
        if self.oh <= 0 or self.ow <= 0:
            raise ValueError(
                f"conv2d: input {(h, w)} is smaller than the dilated kernel with padding='valid'. "
                f"Received x.shape={x.shape}, kernel.shape={kernel.shape}, "
                f"dilation_rate={self.dilation}. Use padding='same' or a larger input."
            )
        self.pads = self._pads(h, kh, 0) + self._pads(w, kw, 1)
        image_bytes = self.oh * self.ow * kh * kw * c * self.dtype.itemsize
        self.chunks = batch_chunks(n, image_bytes)
        chunk = max((hi - lo for lo, hi in self.chunks), default=0)
        self.scratch_shape, self.xp = (chunk, self.oh, self.ow, kh, kw, c), xp
        self.fast = compiled(xp, LOOPS)                     # Numba glue loops, or None for NumPy's

    def _new_scratch(self):
        """A patch buffer for one thread: (largest chunk, OH, OW, kh, kw, C)."""
        return self.xp.empty(self.scratch_shape, self.dtype)

    def _out_len(self, n: int, k: int, axis: int) -> int:
        return conv_output_length(n, k, self.strides[axis], self.padding, self.dilation[axis])

    def _pads(self, n: int, k: int, axis: int) -> tuple[int, int]:
        if self.padding == "valid":
            return 0, 0
        return same_padding(n, k, self.strides[axis], self.dilation[axis])

    def _wants(self, k: int) -> bool:
        """Does input k need a gradient? conv1's x (the images) does not: skip its col2im."""
        return k >= len(self.inputs) or self.inputs[k].requires_grad

    def _offsets(self):
        """(a, b, rows, cols): each kernel offset and the input pixels it meets, as slices."""
        (sh, sw), (dh, dw) = self.strides, self.dilation
        for a in range(self.kh):
            for b in range(self.kw):
                yield a, b, window(a, sh, self.oh, dh), window(b, sw, self.ow, dw)

    def _im2col(self, x, scratch):
        """(b, H, W, C) -> (b*OH*OW, kh*kw*C) patches in `scratch`, by slice copies."""
        xp = get_array_module(x)
        if self.fast:                                  # the same, as one compiled loop
            self.fast.im2col(xp.ascontiguousarray(x), scratch[:len(x)], *self.strides,
                             *self.dilation, self.pads[0], self.pads[2])
            return _rows(scratch, len(x))
        top, bottom, left, right = self.pads
        if any(self.pads):
            x = xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
        x, b = xp.ascontiguousarray(x), x.shape[0]
        if self.strides[1] == self.dilation[1] == 1:
            cols = scratch[:b].reshape(b, self.oh, self.ow, self.kh, -1)
            for a in range(self.kh):                   # kh copies of kw*C contiguous values
                cols[:, :, :, a, :] = self._row_windows(x, a)
        else:
            cols = scratch[:b]
            for a, k, rows, cs in self._offsets():     # kh*kw copies of C contiguous values
                cols[:, :, :, a, k, :] = x[:, rows, cs, :]
        return _rows(scratch, b)

    def _row_windows(self, x, a: int):
        """(b, OH, OW, kw*C) read-only view of kernel row a's windows, for width stride 1.

        With stride and dilation 1 along the width, window j's kw pixels are the kw*C values
        starting at pixel j, so a window is a plain run of memory: 3x fewer, longer copies.
        """
        xp = get_array_module(x)
        n, h, w, c = x.shape
        item = x.itemsize                 # strides from the shape: size-1 axes may report any
        strides = (h * w * c * item, self.strides[0] * w * c * item, c * item, item)
        shape = (n, self.oh, self.ow, self.kw * c)
        return xp.lib.stride_tricks.as_strided(x[:, a * self.dilation[0]:], shape, strides)

    def _col2im(self, cols, gx) -> None:
        """Write patch gradients back into the (b, H, W, C) input gradient: kh*kw slice-adds."""
        xp = get_array_module(cols)
        top, bottom, left, right = self.pads
        b, h, w, c = gx.shape
        if self.fast:                                  # the same, as one compiled loop
            cols = cols.reshape(b, self.oh, self.ow, self.kh, self.kw, c)
            return self.fast.col2im(cols, gx, *self.strides, *self.dilation, self.pads[0],
                                    self.pads[2])
        if any(self.pads):
            target = xp.zeros((b, h + top + bottom, w + left + right, c), self.dtype)
        else:
            target = gx
            target[...] = 0                            # this chunk of gx, zeroed while in cache
        cols = cols.reshape(b, self.oh, self.ow, self.kh, self.kw, c)
        for a, k, rows, cs in self._offsets():
            target[:, rows, cs, :] += cols[:, :, :, a, k, :]
        if target is not gx:
            gx[...] = target[:, top:top + h, left:left + w, :]


def _rows(scratch, batch: int):
    """The first `batch` images of a patch buffer, viewed as (rows, kh*kw*C)."""
    return scratch[:batch].reshape(-1, scratch[0, 0, 0].size)


def _check_shapes(x, kernel, bias) -> None:
    """ValueError naming both shapes when x, kernel and bias do not fit together."""
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(
            "conv2d expects x of rank 4 (batch, height, width, channels) and kernel of rank 4 "
            f"(kernel_h, kernel_w, in_channels, out_channels). "
            f"Received x.shape={x.shape}, kernel.shape={kernel.shape}."
        )
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"conv2d: kernel in_channels must equal the input's channels. Received "
            f"x.shape={x.shape} ({x.shape[3]} channels) and kernel.shape={kernel.shape} "
            f"({kernel.shape[2]} in_channels). Is the kernel HWIO and the input channels-last?"
        )
    if bias is not None and bias.shape != (kernel.shape[3],):
        raise ValueError(
            f"conv2d: bias must have shape (out_channels,) = ({kernel.shape[3]},). "
            f"Received bias.shape={bias.shape}, kernel.shape={kernel.shape}."
        )


def conv2d(x: Tensor | ArrayLike, kernel: Tensor | ArrayLike,
           bias: Tensor | ArrayLike | None = None, strides=1, padding: str = "valid",
           dilation_rate=1) -> Tensor:
    """2-D convolution (cross-correlation, as in Keras) of NHWC `x` with an HWIO `kernel`.

    Args:
        x: input of shape (batch, height, width, in_channels).
        kernel: weights of shape (kernel_h, kernel_w, in_channels, out_channels).
        bias: optional (out_channels,) vector; None adds nothing.
        strides: int or (rows, cols) step between windows.
        padding: 'valid' (no padding) or 'same' (zeros so the output is ceil(n / stride)).
        dilation_rate: int or (rows, cols) spacing between kernel taps.

    Returns:
        Tensor of shape (batch, out_h, out_w, out_channels); see `conv_output_length`.

    >>> import numpy as np
    >>> conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 2))).shape
    (1, 4, 4, 2)
    """
    fn = Conv2D(strides, padding, dilation_rate)
    return fn(x, kernel) if bias is None else fn(x, kernel, bias)
