"""chainrule's PNG decoding (`fast.decode`: `png.decode`, `numba_png.unfilter`) against Pillow's.

Any stream of filter-type bytes 0-4 and data bytes is a valid PNG body, so random ones
exercise every filter (and every Paeth tie) far harder than saved images do. Equality is exact:
PNG is lossless, so a single differing byte is a bug. Every file the fast path declines must
come back as None, leaving it to Pillow.
"""
import io
import re
import struct
import threading
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image

from chainrule import config
from chainrule.preprocessing.fast import png
from chainrule.runtime import scratch
from chainrule.preprocessing.image_io import img_to_array, load_array, load_img

pytest.importorskip("numba")
pytest.importorskip("isal")


@pytest.fixture(autouse=True)
def numba_kernels():
    default = config.kernels()
    config.set_kernels("numba")      # asked for by name: loaded before the first decode
    yield
    config.set_kernels(default)


def chunk(kind: bytes, body: bytes, crc_offset: int = 0) -> bytes:
    crc = (zlib.crc32(kind + body) + crc_offset) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def header(width, height, colour=2, depth=8, interlace=0) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))


def make_png(filtered: np.ndarray, width: int, height: int, colour: int = 2, parts: int = 1,
             before_idat=(), between_idat=(), ihdr=None, end=True) -> bytes:
    """A PNG whose IDATs hold `filtered` (height rows of filter byte + data), split in `parts`."""
    stream = zlib.compress(filtered.tobytes())
    cuts = np.linspace(0, len(stream), parts + 1).astype(int)
    idats = [chunk(b"IDAT", stream[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    idats[1:1] = list(between_idat)
    return (png.SIGNATURE + (ihdr or header(width, height, colour)) + b"".join(before_idat)
            + b"".join(idats) + (chunk(b"IEND", b"") if end else b""))


def random_filtered(rng, width, height, channels, kinds=(0, 1, 2, 3, 4)) -> np.ndarray:
    filtered = rng.integers(0, 256, (height, 1 + width * channels), dtype=np.uint8)
    filtered[:, 0] = rng.choice(kinds, height)
    return filtered


def pillow_pixels(data: bytes) -> np.ndarray:
    pixels = np.asarray(Image.open(io.BytesIO(data)))
    return pixels[:, :, np.newaxis] if pixels.ndim == 2 else pixels


@pytest.mark.parametrize("colour,channels", [(0, 1), (2, 3), (6, 4)])
@pytest.mark.parametrize("width,height", [(1, 1), (1, 7), (9, 1), (13, 11), (64, 3)])
def test_every_filter_type_decodes_as_pillow_does(rng, colour, channels, width, height):
    for kinds in [(0,), (1,), (2,), (3,), (4,), (0, 1, 2, 3, 4)]:
        data = make_png(random_filtered(rng, width, height, channels, kinds), width, height,
                        colour, parts=1 + height % 3)
        pixels = png.decode(data)
        assert pixels is not None
        np.testing.assert_array_equal(pixels, pillow_pixels(data), err_msg=f"filters {kinds}")


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.parametrize("options", [{}, {"compress_level": 0}, {"compress_level": 9},
                                     {"optimize": True}])
def test_files_pillow_saved_decode_as_pillow_does(rng, mode, options):
    image = Image.fromarray((rng.random((37, 53, 4)) * 255).astype(np.uint8), "RGBA")
    buffer = io.BytesIO()
    image.convert(mode).save(buffer, format="PNG", **options)
    data = buffer.getvalue()
    np.testing.assert_array_equal(png.decode(data), pillow_pixels(data))


def test_smooth_image_with_pillow_s_own_filter_choice(rng):
    yy, xx = np.mgrid[0:120, 0:90]
    image = np.stack([yy, xx, (yy + xx) // 2], -1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    np.testing.assert_array_equal(png.decode(buffer.getvalue()), image)


def _declined(rng) -> dict[str, bytes]:
    """Files the fast path must leave to Pillow, by why."""
    width, height = 6, 5
    rgb = random_filtered(rng, width, height, 3)
    good = make_png(rgb, width, height)
    stream = zlib.compress(rgb.tobytes())
    palette = io.BytesIO()
    Image.new("P", (4, 4)).save(palette, format="PNG")
    deep = io.BytesIO()
    Image.fromarray(np.arange(16, dtype=np.uint16).reshape(4, 4) * 4000).save(deep, format="PNG")
    gray_alpha = io.BytesIO()
    Image.new("LA", (4, 4)).save(gray_alpha, format="PNG")
    bad_filter = rgb.copy()
    bad_filter[2, 0] = 5
    return {
        "not a PNG": b"GIF89a" + good[6:],
        "palette": palette.getvalue(),
        "16-bit": deep.getvalue(),
        "gray + alpha": gray_alpha.getvalue(),
        "interlaced": make_png(rgb, width, height, ihdr=header(width, height, interlace=1)),
        "transparency key": make_png(rgb, width, height,
                                     before_idat=[chunk(b"tRNS", b"\0\0\0\0\0\0")]),
        "animated": make_png(rgb, width, height, before_idat=[chunk(b"acTL", bytes(8))]),
        "bad IHDR checksum": make_png(rgb, width, height,
                                      ihdr=chunk(b"IHDR", header(width, height)[8:21], 1)),
        "bad ancillary checksum": make_png(rgb, width, height,
                                           before_idat=[chunk(b"tEXt", b"a\0b", 1)]),
        "chunk between IDATs": make_png(rgb, width, height, parts=2,
                                        between_idat=[chunk(b"tEXt", b"a\0b")]),
        "no IEND": make_png(rgb, width, height, end=False),
        "cut in the IDAT": good[:len(good) // 2],
        "cut zlib stream": (png.SIGNATURE + header(width, height)
                            + chunk(b"IDAT", stream[:-6]) + chunk(b"IEND", b"")),
        "bad zlib checksum": (png.SIGNATURE + header(width, height)
                              + chunk(b"IDAT", stream[:-1] + bytes([stream[-1] ^ 1]))
                              + chunk(b"IEND", b"")),
        "too few rows": make_png(rgb[:-1], width, height),
        "unknown filter type": make_png(bad_filter, width, height),
        "zero width": make_png(rgb[:, :1], 0, height),
    }


def test_anything_uncommon_is_left_to_pillow(rng):
    for why, data in _declined(rng).items():
        assert png.decode(data) is None, why


def test_declined_files_load_as_load_img_loads_them(rng, tmp_path):
    """What a user sees for each declined file is load_img's: the same pixels or the same
    error (Pillow reads some broken files, e.g. one without IEND, and rejects others)."""
    for why, data in _declined(rng).items():
        path = tmp_path / "file.png"
        path.write_bytes(data)
        try:
            expected = img_to_array(load_img(path, target_size=(3, 4)))
        except Exception as error:  # noqa: BLE001 - whichever error Pillow raises
            with pytest.raises(type(error)) as raised:
                load_array(path, target_size=(3, 4))
            assert _no_address(raised.value) == _no_address(error), why
        else:
            np.testing.assert_array_equal(load_array(path, target_size=(3, 4)), expected,
                                          err_msg=why)


def _no_address(error: Exception) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", str(error))


def test_images_over_pillow_s_bomb_limit_are_left_to_it(rng, monkeypatch):
    data = make_png(random_filtered(rng, 8, 8, 3), 8, 8)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 63)
    assert png.decode(data) is None
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64)
    assert png.decode(data) is not None


def test_numpy_kernels_or_no_isal_leave_every_file_to_pillow(rng, monkeypatch):
    data = make_png(random_filtered(rng, 4, 4, 3), 4, 4)
    assert png.decode(data) is not None
    monkeypatch.setattr(png, "inflater", None)
    assert png.decode(data) is None
    monkeypatch.undo()
    config.set_kernels("numpy")
    assert png.decode(data) is None


def test_a_stream_that_inflates_past_its_rows_is_cut_short(rng, tmp_path):
    """A 4x4 image whose IDAT inflates to 64 MB: declined after its rows and one byte, without
    inflating the rest (Pillow, which then decodes it, stops after the rows as well)."""
    rows = random_filtered(rng, 4, 4, 3)
    stream = zlib.compress(rows.tobytes() + bytes(64 * 2**20))
    data = (png.SIGNATURE + header(4, 4) + chunk(b"IDAT", stream) + chunk(b"IEND", b""))
    tracemalloc.start()
    try:
        assert png.decode(data) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    np.testing.assert_array_equal(load_array(path, dtype="uint8"), pillow_pixels(data))


def test_threads_decode_into_their_own_buffers(rng):
    files = [make_png(random_filtered(rng, 40, 30, 3), 40, 30) for _ in range(6)]
    expected = [pillow_pixels(data) for data in files]
    failures = []

    def decode_all():
        for _ in range(20):
            for data, want in zip(files, expected):
                if not np.array_equal(png.decode(data), want):
                    failures.append(1)

    threads = [threading.Thread(target=decode_all) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_buffer_is_reused_per_thread_up_to_keep_bytes(rng, monkeypatch):
    data = make_png(random_filtered(rng, 12, 10, 3), 12, 10)
    first, second = png.decode(data), png.decode(data)
    assert np.shares_memory(first, second)      # the contract: copy what you keep
    monkeypatch.setattr(scratch, "KEEP_BYTES", 100)  # 360 bytes: too big to keep
    first, second = png.decode(data), png.decode(data)
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(second, pillow_pixels(data))
