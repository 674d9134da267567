"""report.html: self-contained, escaped, and rendered by a real browser (headless Chromium)
without a broken image or an error."""
import base64
import html
import io
import json
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from chainrule.cli import report_html
from chainrule.cli.main import main
from tests.cli.chromium import Browser, find_chromium
from tests.image_folders import shape_folder

# class folders named to break a page or a plot that does not escape: HTML, quotes, mathtext
CLASSES = {"circle": '<i>circle & "co"', "square": "$x_1$ square", "triangle": "triangle's"}
NAMES = sorted(CLASSES.values())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = shape_folder(tmp_path_factory.mktemp("data") / "shapes")
    for old, new in CLASSES.items():
        (data / old).rename(data / new)
    out = tmp_path_factory.mktemp("runs") / "run"
    assert main(["train", str(data), "--image-size", "24", "--batch-size", "8", "--out",
                 str(out), "--model", "mlp", "--epochs", "2", "--augment", "lecture"]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("headless Chromium not found ($CHROMIUM, chromium, chromium-browser, "
                    "google-chrome on PATH); install it: apt-get install -y chromium")
    chromium = Browser(executable)
    yield chromium
    chromium.close()


class Page(HTMLParser):
    """Every tag with its attributes, and the text of the page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def png(uri):
    assert uri.startswith("data:image/png;base64,")
    raw = base64.b64decode(uri.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as img:
        img.load()
        return raw, img.size


@pytest.mark.slow
def test_report_html_is_one_self_contained_page_with_every_part(run):
    text = (run / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    links = [v for _, attrs in page.tags for k, v in attrs.items() if k in ("src", "href")]
    assert links and all(v.startswith("data:") for v in links)
    assert not [t for t, _ in page.tags if t in ("script", "iframe", "object", "embed")]
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    plots = {a["alt"]: a["src"] for a in images[:3]}
    for alt, name in (("accuracy", "training-curves.png"), ("loss", "training-curves-loss.png"),
                      ("confusion matrix", "confusion-matrix.png")):
        assert png(plots[alt])[0] == (run / name).read_bytes()
    metrics = json.loads((run / "metrics.json").read_text())
    wrong = metrics["samples"] - int(np.trace(metrics["confusion_matrix"]))
    captions = " ".join(page.text)
    assert captions.count("predicted: ") == min(wrong, 12)
    probs = [float(w.split()[0]) for w in captions.split("probability ")[1:]]
    assert probs == sorted(probs, reverse=True) and all(0 < p <= 1 for p in probs)
    assert len(images) == 3 + min(wrong, 12) + 8               # a first batch of 8 samples
    assert all(png(a["src"])[1] == (24, 24) for a in images[3:])
    assert "validation accuracy" in captions and "epochs trained: 2 of 2" in captions


@pytest.mark.slow
def test_the_runs_pngs_decode_at_their_sizes(run):
    sizes = {"training-curves.png": (640, 400), "training-curves-loss.png": (640, 400),
             "confusion-matrix.png": (380, 320),                    # 3 classes
             "augmented-samples.png": (640, 300)}                   # 8 images: 5 + 3
    for name, size in sizes.items():
        with Image.open(run / name) as img:
            img.load()
            assert (img.format, img.size) == ("PNG", size), name
            assert len(img.convert("RGB").getcolors(1 << 16) or range(1 << 16)) > 20, name
    assert "![confusion matrix](confusion-matrix.png)" in (run / "report.md").read_text()


@pytest.mark.slow
def test_class_names_from_folder_names_are_escaped(run):
    text = (run / "report.html").read_text(encoding="utf-8")
    for name in NAMES:
        assert html.escape(name) in text
    assert "<i>" not in text and '"co"' not in text
    page_text = "".join(Page(text).text)
    assert all(name in page_text for name in NAMES)          # shown as typed


@pytest.mark.slow
def test_report_html_renders_in_chromium_without_errors(run, browser, tmp_path):
    browser.open(run / "report.html")
    assert browser.errors() == []
    assert browser.broken_images() == []
    assert browser.evaluate("document.images.length") >= 13
    assert browser.evaluate("document.querySelectorAll('i, script').length") == 0
    shown = browser.evaluate("document.body.innerText")
    assert all(name in shown for name in NAMES)
    browser.screenshot(tmp_path / "report.png")
    with Image.open(tmp_path / "report.png") as shot:
        pixels = np.asarray(shot.convert("RGB"))
    assert pixels.shape[0] > 900 and pixels.shape[1] >= 1000
    ink = np.any(pixels < 200, axis=-1).mean()
    colours = len(np.unique(pixels.reshape(-1, 3)[::7], axis=0))
    assert ink > 0.02 and colours > 100, (ink, colours)       # text, plots and photos drawn


@pytest.mark.slow
def test_the_browser_check_sees_broken_images_errors_and_outside_loads(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<img alt="bad" src="data:image/png;base64,AAAA"><img alt="gone" '
                   'src="gone.png"><script>console.error("said"); throw new Error("boom")'
                   "</script>")
    browser.open(bad)
    assert browser.broken_images() == ["bad", "gone"]
    errors = " ".join(browser.errors())
    assert "said" in errors and "boom" in errors and "ERR_FILE_NOT_FOUND" in errors
    outside = tmp_path / "outside.html"                      # the report's policy refuses it
    outside.write_text(report_html.report_page("t", [], None, [], [], ([], []), "")
                       .replace("<body>", '<body><img alt="far" src="http://127.0.0.1:9/x.png">'))
    browser.open(outside)
    assert browser.broken_images() == ["far"]
    assert "Content Security Policy" in " ".join(browser.errors())


def test_report_page_without_metrics_has_no_table_and_no_mistakes(rng):
    samples = (rng.uniform(size=(2, 8, 8, 1)), ["a<b", "c"])
    text = report_html.report_page("run on d", ["**stopped**; try a smaller rate"], None, [],
                                   [], samples, "Files: last.h5.")
    page = Page(text)
    assert "<strong>stopped</strong>; try" in text and "a&lt;b" in text
    assert "<table" not in text and "mistakes" not in text
    assert [png(a["src"])[1] for t, a in page.tags if t == "img"] == [(8, 8), (8, 8)]


def test_the_gallery_keeps_the_most_confident_mistakes_across_batches(rng):
    from chainrule.cli.report import predictions

    probs = rng.dirichlet(np.ones(3), size=20)
    labels = rng.integers(0, 3, size=20)
    images = rng.uniform(size=(20, 4, 4, 3))
    batches = [(images[i:i + 6], np.eye(3)[labels[i:i + 6]]) for i in range(0, 20, 6)]
    outputs = iter(probs[i:i + 6] for i in range(0, 20, 6))

    class Model:
        def predict_on_batch(self, x):
            return next(outputs)

    true, seen, mistakes = predictions(Model(), batches, keep=3)
    np.testing.assert_array_equal(true, labels)
    np.testing.assert_array_equal(seen, probs)
    wrong = np.flatnonzero(probs.argmax(1) != labels)
    best = wrong[np.argsort(-probs[wrong].max(1))][:3]
    assert len(wrong) > 3
    assert [m["probability"] for m in mistakes] == list(probs[best].max(1))
    assert [(m["true"], m["predicted"]) for m in mistakes] == [
        (labels[i], probs[i].argmax()) for i in best]
    for m, i in zip(mistakes, best):
        np.testing.assert_array_equal(m["image"], images[i])
