"""Plots for run reports, drawn with Pillow alone: learning curves, a confusion matrix, and a
grid of images with titles. No plotting library is needed to install or run chainrule.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]
_GRID, _AXIS, _TEXT = (225, 225, 225), (60, 60, 60), (20, 20, 20)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:                                   # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    first = math.floor(lo / step) * step
    count = math.ceil((hi - first) / step - 1e-9)
    return [first + i * step for i in range(count + 1)]


def line_chart(series: dict, path, title: str = "", xlabel: str = "epoch",
               size=(640, 400)) -> None:
    """Plot each {name: values} as a line against 1..n and save a PNG to `path`."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = 60, 36, size[0] - 150, size[1] - 46
    values = [float(v) for vals in series.values() for v in vals if np.isfinite(v)] or [0.0]
    ticks = _nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1
    n = max((len(v) for v in series.values()), default=1)

    def xy(i, v):
        x = left + (right - left) * (i / max(n - 1, 1))
        return x, bottom - (bottom - top) * (v - lo) / (hi - lo)

    _axes(draw, (left, top, right, bottom), ticks, xy, n, title, xlabel)
    for k, (name, vals) in enumerate(series.items()):
        color = COLORS[k % len(COLORS)]
        points = [xy(i, float(v)) for i, v in enumerate(vals) if np.isfinite(v)]
        if len(points) > 1:
            draw.line(points, fill=color, width=2)
        for x, y in points:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=color)
        draw.line([right + 15, top + 12 + 20 * k, right + 35, top + 12 + 20 * k], fill=color,
                  width=3)
        draw.text((right + 40, top + 5 + 20 * k), name, fill=_TEXT, font=_font(13))
    img.save(path)


def _axes(draw, box, ticks, xy, n: int, title: str, xlabel: str) -> None:
    left, top, right, bottom = box
    font = _font(12)
    for t in ticks:
        y = xy(0, t)[1]
        draw.line([left, y, right, y], fill=_GRID)
        draw.text((left - 8, y), f"{t:g}", fill=_TEXT, font=font, anchor="rm")
    for i in range(n):
        if n <= 12 or i % math.ceil(n / 12) == 0:
            x = xy(i, ticks[0])[0]
            draw.text((x, bottom + 6), str(i + 1), fill=_TEXT, font=font, anchor="mt")
    draw.rectangle(box, outline=_AXIS)
    draw.text(((left + right) / 2, bottom + 24), xlabel, fill=_TEXT, font=font, anchor="mt")
    draw.text(((left + right) / 2, 10), title, fill=_TEXT, font=_font(15), anchor="mt")


def confusion_matrix_image(matrix, class_names, path, cell: int = 48) -> None:
    """Rows are true classes, columns predicted; darker blue means more samples."""
    matrix = np.asarray(matrix)
    k = len(class_names)
    margin = 110
    img = Image.new("RGB", (margin + k * cell + 20, margin + k * cell + 20), "white")
    draw = ImageDraw.Draw(img)
    peak = max(int(matrix.max()), 1)
    for i in range(k):
        for j in range(k):
            share = matrix[i, j] / peak
            shade = tuple(int(255 - share * (255 - c)) for c in (8, 69, 148))
            box = [margin + j * cell, margin + i * cell, margin + (j + 1) * cell,
                   margin + (i + 1) * cell]
            draw.rectangle(box, fill=shade, outline=_GRID)
            ink = "white" if share > 0.5 else _TEXT
            draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), str(int(matrix[i, j])),
                      fill=ink, font=_font(13), anchor="mm")
    font = _font(12)
    for i, name in enumerate(class_names):
        mid = margin + i * cell + cell / 2
        draw.text((margin - 6, mid), str(name)[:14], fill=_TEXT, font=font, anchor="rm")
        draw.text((mid, margin - 6), str(name)[:8], fill=_TEXT, font=font, anchor="mb")
    draw.text((margin + k * cell / 2, 14), "predicted class", fill=_TEXT, font=font,
              anchor="mt")
    draw.text((8, margin + k * cell + 4), "rows: true class", fill=_TEXT, font=font)
    img.save(path)


def image_grid(images, titles, path, cols: int = 5, cell: int = 128) -> None:
    """Images (HxWxC floats in [0, 1] or uint8) in a grid, each with its title above it."""
    rows = max(1, math.ceil(len(images) / cols))
    img = Image.new("RGB", (cols * cell, rows * (cell + 22)), "white")
    draw = ImageDraw.Draw(img)
    for k, (image, title) in enumerate(zip(images, titles)):
        arr = np.asarray(image)
        if arr.dtype != np.uint8:
            arr = (np.clip(arr, 0, 1) * 255).astype(np.uint8)
        if arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        tile = Image.fromarray(arr).convert("RGB").resize((cell - 8, cell - 8), Image.NEAREST)
        x, y = (k % cols) * cell, (k // cols) * (cell + 22)
        draw.text((x + cell / 2, y + 4), str(title)[:18], fill=_TEXT, font=_font(13),
                  anchor="mt")
        img.paste(tile, (x + 4, y + 22))
    img.save(path)
