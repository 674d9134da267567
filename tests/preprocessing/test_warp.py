"""`transforms.warp` (the compiled loop of `fast.numba_warp` when it is loaded) against the
package's plain reference, `transforms.reference_warp`.

Equality is exact: both compute the same float64 positions and the same lerps in the image's
dtype, only laid out differently, so any difference is a bug, not rounding.
"""
import threading

import numpy as np
import pytest

from chainrule.preprocessing import fast, transforms
from chainrule.preprocessing.image import ImageDataGenerator
from chainrule.preprocessing.transforms import reference_warp

SHAPES = [(23, 17, 3), (9, 9, 1), (1, 6, 1), (5, 1, 2), (8, 12, 4), (6, 7, 5), (2, 2, 3)]


def _random_matrix(rng, height: int, width: int) -> np.ndarray:
    """A rotation, shift, shear and zoom large enough to sample well outside the image."""
    matrix = transforms.affine_matrix(
        theta=rng.uniform(-60, 60), tx=rng.uniform(-5, 5), ty=rng.uniform(-5, 5),
        shear=rng.uniform(-20, 20), zx=rng.uniform(0.6, 1.5), zy=rng.uniform(0.6, 1.5))
    return transforms.centered_matrix(matrix, height, width)


def _flipped(image: np.ndarray, flip: tuple[bool, bool]) -> np.ndarray:
    return image[::-1 if flip[0] else 1, ::-1 if flip[1] else 1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", transforms.FILL_MODES)
def test_warp_equals_the_reference_exactly(rng, each_kernel_path, fill_mode, order, dtype):
    for shape in SHAPES:
        x = (rng.random(shape) * 255).astype(dtype)
        for flip in [(False, False), (True, False), (False, True), (True, True)]:
            matrix = _random_matrix(rng, *shape[:2])
            out = transforms.warp(x, matrix, fill_mode, -1.5, order, flip=flip)
            expected = _flipped(reference_warp(x, matrix, fill_mode, -1.5, order), flip)
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out, expected, err_msg=f"{shape} flip={flip}")


def test_lecture_sized_image_equals_the_reference(rng, each_kernel_path):
    x = rng.random((150, 150, 3)).astype(np.float32)
    matrix = _random_matrix(rng, 150, 150)
    np.testing.assert_array_equal(transforms.warp(x, matrix, "nearest"),
                                  reference_warp(x, matrix, "nearest", 0.0, 1))


def _fold_one(coord: float, n: int, fill_mode: str) -> float:
    """scipy's boundary rule for one position, written out."""
    if n > 1 and (coord < 0 or coord > n - 1) and fill_mode == "reflect":
        coord = np.mod(coord, 2 * n)
        coord = 2 * n - 1 - coord if coord >= n else coord
    elif n > 1 and (coord < 0 or coord > n - 1) and fill_mode == "wrap":
        period = n - 1
        coord = (coord + period * (np.trunc(-coord / period) + 1) if coord < 0
                 else coord - period * np.trunc(coord / period))
    return min(max(coord, 0.0), n - 1.0)


def _pixel_by_pixel(x: np.ndarray, matrix: np.ndarray, fill_mode: str, cval: float,
                    order: int) -> np.ndarray:
    """The warp one output pixel at a time in Python: an oracle for the vectorised reference."""
    height, width, _ = x.shape
    out = np.empty_like(x)
    for i in range(height):
        for j in range(width):
            row = (i * matrix[0, 0] + j * matrix[0, 1]) + matrix[0, 2]
            col = (i * matrix[1, 0] + j * matrix[1, 1]) + matrix[1, 2]
            if fill_mode == "constant" and not (0 <= row <= height - 1 and 0 <= col <= width - 1):
                out[i, j] = cval
                continue
            row, col = _fold_one(row, height, fill_mode), _fold_one(col, width, fill_mode)
            if order == 0:
                out[i, j] = x[int(np.floor(row + 0.5)), int(np.floor(col + 0.5))]
                continue
            top, left = int(np.floor(row)), int(np.floor(col))
            frac_r, frac_c = x.dtype.type(row - top), x.dtype.type(col - left)
            bottom, right = min(top + 1, height - 1), min(left + 1, width - 1)
            upper = x[top, left] + (x[top, right] - x[top, left]) * frac_c
            lower = x[bottom, left] + (x[bottom, right] - x[bottom, left]) * frac_c
            out[i, j] = upper + (lower - upper) * frac_r
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", transforms.FILL_MODES)
def test_the_reference_is_the_warp_written_pixel_by_pixel(rng, fill_mode, order, dtype):
    for shape in [(7, 5, 3), (1, 6, 1), (5, 1, 2), (6, 6, 4)]:
        x = (rng.random(shape) * 255).astype(dtype)
        matrix = _random_matrix(rng, *shape[:2])
        np.testing.assert_array_equal(reference_warp(x, matrix, fill_mode, -1.5, order),
                                      _pixel_by_pixel(x, matrix, fill_mode, -1.5, order))


@pytest.mark.parametrize("flip", [(False, False), (True, False), (False, True), (True, True)])
def test_the_reference_flips_as_flipping_its_output(rng, flip):
    x = rng.random((7, 5, 3)).astype(np.float32)
    matrix = _random_matrix(rng, 7, 5)
    np.testing.assert_array_equal(reference_warp(x, matrix, "reflect", 0.0, 1, flip),
                                  _flipped(reference_warp(x, matrix, "reflect", 0.0, 1), flip))


def test_threads_warp_independently(rng, each_kernel_path):
    images = rng.random((8, 40, 30, 3)).astype(np.float32)
    matrices = [_random_matrix(rng, 40, 30) for _ in images]
    expected = [transforms.warp(x, m) for x, m in zip(images, matrices)]
    results = {}

    def work(k):
        for _ in range(5):
            for i in range(k, len(images), 4):
                results[i] = transforms.warp(images[i], matrices[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, out in enumerate(expected):
        np.testing.assert_array_equal(results[i], out)


def test_the_compiled_loop_serves_every_fill_mode_on_the_numba_path(rng, each_kernel_path):
    x = rng.random((6, 5, 3)).astype(np.float32)
    matrix = _random_matrix(rng, 6, 5)
    served = {mode for mode in transforms.FILL_MODES
              if fast.warp(x, matrix, mode, 0.0, 1, (False, False)) is not None}
    assert served == (set() if each_kernel_path == "numpy" else set(transforms.FILL_MODES))


def test_apply_transform_flips_inside_the_warp_as_keras_flips_after_it(rng, each_kernel_path):
    gen = ImageDataGenerator(fill_mode="constant", cval=0.5)
    x = rng.random((12, 12, 3)).astype(np.float32)
    params = {"theta": 20.0, "tx": 1.5, "zx": 1.1, "flip_horizontal": True,
              "flip_vertical": True, "channel_shift_intensity": 0.3}
    warped = transforms.apply_affine_transform(x, theta=20.0, tx=1.5, zx=1.1,
                                               fill_mode="constant", cval=0.5)
    keras_order = transforms.channel_shift(warped, 0.3)[::-1, ::-1]
    np.testing.assert_array_equal(gen.apply_transform(x, params), keras_order)
