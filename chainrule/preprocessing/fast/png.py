"""Decoding the common PNG without Pillow: 8-bit RGB, RGBA or grayscale, not interlaced.

Decoding is most of what an augmenting iterator spends per image. Pillow takes 1.6-2.1 ms for
a 300x300 RGB PNG, of which zlib's inflate is ~1.1 ms; the rest is its chunk-by-chunk Python
reading, unfiltering and fresh image memory. Here Python finds the chunks, python-isal
inflates them in one call (zlib's bytes, ~1.7x faster: 0.8 vs 1.5 ms for a 300x300 RGBA file,
GIL released), and a compiled loop (`numba_png.unfilter`) undoes the row filters into a reused
buffer: ~1 ms in all. PNG is lossless, so the pixels are Pillow's, bit for bit. Both python-isal
and Numba come with the `fast` extra; zlib's own bounded inflate (`decompressobj` with a
max_length) is no faster than Pillow, so without python-isal Pillow decodes.

Anything else returns None and the caller hands the file to Pillow, which decodes it or raises
its usual error: palettes, 16-bit or 1-4-bit samples, gray+alpha, interlacing, a transparency
chunk, animation, a missing IEND, a bad chunk checksum, a truncated or otherwise odd stream,
an image over Pillow's decompression-bomb limit, a stream that inflates to more than its
rows. So nothing a user sees changes (the same pixels, errors and warnings).
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from chainrule.runtime import kernels, scratch

try:     # python-isal (the `fast` extra): zlib's bytes and errors, inflated ~1.7x faster
    from isal import isal_zlib as inflater
except ImportError:
    inflater = None

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 6: 4}   # colour type -> channels: Pillow's L, RGB, RGBA
BAIL_CHUNKS = (b"tRNS", b"acTL")   # they change what Pillow makes of the pixels
LOOPS = "chainrule.preprocessing.fast.numba_png"


def decode(data: bytes) -> np.ndarray | None:
    """The pixels of the PNG file `data`, (height, width, 1 | 3 | 4) uint8 for Pillow's modes
    L, RGB and RGBA, or None when it is not the common case (above).

    The array is a view of this thread's scratch buffer (`scratch`), valid until its next
    `decode`: the caller copies what it keeps. A fresh 300x300 array per image would be
    page-faulted in again by every image (~70 faults, ~0.2 ms).
    """
    if not data.startswith(SIGNATURE) or inflater is None:
        return None
    loops = kernels.compiled(np, LOOPS)
    if loops is None:
        return None
    chunks = _chunks(data)
    if chunks is None:
        return None
    header, compressed = chunks
    width, height, depth, colour, compression, filtering, interlace = header
    if (colour not in CHANNELS or depth != 8 or compression or filtering or interlace
            or not 0 < width * height <= _pixel_limit()):
        return None
    channels = CHANNELS[colour]
    stride = width * channels
    try:  # at most one byte more than the rows need: a stream that inflates to more is
        # cut short (and declined below) instead of filling memory, as Pillow stops too
        raw = inflater.decompressobj().decompress(compressed, height * (stride + 1) + 1)
    except inflater.error:
        return None
    if len(raw) != height * (stride + 1):
        return None
    pixels = scratch.buffers.get("png_pixels", (height, stride), np.uint8)
    if not loops.unfilter(np.frombuffer(raw, np.uint8).reshape(height, stride + 1), pixels,
                          channels):
        return None
    return pixels.reshape(height, width, channels)


def _chunks(data: bytes):
    """(IHDR fields, the IDAT chunks' bytes joined) of a well-formed file, else None.

    Well-formed here: IHDR first, its IDATs in one run, IEND at the end, every chunk but the
    IDATs with a good CRC (Pillow does not check the IDATs' either), none in BAIL_CHUNKS.
    """
    header, parts, pos, idat_run = None, [], len(SIGNATURE), "before"
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 8 + length
        if end + 4 > len(data) or kind in BAIL_CHUNKS:
            return None
        if kind == b"IDAT":
            if idat_run == "after":
                return None
            idat_run = "in"
            parts.append(data[pos + 8:end])
        else:
            if idat_run == "in":
                idat_run = "after"
            (crc,) = struct.unpack_from(">I", data, end)
            if zlib.crc32(data[pos + 4:end]) != crc:
                return None
            if kind == b"IHDR":
                if header is not None or length != 13 or pos != len(SIGNATURE):
                    return None
                header = struct.unpack_from(">IIBBBBB", data, pos + 8)
            elif kind == b"IEND":
                return (header, b"".join(parts)) if header and parts else None
        pos = end + 4
    return None                     # no IEND: truncated


def _pixel_limit() -> float:
    """Pillow's decompression-bomb limit (it warns above it): bigger images go to Pillow."""
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS or float("inf")
