"""The `chainrule` command end to end on a small generated image folder, as a user runs it."""
import json

import h5py
import numpy as np
import pytest
from PIL import Image

from chainrule.cli.main import main
from tests.image_folders import shape_folder


@pytest.fixture
def shapes(tmp_path):
    return shape_folder(tmp_path / "shapes")


def train_args(data, out, *extra):
    return ["train", str(data), "--image-size", "24", "--batch-size", "8", "--out", str(out),
            "--model", "mlp", *extra]


@pytest.mark.slow
def test_train_writes_a_complete_run_directory(shapes, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(shapes, out, "--epochs", "2")) == 0
    printed = capsys.readouterr().out
    assert "Found 30 images belonging to 3 classes." in printed
    assert "Found 6 images belonging to 3 classes." in printed
    assert 'Model: "sequential"' in printed and "Epoch 2/2" in printed
    assert "val_loss improved from inf to" in printed
    for name in ("best.weights.h5", "last.h5", "config.json", "history.csv", "report.md",
                 "metrics.json", "classes.json"):
        assert (out / name).exists(), name
    for name in ("training-curves.png", "confusion-matrix.png", "augmented-samples.png"):
        with Image.open(out / name) as img:
            assert img.format == "PNG" and img.size[0] > 100
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "mlp" and config["epochs"] == 2
    assert "validation accuracy" in (out / "report.md").read_text()
    assert len((out / "history.csv").read_text().strip().splitlines()) == 3


@pytest.mark.slow
def test_resume_gives_the_same_weights_as_an_uninterrupted_run(shapes, tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    flags = ("--model", "seed-cnn", "--augment", "lecture")
    assert main(train_args(shapes, straight, "--epochs", "2", *flags)) == 0
    assert main(train_args(shapes, resumed, "--epochs", "1", *flags)) == 0
    assert main(["train", "--resume", str(resumed), "--epochs", "2"]) == 0
    with h5py.File(straight / "last.h5", "r") as a, h5py.File(resumed / "last.h5", "r") as b:
        names = []
        a["model_weights"].visit(names.append)
        datasets = [n for n in names if isinstance(a["model_weights"][n], h5py.Dataset)]
        assert datasets
        for n in datasets:
            np.testing.assert_array_equal(a["model_weights"][n][()], b["model_weights"][n][()])
    history = (resumed / "history.csv").read_text().strip().splitlines()
    assert len(history) == 3                                    # header + 2 epochs


@pytest.mark.slow
def test_predict_and_evaluate_a_trained_run(shapes, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(shapes, out, "--epochs", "1")) == 0
    capsys.readouterr()
    image = shapes / "circle" / "circle00.png"
    assert main(["predict", str(out), str(image), "--top-k", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{image}: ") and line.count(" 0.") + line.count(" 1.") == 2
    assert main(["evaluate", str(out), str(shapes)]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "confusion matrix" in text and "triangle" in text


def test_summary_of_a_model_name(capsys):
    assert main(["summary", "seed-cnn", "--image-size", "150", "--classes", "3"]) == 0
    assert "Total params: 3,473,475" in capsys.readouterr().out


def test_explain_prints_the_lecture_examples(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "df/dx = -4" in out and "= 6\n" in out and "[112  37]" in out


@pytest.mark.parametrize("setup, argv, message", [
    ("empty", ["train", "{tmp}/empty"], "has no class sub-folders"),
    ("missing", ["train", "{tmp}/nowhere"], "does not exist"),
    ("empty_class", ["train", "{tmp}/data"], "has no images"),
    ("tiny", ["train", "{tmp}/data", "--image-size", "3"], "too small"),
    ("none", ["predict", "{tmp}/norun", "x.png"], "is not a run directory"),
])
def test_errors_for_people_exit_2_with_one_line(tmp_path, capsys, setup, argv, message):
    (tmp_path / "empty").mkdir()
    if setup in ("empty_class", "tiny"):
        shape_folder(tmp_path / "data", per_class=5)
        if setup == "empty_class":
            (tmp_path / "data" / "zebra").mkdir()
    argv = [a.format(tmp=tmp_path) for a in argv] + ["--out", str(tmp_path / "run")] \
        if argv[0] == "train" else [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chainrule: error: ") and message in err and "\n" not in err


@pytest.mark.slow
def test_resuming_with_another_model_is_refused(shapes, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(train_args(shapes, out, "--epochs", "1")) == 0
    assert main(["train", "--resume", str(out), "--model", "seed-cnn"]) == 2
    assert "was trained with --model mlp" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_stops_after_the_batch_and_still_writes_the_report(shapes, tmp_path, monkeypatch):
    import os
    import signal

    from chainrule.cli import train

    def interrupt_at_second_batch(self, batch, logs=None):
        if batch == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(train.StopOnInterrupt, "on_train_batch_end", interrupt_at_second_batch,
                        raising=False)
    out = tmp_path / "run"
    assert main(train_args(shapes, out, "--epochs", "5")) == 0
    assert "stopped early by Ctrl-C" in (out / "report.md").read_text()
    assert (out / "best.weights.h5").exists()
    assert len((out / "history.csv").read_text().strip().splitlines()) == 2   # one epoch


@pytest.mark.slow
def test_a_corrupt_image_is_skipped_with_one_warning_line(shapes, tmp_path, capsys):
    (shapes / "circle" / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "run"
    with pytest.warns(UserWarning, match="broken.png"):
        assert main(train_args(shapes, out, "--epochs", "1")) == 0
    assert (out / "report.md").exists()


@pytest.mark.slow
def test_default_command_trains_on_the_bundled_digits(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    out = tmp_path / "run"
    assert main(["train", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.95 and metrics["classes"] == [str(d) for d in range(10)]


@pytest.mark.slow
def test_separate_validation_folder_as_in_the_horse_lab(tmp_path, capsys):
    train_dir = shape_folder(tmp_path / "train", per_class=6)
    val_dir = shape_folder(tmp_path / "val", per_class=2, seed=1)
    out = tmp_path / "run"
    assert main(train_args(train_dir, out, "--epochs", "1", "--validation-dir", str(val_dir))) == 0
    printed = capsys.readouterr().out
    assert "Found 18 images belonging to 3 classes." in printed
    assert "Found 6 images belonging to 3 classes." in printed
    assert json.loads((out / "metrics.json").read_text())["samples"] == 6


def test_datasets_command_lists_builders_and_shows_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    assert main(["datasets", "list"]) == 0
    listed = capsys.readouterr().out.split()
    assert {"cats_vs_dogs", "digits", "rock_paper_scissors", "horses_or_humans"} <= set(listed)
    assert main(["datasets", "show"]) == 0
    assert str(tmp_path / "home") in capsys.readouterr().out
    assert main(["datasets", "download"]) == 2
    assert "which dataset" in capsys.readouterr().err
