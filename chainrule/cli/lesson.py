"""`chainrule explain`: the lecture's worked examples, computed by the library as you watch."""
from __future__ import annotations

import numpy as np

from chainrule import Tensor, ops

IMAGE = np.array([[1, 2, 3, 4, 5], [2, 1, 0, 1, 2], [3, 0, 1, 1, 0], [1, 4, 1, 2, 3]], float)
KERNEL = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]], float)
ACTIVATION_MAP = np.array([[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 7],
                           [112, 100, 22, 12]], float)


def backprop() -> None:
    print("1. Backpropagation: f = (x + y) * z at x = -2, y = 5, z = -4")
    x, y, z = (Tensor(v, requires_grad=True, name=n) for v, n in ((-2.0, "x"), (5.0, "y"),
                                                                   (-4.0, "z")))
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    f.explain()
    print("Each input's gradient is the upstream gradient times the local gradient.\n")


def convolution() -> None:
    print("2. Convolution: a 3x3 kernel slides over the image (stride 1, 'valid')")
    print(f"image:\n{IMAGE.astype(int)}\nkernel:\n{KERNEL.astype(int)}")
    out = ops.conv2d(IMAGE[None, :, :, None], KERNEL[:, :, None, None]).numpy()[0, :, :, 0]
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 0)):
        window = IMAGE[i:i + 3, j:j + 3]
        terms = " + ".join(f"({a:g}x{b:g})" for a, b in zip(window.ravel(), KERNEL.ravel()))
        print(f"out[{i},{j}] = {terms} = {out[i, j]:g}")
    same = ops.conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 1)), padding="same").shape
    valid = ops.conv2d(np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 1))).shape
    print(f"a 6x6 input gives {same[1]}x{same[2]} with padding='same' and "
          f"{valid[1]}x{valid[2]} with 'valid'\n")


def pooling() -> None:
    print("3. Pooling with a 2x2 window and stride 2")
    print(f"activation map:\n{ACTIVATION_MAP.astype(int)}")
    x = ACTIVATION_MAP[None, :, :, None]
    print(f"max pooling:\n{ops.max_pool2d(x, 2).numpy()[0, :, :, 0].astype(int)}")
    print(f"average pooling:\n{ops.avg_pool2d(x, 2).numpy()[0, :, :, 0]}")


def walk_through() -> None:
    backprop()
    convolution()
    pooling()
