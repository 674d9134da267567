"""The report plots: each PNG decodes at the promised size, and the Figure holds the data given."""
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import AxesImage
from PIL import Image

from chainrule.utils import plotting

ODD_NAMES = ["$x_1$", "<b>&amp;", "cat_$"]          # mathtext and HTML: drawn literally


def png_size(path):
    with Image.open(path) as img:
        img.load()                                    # decodes the whole file
        assert img.format == "PNG"
        return img.size


def test_line_chart_draws_each_series_against_epochs(tmp_path):
    series = {"loss": [1.5, 0.9, 0.7], "val_loss": [1.6, float("nan"), float("inf")]}
    fig = plotting.line_chart(series, tmp_path / "loss.png", title="loss")
    assert png_size(tmp_path / "loss.png") == (640, 400)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    for line, values in zip(lines, series.values()):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        y = np.asarray(values)
        np.testing.assert_array_equal(line.get_ydata(), np.where(np.isfinite(y), y, np.nan))
    assert ax.get_title() == "loss" and ax.get_xlabel() == "epoch"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss"]


def test_line_chart_without_series_is_an_empty_chart(tmp_path):
    fig = plotting.line_chart({}, tmp_path / "empty.png", title="accuracy")
    assert png_size(tmp_path / "empty.png") == (640, 400)
    assert fig.axes[0].get_lines() == [] and fig.axes[0].get_legend() is None


def test_confusion_matrix_shows_every_count_and_the_class_names(tmp_path):
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = plotting.confusion_matrix_image(matrix, ODD_NAMES, tmp_path / "cm.png")
    width, height = (round(v * plotting.DPI) for v in plotting.confusion_figsize(3))
    assert png_size(tmp_path / "cm.png") == (width, height) == (380, 320)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert cells == {(i, j): str(matrix[i, j]) for i in range(3) for j in range(3)}
    assert [t.get_text() for t in ax.get_yticklabels()] == ODD_NAMES
    assert [t.get_text() for t in ax.get_xticklabels()] == ODD_NAMES
    assert not any(t.get_parse_math() for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_confusion_matrix_of_many_classes_stays_a_bounded_size_without_counts(tmp_path):
    k = 60
    fig = plotting.confusion_matrix_image(np.eye(k, dtype=int), [f"c{i}" for i in range(k)],
                                          tmp_path / "cm.png")
    assert png_size(tmp_path / "cm.png") == (2060, 2000)
    assert len(fig.axes[0].texts) == 0


def test_image_grid_shows_each_image_with_its_title(tmp_path, rng):
    images = rng.uniform(-0.2, 1.2, size=(7, 12, 10, 3))       # augmentation may overshoot
    grey = (rng.uniform(size=(2, 12, 10, 1)) * 255).astype(np.uint8)
    titles = ["circle", "$x_1$", "c", "d", "e", "f", "g"]
    fig = plotting.image_grid(images, titles, tmp_path / "grid.png")
    assert png_size(tmp_path / "grid.png") == (640, 300)          # 5 columns, 2 rows
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 7 and len(fig.axes) == 10
    for ax, image, title in zip(shown, images, titles):
        (picture,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
        np.testing.assert_array_equal(picture.get_array(), np.clip(image, 0, 1))
        assert ax.get_title() == title
    fig = plotting.image_grid(grey, ["a", "b"], tmp_path / "grey.png")
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), grey[1, ..., 0])
    assert fig.axes[1].images[0].get_cmap().name == "gray"
    assert png_size(tmp_path / "grey.png") == (256, 150)


@pytest.mark.slow
def test_plotting_leaves_the_users_backend_and_pyplot_alone(tmp_path):
    script = ("import sys, matplotlib; matplotlib.use('pdf')\n"
              "from chainrule.utils import plotting\n"
              f"plotting.line_chart({{'loss': [1, 2]}}, {str(tmp_path / 'a.png')!r})\n"
              "assert matplotlib.get_backend() == 'pdf', matplotlib.get_backend()\n"
              "assert 'matplotlib.pyplot' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert png_size(tmp_path / "a.png") == (640, 400)
