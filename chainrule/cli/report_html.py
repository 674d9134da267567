"""report.html: a run's report as one self-contained page to open in any browser.

Everything is inside the file: the plots and the thumbnails are PNGs inlined as `data:` URIs,
the style is inline, and there is no script. A Content-Security-Policy in the page forbids
loading anything else, so the page shows the same offline, mailed, or years later. Every
string that comes from the user (class names are folder names, the data folder, the
settings) is HTML-escaped.
"""
from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

THUMBNAIL = 128                   # pixels: longest side of a gallery image in the file
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.5em; word-break: break-all; } h2 { margin-top: 1.6em; font-size: 1.2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.3em 0.7em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plots img { max-width: 100%; margin: 0 1em 1em 0; vertical-align: top; }
.gallery { display: flex; flex-wrap: wrap; gap: 0.8em; }
.gallery figure { margin: 0; width: 132px; font-size: 0.85em; text-align: center; }
.gallery img { width: 128px; height: 128px; object-fit: contain; background: #eee;
               image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { overflow-wrap: anywhere; }
.wrong { color: #b00; }
"""


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image_data_uri(image) -> str:
    """A data: URI of an HxWxC (or HxW) image, floats in [0, 1] or uint8, as a thumbnail."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = (np.clip(arr.astype(np.float64), 0.0, 1.0) * 255).round().astype(np.uint8)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    picture = Image.fromarray(arr)
    picture.thumbnail((THUMBNAIL, THUMBNAIL))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return png_data_uri(buffer.getvalue())


def markdown_bold(text: str) -> str:
    """Escape `text` for HTML, then turn its Markdown `**bold**` into <strong>."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def _figure(src: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{src}" alt="{html.escape(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>")


def per_class_table(metrics: dict) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(name))}</td>"
                   f'<td class="num">{row["precision"]:.3f}</td>'
                   f'<td class="num">{row["recall"]:.3f}</td>'
                   f'<td class="num">{row["support"]}</td></tr>'
                   for name, row in metrics["per_class"].items())
    return ("<table><tr><th>class</th><th>precision</th><th>recall</th><th>images</th></tr>"
            f"{rows}</table>")


def plots_section(plots: list[tuple[str, Path]]) -> str:
    """The curves and confusion matrix PNG files of the run, inlined."""
    images = "".join(f'<img src="{png_data_uri(Path(path).read_bytes())}" '
                     f'alt="{html.escape(alt)}" title="{html.escape(alt)}">'
                     for alt, path in plots)
    return f'<h2>Training curves and confusion matrix</h2><div class="plots">{images}</div>'


def mistakes_section(mistakes: list[dict], names: list[str]) -> str:
    """The validation images the model got most confidently wrong, most confident first."""
    head = "<h2>Most confident mistakes on the validation images</h2>"
    if not mistakes:
        return head + "<p>The model classified every validation image correctly.</p>"
    figures = []
    for m in mistakes:
        true, predicted = html.escape(names[m["true"]]), html.escape(names[m["predicted"]])
        caption = (f"true: {true}<br>"
                   f'<span class="wrong">predicted: {predicted}</span><br>'
                   f"probability {m['probability']:.3f}")
        alt = f"{names[m['true']]} taken for {names[m['predicted']]}"
        figures.append(_figure(image_data_uri(m["image"]), alt, caption))
    return head + f'<div class="gallery">{"".join(figures)}</div>'


def samples_section(samples) -> str:
    """The augmented training images (the first training batch), with their classes."""
    images, labels = samples
    figures = "".join(_figure(image_data_uri(image), str(label), html.escape(str(label)))
                      for image, label in zip(images, labels))
    return f'<h2>Augmented training samples</h2><div class="gallery">{figures}</div>'


def report_page(title: str, summary: list[str], metrics: dict | None, plots, mistakes,
                samples, files: str) -> str:
    """The whole page: summary, per-class table, plots, mistakes and augmented samples."""
    body = [f"<h1>{html.escape(title)}</h1>",
            "<ul>" + "".join(f"<li>{markdown_bold(line)}</li>" for line in summary) + "</ul>"]
    if metrics is not None:
        body.append(per_class_table(metrics))
    body.append(plots_section(plots))
    if metrics is not None:
        body.append(mistakes_section(mistakes, [str(n) for n in metrics["classes"]]))
    body += [samples_section(samples), f"<p>{html.escape(files)}</p>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(path: Path, title: str, summary: list[str], metrics: dict | None, plots,
                 mistakes, samples, files: str) -> None:
    """Write report.html (see `report_page`) to `path`."""
    Path(path).write_text(report_page(title, summary, metrics, plots, mistakes, samples, files),
                          encoding="utf-8")
