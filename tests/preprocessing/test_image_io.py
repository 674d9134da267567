"""load_img / img_to_array / array_to_img / save_img / smart_resize, against Keras' rules."""
import io
import sys

import numpy as np
import pytest
from PIL import Image

from chainrule import image
from chainrule.preprocessing.image_io import (array_to_img, center_crop_to_ratio, img_to_array,
                                              load_array, load_img, save_img, smart_resize)
from tests.preprocessing.iter_support import no_leaked_worker_threads, reference  # noqa: F401


def _png(path, array, mode):
    Image.fromarray(array, mode).save(path)
    return path


@pytest.fixture
def rgba_png(tmp_path, rng):
    pixels = rng.integers(0, 256, (6, 10, 4), dtype=np.uint8)
    return _png(tmp_path / "rgba.png", pixels, "RGBA"), pixels


def test_rgb_drops_alpha_without_compositing(rgba_png):
    path, pixels = rgba_png
    img = load_img(path)
    assert img.mode == "RGB" and img.size == (10, 6)
    np.testing.assert_array_equal(np.asarray(img), pixels[..., :3])


def test_color_modes(rgba_png):
    path, pixels = rgba_png
    assert load_img(path, color_mode="rgba").mode == "RGBA"
    assert load_img(path, color_mode="grayscale").mode == "L"
    np.testing.assert_array_equal(np.asarray(load_img(path, color_mode="rgba")), pixels)


def test_grayscale_argument_is_deprecated(rgba_png):
    with pytest.warns(UserWarning, match="grayscale is deprecated"):
        img = load_img(rgba_png[0], grayscale=True)
    assert img.mode == "L"


def test_16_bit_grayscale_is_kept(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((3, 4), 40000, dtype=np.uint16)).save(path)
    img = load_img(path, color_mode="grayscale")
    assert img.mode in ("I;16", "I") and img_to_array(img).max() == 40000


def test_resize_is_nearest_by_default_and_only_when_the_size_differs(rgba_png):
    path, pixels = rgba_png
    same = load_img(path, target_size=(6, 10))
    np.testing.assert_array_equal(np.asarray(same), pixels[..., :3])
    small = load_img(path, target_size=(3, 5))
    expected = Image.fromarray(pixels[..., :3]).resize((5, 3), Image.Resampling.NEAREST)
    np.testing.assert_array_equal(np.asarray(small), np.asarray(expected))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "hamming", "box", "lanczos"])
def test_interpolation_names_map_to_pillow(rgba_png, interpolation):
    path, pixels = rgba_png
    expected = Image.fromarray(pixels[..., :3]).resize(
        (4, 4), getattr(Image.Resampling, interpolation.upper()))
    got = load_img(path, target_size=(4, 4), interpolation=interpolation)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_keep_aspect_ratio_crops_the_centre_first(rgba_png):
    path, pixels = rgba_png                       # 6 x 10 -> ratio 1:1 keeps the middle 6 x 6
    got = load_img(path, target_size=(3, 3), keep_aspect_ratio=True)
    expected = Image.fromarray(pixels[:, 2:8, :3]).resize((3, 3), Image.Resampling.NEAREST)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_accepts_bytesio_and_pathlike(rgba_png):
    path, _ = rgba_png
    assert load_img(io.BytesIO(path.read_bytes())).size == load_img(str(path)).size == (10, 6)


@pytest.mark.parametrize("kwargs, message", [
    ({"color_mode": "cmyk"}, r'`color_mode` must be "grayscale", "rgb", or "rgba". '
                             r"Received: color_mode='cmyk'"),
    ({"interpolation": "area"}, r"Invalid interpolation method 'area'"),
    ({"target_size": (0, 3)}, r"target_size=\(0, 3\)"),
    ({"target_size": 32}, r"target_size=32"),
])
def test_bad_arguments_are_named(rgba_png, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_img(rgba_png[0], **kwargs)


def test_bad_path_type_and_missing_file(tmp_path):
    with pytest.raises(TypeError, match="Received: type int"):
        load_img(3)
    with pytest.raises(FileNotFoundError):
        load_img(tmp_path / "missing.png")


def test_corrupt_file_raises_pillow_error(tmp_path):
    path = tmp_path / "text.png"
    path.write_text("not a png")
    with pytest.raises(OSError, match="cannot identify image file"):
        load_img(path)


def test_missing_pillow_gives_an_install_hint(monkeypatch, rgba_png):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        load_img(rgba_png[0])


def test_img_to_array_shapes_and_dtype(rgba_png):
    img = load_img(rgba_png[0])
    assert img_to_array(img).shape == (6, 10, 3) and img_to_array(img).dtype == np.float32
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 10)
    assert img_to_array(img.convert("L"), dtype="float64").shape == (6, 10, 1)
    assert img_to_array(img.convert("L"), data_format="channels_first").shape == (1, 6, 10)
    with pytest.raises(ValueError, match="data_format='nhwc'"):
        img_to_array(img, data_format="nhwc")


def test_array_to_img_scales_to_0_255(rng):
    x = rng.uniform(-1, 3, (4, 5, 3))
    img = np.asarray(array_to_img(x))
    assert img.min() == 0 and img.max() == 255
    unscaled = np.asarray(array_to_img(np.full((2, 2, 3), 7.0), scale=False))
    assert (unscaled == 7).all()


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_array_to_img_modes(channels, mode):
    assert array_to_img(np.ones((2, 3, channels))).mode == mode
    assert array_to_img(np.ones((channels, 2, 3)), data_format="channels_first").size == (3, 2)


def test_array_to_img_wide_grayscale_and_errors():
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.ones((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        array_to_img(np.ones((2, 2, 2)))


def test_save_img_round_trip_and_rgba_jpeg(tmp_path, rng):
    x = rng.integers(0, 256, (5, 4, 3)).astype(np.float32)
    save_img(tmp_path / "x.png", x, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "x.png")), x)
    with pytest.warns(UserWarning, match="JPG format does not support RGBA"):
        save_img(tmp_path / "y.jpg", np.ones((3, 3, 4)), file_format="jpeg")
    assert load_img(tmp_path / "y.jpg").size == (3, 3)


@pytest.mark.parametrize("case, interpolation", [
    ("bilinear_down", "bilinear"), ("bilinear_up", "bilinear"), ("nearest_batch", "nearest")])
def test_smart_resize_matches_keras(case, interpolation):
    ref = reference()
    size = tuple(ref[f"smart_resize/{case}/size"])
    got = smart_resize(ref[f"smart_resize/{case}/in"], size, interpolation=interpolation)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref[f"smart_resize/{case}/out"], rtol=0, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_smart_resize_is_the_keras_crop_then_image_resize(rng, dtype, interpolation):
    """One resize in the package: smart_resize crops, then calls chainrule.image.resize."""
    for shape, size in [((13, 9, 3), (5, 7)), ((2, 7, 11, 1), (6, 4)), ((4, 6, 2), (9, 5))]:
        x = (rng.random(shape) * 255).astype(dtype)
        expected = image.resize(center_crop_to_ratio(x, size), size, method=interpolation)
        got = smart_resize(x, size, interpolation=interpolation)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("case, interpolation", [
    ("bilinear_down", "bilinear"), ("bilinear_up", "bilinear"), ("nearest_batch", "nearest")])
def test_smart_resize_gives_keras_bits(case, interpolation):
    ref = reference()
    size = tuple(ref[f"smart_resize/{case}/size"])
    got = smart_resize(ref[f"smart_resize/{case}/in"], size, interpolation=interpolation)
    np.testing.assert_array_equal(got, ref[f"smart_resize/{case}/out"])


def test_smart_resize_errors():
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        smart_resize(np.ones((4, 4, 3)), (2, 2, 2))
    with pytest.raises(ValueError, match="incorrect rank"):
        smart_resize(np.ones((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="interpolation='area'"):
        smart_resize(np.ones((4, 4, 3)), (2, 2), interpolation="area")


def _files(tmp_path, rng) -> list:
    """Image files of the modes and formats load_array must treat as load_img does."""
    pixels = rng.integers(0, 256, (23, 31, 4), dtype=np.uint8)
    rgba = Image.fromarray(pixels, "RGBA")
    files = [_save(rgba.convert(mode), tmp_path / f"{mode}.png")
             for mode in ["RGB", "RGBA", "L", "P", "LA"]]
    deep = Image.fromarray(pixels[..., 0].astype(np.uint16) * 200)     # 16-bit grayscale
    files.append(_save(deep, tmp_path / "I16.png"))
    files.append(_save(Image.fromarray(pixels[..., :3]), tmp_path / "rgb.jpg"))
    files.append(_save(Image.fromarray(pixels), tmp_path / "rgba.bmp"))
    return files


def _save(img, path):
    img.save(path)
    return path


@pytest.mark.filterwarnings("ignore:Palette images with Transparency")  # Pillow's, both ways
@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
def test_load_array_is_load_img_then_img_to_array(tmp_path, rng, each_kernel_path, color_mode):
    """Every mode, format and resize the iterators may meet, on both kernel paths (with Numba,
    common PNGs skip Pillow's decode and resize): the same pixels, bit for bit."""
    sizes = [None, (23, 31), (11, 15), (12, 16), (46, 62), (7, 40), (50, 9), (1, 1)]
    for path in _files(tmp_path, rng):
        for target_size in sizes:
            for interpolation, keep, dtype in [("nearest", False, "float32"),
                                               ("nearest", True, "uint8"),
                                               ("bilinear", False, "float64"),
                                               ("bicubic", True, "float32")]:
                args = dict(color_mode=color_mode, target_size=target_size,
                            interpolation=interpolation, keep_aspect_ratio=keep)
                expected = img_to_array(load_img(path, **args), dtype=dtype)
                x = load_array(path, dtype=dtype, **args)
                assert x.dtype == expected.dtype, (path.name, args)
                np.testing.assert_array_equal(x, expected, err_msg=f"{path.name} {args}")


def test_load_array_of_a_corrupt_file_raises_load_img_s_error(tmp_path, each_kernel_path):
    path = tmp_path / "broken.png"
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(data, format="PNG")
    path.write_bytes(data.getvalue()[:-40])
    with pytest.raises(OSError, match="truncated"):
        load_img(path)
    with pytest.raises(OSError, match="truncated"):
        load_array(path, target_size=(10, 10))
