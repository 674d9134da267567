"""Plots for run reports, drawn with matplotlib: learning curves, a confusion matrix, and a
grid of images with titles.

Each function builds a `matplotlib.figure.Figure` directly and saves it through the Agg
canvas, never through `pyplot`: importing or calling this module leaves the user's backend,
current figure and open windows alone. Each returns its Figure, so a caller (or a test) can
read back what was drawn. Text from users (class names) is drawn literally: `$...$` is not
read as mathtext.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 100
CURVE_SIZE = (6.4, 4.0)                  # inches: 640 x 400 pixels at DPI
GRID_CELL = (1.28, 1.5)                  # inches per image of an image grid, title included
MAX_ANNOTATED_CLASSES = 30               # beyond this the confusion matrix has no cell counts


def _save(fig: Figure, path) -> Figure:
    """Render `fig` with Agg into the PNG file `path` (pixel size = figsize * DPI)."""
    FigureCanvasAgg(fig)
    with warnings.catch_warnings():      # a class name in a script DejaVu lacks: boxes, no noise
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        fig.savefig(path, dpi=DPI, format="png")
    return fig


def line_chart(series: dict, path, title: str = "", xlabel: str = "epoch",
               size: tuple[float, float] = CURVE_SIZE) -> Figure:
    """Plot each {name: values} as a line against epochs 1..n and save a PNG to `path`.

    Values that are NaN or infinite (a diverged loss) leave a gap instead of breaking the axes.
    """
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    for name, values in series.items():
        y = np.asarray(values, dtype=np.float64)
        y = np.where(np.isfinite(y), y, np.nan)
        ax.plot(np.arange(1, len(y) + 1), y, marker="o", markersize=4, label=str(name))
    ax.set_title(title, parse_math=False)
    ax.set_xlabel(xlabel, parse_math=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, color="0.88")
    if series:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)


def confusion_figsize(k: int) -> tuple[float, float]:
    """Inches of a k-class confusion matrix: half an inch per class, 3 to 20 inches across."""
    side = min(max(1.7 + 0.5 * k, 3.0), 20.0)
    return side + 0.6, side


def confusion_matrix_image(matrix, class_names, path) -> Figure:
    """Rows are true classes, columns predicted; darker blue means more samples.

    Each cell shows its count (up to `MAX_ANNOTATED_CLASSES` classes).
    """
    matrix = np.asarray(matrix)
    k = len(class_names)
    fig = Figure(figsize=confusion_figsize(k), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    peak = max(int(matrix.max(initial=0)), 1)
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=peak, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8)
    names = [str(name) for name in class_names]
    ax.set_xticks(range(k), labels=[n[:10] for n in names], rotation=45, ha="right",
                  parse_math=False)
    ax.set_yticks(range(k), labels=[n[:16] for n in names], parse_math=False)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if k <= MAX_ANNOTATED_CLASSES:
        for (i, j), count in np.ndenumerate(matrix):
            ax.text(j, i, str(int(count)), ha="center", va="center", fontsize=9,
                    color="white" if count / peak > 0.5 else "0.1")
    return _save(fig, path)


def _displayable(image) -> tuple[np.ndarray, dict]:
    """(array, imshow options): floats clipped to [0, 1], one channel shown in grey."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(arr.astype(np.float64), 0.0, 1.0)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        return arr, {"cmap": "gray", "vmin": 0, "vmax": 255 if arr.dtype == np.uint8 else 1}
    return arr, {}


def image_grid(images, titles, path, cols: int = 5) -> Figure:
    """Images (HxWxC floats in [0, 1] or uint8) in a grid, each with its title above it."""
    count = len(images)
    cols = max(1, min(cols, count))
    rows = max(1, math.ceil(count / cols))
    fig = Figure(figsize=(cols * GRID_CELL[0], rows * GRID_CELL[1]), dpi=DPI)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9, wspace=0.1, hspace=0.3)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, image, title in zip(axes, images, titles):
        arr, options = _displayable(image)
        ax.imshow(arr, interpolation="nearest", **options)
        ax.set_title(str(title)[:18], fontsize=10, parse_math=False)
    for ax in axes:
        ax.set_axis_off()
    return _save(fig, path)
