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


def draw_plots(out: Path, history: dict, metrics: dict, train_it) -> None:
    plotting.line_chart({k: v for k, v in history.items() if "loss" in k},
                        out / "training-curves-loss.png", title="loss")
    plotting.line_chart({k: v for k, v in history.items() if "acc" in k},
                        out / "training-curves.png", title="accuracy")
    plotting.confusion_matrix_image(np.array(metrics["confusion_matrix"]), metrics["classes"],
                                    out / "confusion-matrix.png")
    x, y = train_it[0][:2]
    names = metrics["classes"]
    plotting.image_grid(x[:10], [names[int(i)] for i in np.argmax(y[:10], -1)],
                        out / "augmented-samples.png")


def finish_run(model, config, out: Path, train_it, val_it, interrupted: bool = False) -> dict:
    """Reload the best weights, evaluate on the validation data, write plots and report."""
    if (out / run_state.BEST).exists():
        model.load_weights(str(out / run_state.BEST))
    metrics = evaluate(model, val_it)
    history = read_history(out / "history.csv")
    draw_plots(out, history, metrics, train_it)
    run_state.write_json(out / "metrics.json", metrics)
    (out / "report.md").write_text(report_text(config, metrics, history, interrupted))
    print(f"validation accuracy {metrics['accuracy']:.4f} on {metrics['samples']} images; "
          f"report: {out / 'report.md'}")
    return metrics


def report_text(config, metrics: dict, history: dict, interrupted: bool) -> str:
    """report.md: settings, final metrics, per-class table and the plots."""
    epochs = len(history.get("loss", []))
    lines = [f"# chainrule run: {config.model} on {config.data_dir}", "",
             f"- epochs trained: {epochs} of {config.epochs}"
             + (" (stopped early by Ctrl-C)" if interrupted else ""),
             f"- validation accuracy (best checkpoint): **{metrics['accuracy']:.4f}** on "
             f"{metrics['samples']} images",
             f"- image size {config.image_size}, batch {config.batch_size}, optimizer "
             f"{config.optimizer} (learning rate {config.learning_rate}), seed {config.seed}",
             f"- augmentation: {config.augmentation or 'none'}", "",
             "| class | precision | recall | images |", "|---|---|---|---|"]
    for name, row in metrics["per_class"].items():
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['support']} |")
    lines += ["", "![accuracy](training-curves.png)", "![loss](training-curves-loss.png)",
              "![confusion matrix](confusion-matrix.png)",
              "![augmented training samples](augmented-samples.png)", "",
              "Files: best.weights.h5 (best validation loss), last.h5 (for --resume), "
              "config.json, history.csv, metrics.json.", ""]
    return "\n".join(lines)
