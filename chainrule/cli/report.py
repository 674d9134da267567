"""After training: reload the best weights, evaluate, draw the plots and write report.md."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from chainrule.cli import run_state
from chainrule.utils import plotting


def predictions(model, iterator):
    """(true class indices, predicted probabilities) over one pass of `iterator`."""
    true, probs = [], []
    for i in range(len(iterator)):
        x, y = iterator[i][:2]
        probs.append(model.predict_on_batch(x))
        true.append(np.argmax(y, axis=-1))
    return np.concatenate(true), np.concatenate(probs)


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


def evaluate(model, iterator) -> dict:
    """Accuracy, confusion matrix and per-class precision/recall on `iterator`."""
    true, probs = predictions(model, iterator)
    pred = np.argmax(probs, axis=-1)
    matrix = confusion(true, pred, probs.shape[-1])
    names = sorted(iterator.class_indices, key=iterator.class_indices.get)
    return {"accuracy": float(np.mean(pred == true)) if len(true) else 0.0,
            "samples": int(len(true)), "classes": names, "confusion_matrix": matrix.tolist(),
            "per_class": dict(zip(names, per_class(matrix)))}


def read_history(path: Path) -> dict:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in (rows[0] if rows else {}) if k != "epoch"}


def draw_plots(out: Path, history: dict, metrics: dict | None, train_it) -> None:
    """Training curves, the confusion matrix (when there are metrics) and augmented samples."""
    plotting.line_chart({k: v for k, v in history.items() if "loss" in k},
                        out / "training-curves-loss.png", title="loss")
    plotting.line_chart({k: v for k, v in history.items() if "acc" in k},
                        out / "training-curves.png", title="accuracy")
    names = sorted(train_it.class_indices, key=train_it.class_indices.get)
    if metrics is not None:
        plotting.confusion_matrix_image(np.array(metrics["confusion_matrix"]), names,
                                        out / "confusion-matrix.png")
    x, y = train_it[0][:2]
    plotting.image_grid(x[:10], [names[int(i)] for i in np.argmax(y[:10], -1)],
                        out / "augmented-samples.png")


def finish_run(model, config, out: Path, train_it, val_it, interrupted: bool = False,
               diverged: str | None = None) -> dict | None:
    """Reload the best weights, evaluate on the validation data, write plots and report.

    A run whose loss diverged before any checkpoint was written has no weights worth
    evaluating: its report says so, and no metrics.json is written (None is returned).
    """
    has_best = (out / run_state.BEST).exists()
    if has_best:
        model.load_weights(str(out / run_state.BEST))
    metrics = evaluate(model, val_it) if has_best or not diverged else None
    history = read_history(out / "history.csv")
    draw_plots(out, history, metrics, train_it)
    if metrics is not None:
        run_state.write_json(out / "metrics.json", metrics)
    elif (out / "metrics.json").exists():
        (out / "metrics.json").unlink()                  # from an earlier session of the run
    (out / "report.md").write_text(report_text(config, metrics, history, interrupted,
                                               diverged, out))
    if metrics is not None:
        print(f"validation accuracy {metrics['accuracy']:.4f} on {metrics['samples']} images "
              f"({'best checkpoint' if has_best else 'last weights'}); "
              f"report: {out / 'report.md'}")
    return metrics


def _status_lines(config, metrics, epochs, interrupted, diverged, has_best) -> list[str]:
    lines = [f"- epochs trained: {epochs} of {config.epochs}"
             + (" (stopped early by Ctrl-C)" if interrupted else "")
             + (", the last one cut short" if diverged else "")]
    if diverged:
        lines.append(f"- **{diverged}**; try a smaller learning rate")
    if metrics is None:
        return lines + ["- no checkpoint was written: no epoch ended with a finite "
                        "validation loss, so there are no trained weights to use"]
    source = "best checkpoint" if has_best else "last weights; no checkpoint was written"
    return lines + [f"- validation accuracy ({source}): **{metrics['accuracy']:.4f}** on "
                    f"{metrics['samples']} images"]


def report_text(config, metrics: dict | None, history: dict, interrupted: bool,
                diverged: str | None = None, out: Path | None = None) -> str:
    """report.md: settings, final metrics, per-class table and the plots that exist."""
    epochs = len(history.get("loss", []))
    exists = (lambda name: (out / name).exists()) if out is not None else (lambda name: True)
    lines = [f"# chainrule run: {config.model} on {config.data_dir}", "",
             *_status_lines(config, metrics, epochs, interrupted, diverged,
                            exists(run_state.BEST)),
             f"- image size {config.image_size}, batch {config.batch_size}, optimizer "
             f"{config.optimizer} (learning rate {config.learning_rate}), seed {config.seed}",
             f"- augmentation: {config.augmentation or 'none'}", ""]
    if metrics is not None:
        lines += ["| class | precision | recall | images |", "|---|---|---|---|"]
        lines += [f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | "
                  f"{row['support']} |" for name, row in metrics["per_class"].items()]
        lines.append("")
    plots = [("accuracy", "training-curves.png"), ("loss", "training-curves-loss.png"),
             ("confusion matrix", "confusion-matrix.png"),
             ("augmented training samples", "augmented-samples.png")]
    lines += [f"![{alt}]({name})" for alt, name in plots if exists(name)]
    files = [(run_state.BEST, "best validation loss"), (run_state.LAST, "for --resume"),
             (run_state.CONFIG, ""), ("history.csv", ""), ("metrics.json", "")]
    listed = ", ".join(name + (f" ({why})" if why else "") for name, why in files
                       if exists(name))
    return "\n".join(lines + ["", f"Files: {listed}.", ""])
