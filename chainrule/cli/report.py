"""After training: reload the best weights, evaluate, draw the plots, write report.md and
report.html."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from chainrule.cli import report_html, run_state
from chainrule.utils import plotting

MISTAKES = 12                      # most confident validation mistakes shown in report.html
PLOTS = [("accuracy", "training-curves.png"), ("loss", "training-curves-loss.png"),
         ("confusion matrix", "confusion-matrix.png"),
         ("augmented training samples", "augmented-samples.png")]


def predictions(model, iterator, keep: int = 0):
    """(true class indices, predicted probabilities, the `keep` most confident mistakes)
    over one pass of `iterator`; each mistake is a dict with the image as the model saw it."""
    true, probs, mistakes = [], [], []
    for i in range(len(iterator)):
        x, y = iterator[i][:2]
        probs.append(np.asarray(model.predict_on_batch(x)))
        true.append(np.argmax(y, axis=-1))
        if keep:
            mistakes = _most_confident(mistakes + _mistakes(x, true[-1], probs[-1]), keep)
    return np.concatenate(true), np.concatenate(probs), mistakes


def _mistakes(x, true, probs) -> list[dict]:
    predicted = np.argmax(probs, axis=-1)
    return [{"image": np.array(x[j]), "true": int(true[j]), "predicted": int(predicted[j]),
             "probability": float(probs[j, predicted[j]])}
            for j in np.flatnonzero(predicted != true)]


def _most_confident(mistakes: list[dict], keep: int) -> list[dict]:
    return sorted(mistakes, key=lambda m: -m["probability"])[:keep]


def confusion(true, predicted, k: int) -> np.ndarray:
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def per_class(matrix) -> list[dict]:
    """Precision and recall of each class from a confusion matrix (rows true, cols predicted)."""
    tp = np.diag(matrix).astype(float)
    precision = np.divide(tp, matrix.sum(0), out=np.zeros_like(tp), where=matrix.sum(0) > 0)
    recall = np.divide(tp, matrix.sum(1), out=np.zeros_like(tp), where=matrix.sum(1) > 0)
    return [{"precision": float(p), "recall": float(r), "support": int(s)}
            for p, r, s in zip(precision, recall, matrix.sum(1))]


def class_names(iterator) -> list[str]:
    return sorted(iterator.class_indices, key=iterator.class_indices.get)


def evaluate(model, iterator) -> dict:
    """Accuracy, confusion matrix and per-class precision/recall on `iterator`."""
    true, probs, _ = predictions(model, iterator)
    return summarize(true, probs, class_names(iterator))


def summarize(true, probs, names: list[str]) -> dict:
    """The metrics of `evaluate` from true class indices and predicted probabilities."""
    pred = np.argmax(probs, axis=-1)
    matrix = confusion(true, pred, probs.shape[-1])
    return {"accuracy": float(np.mean(pred == true)) if len(true) else 0.0,
            "samples": int(len(true)), "classes": names, "confusion_matrix": matrix.tolist(),
            "per_class": dict(zip(names, per_class(matrix)))}


def read_history(path: Path) -> dict:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in (rows[0] if rows else {}) if k != "epoch"}


def augmented_samples(train_it, names: list[str], count: int = 10):
    """(images, class names) of the first `count` images of the first training batch."""
    x, y = train_it[0][:2]
    return x[:count], [names[int(i)] for i in np.argmax(y[:count], -1)]


def draw_plots(out: Path, history: dict, metrics: dict | None, samples) -> None:
    """Training curves, the confusion matrix (when there are metrics) and augmented samples."""
    plotting.line_chart({k: v for k, v in history.items() if "loss" in k},
                        out / "training-curves-loss.png", title="loss")
    plotting.line_chart({k: v for k, v in history.items() if "acc" in k},
                        out / "training-curves.png", title="accuracy")
    if metrics is not None:
        plotting.confusion_matrix_image(np.array(metrics["confusion_matrix"]),
                                        metrics["classes"], out / "confusion-matrix.png")
    elif (out / "confusion-matrix.png").exists():
        (out / "confusion-matrix.png").unlink()          # of other weights, an earlier session
    plotting.image_grid(*samples, out / "augmented-samples.png")


def finish_run(model, config, out: Path, train_it, val_it, interrupted: bool = False,
               diverged: str | None = None) -> dict | None:
    """Reload the best weights, evaluate on the validation data, write plots and reports.

    A run whose loss diverged before any checkpoint was written has no weights worth
    evaluating: its report says so, and no metrics.json is written (None is returned).
    """
    has_best = (out / run_state.BEST).exists()
    if has_best:
        model.load_weights(str(out / run_state.BEST))
    names, metrics, mistakes = class_names(val_it), None, []
    if has_best or not diverged:
        true, probs, mistakes = predictions(model, val_it, keep=MISTAKES)
        metrics = summarize(true, probs, names)
    history = read_history(out / "history.csv")
    samples = augmented_samples(train_it, class_names(train_it))
    draw_plots(out, history, metrics, samples)
    if metrics is not None:
        run_state.write_json(out / "metrics.json", metrics)
    elif (out / "metrics.json").exists():
        (out / "metrics.json").unlink()                  # from an earlier session of the run
    (out / "report.md").write_text(report_text(config, metrics, history, interrupted,
                                               diverged, out))
    summary = summary_lines(config, metrics, history, interrupted, diverged, _exists(out))
    report_html.write_report(out / "report.html", title(config), summary, metrics,
                             _plot_files(out), mistakes, samples, files_line(_exists(out)))
    if metrics is not None:
        print(f"validation accuracy {metrics['accuracy']:.4f} on {metrics['samples']} images "
              f"({'best checkpoint' if has_best else 'last weights'}); "
              f"report: {out / 'report.md'} and {out / 'report.html'}")
    return metrics


def _status_lines(config, metrics, epochs, interrupted, diverged, has_best) -> list[str]:
    lines = [f"epochs trained: {epochs} of {config.epochs}"
             + (" (stopped early by Ctrl-C)" if interrupted else "")
             + (", the last one cut short" if diverged else "")]
    if diverged:
        lines.append(f"**{diverged}**; try a smaller learning rate")
    if metrics is None:
        return lines + ["no checkpoint was written: no epoch ended with a finite "
                        "validation loss, so there are no trained weights to use"]
    source = "best checkpoint" if has_best else "last weights; no checkpoint was written"
    return lines + [f"validation accuracy ({source}): **{metrics['accuracy']:.4f}** on "
                    f"{metrics['samples']} images"]


def _exists(out: Path | None):
    return (lambda name: (out / name).exists()) if out is not None else (lambda name: True)


def _plot_files(out: Path) -> list[tuple[str, Path]]:
    """(caption, path) of the curves and the confusion matrix that exist in `out`."""
    return [(alt, out / name) for alt, name in PLOTS[:3] if (out / name).exists()]


def title(config) -> str:
    return f"chainrule run: {config.model} on {config.data_dir}"


def summary_lines(config, metrics: dict | None, history: dict, interrupted: bool,
                  diverged: str | None, exists) -> list[str]:
    """The report's bullet points (Markdown `**bold**` only): status, settings, augmentation."""
    epochs = len(history.get("loss", []))
    return [*_status_lines(config, metrics, epochs, interrupted, diverged,
                           exists(run_state.BEST)),
            f"image size {config.image_size}, batch {config.batch_size}, optimizer "
            f"{config.optimizer} (learning rate {config.learning_rate}), seed {config.seed}",
            f"augmentation: {config.augmentation or 'none'}"]


def files_line(exists) -> str:
    """'Files: ...' naming the run's files that exist, with what each is for."""
    files = [(run_state.BEST, "best validation loss"), (run_state.LAST, "for --resume"),
             (run_state.CONFIG, ""), ("history.csv", ""), ("metrics.json", "")]
    listed = ", ".join(name + (f" ({why})" if why else "") for name, why in files
                       if exists(name))
    return f"Files: {listed}."


def report_text(config, metrics: dict | None, history: dict, interrupted: bool,
                diverged: str | None = None, out: Path | None = None) -> str:
    """report.md: settings, final metrics, per-class table and the plots that exist."""
    exists = _exists(out)
    lines = [f"# {title(config)}", "",
             *[f"- {line}" for line in summary_lines(config, metrics, history, interrupted,
                                                     diverged, exists)], ""]
    if metrics is not None:
        lines += ["| class | precision | recall | images |", "|---|---|---|---|"]
        lines += [f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | "
                  f"{row['support']} |" for name, row in metrics["per_class"].items()]
        lines.append("")
    lines += [f"![{alt}]({name})" for alt, name in PLOTS if exists(name)]
    return "\n".join(lines + ["", files_line(exists), ""])
