"""Issue 14: every user mistake is one "chainrule: error:" line and exit 2, nothing of the
user's is overwritten, a failed start writes nothing, values never change meaning, and a
diverging run stops with an honest report."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import commands, run_state
from chainrule.cli.main import BUG, main
from tests.image_folders import shape_folder


def fails_with(argv, capsys, message) -> None:
    """`main(argv)` exits 2 with one error line containing `message`, and no traceback."""
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("chainrule: error: ") and message in lines[0], err


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty current folder: a refused command must leave it empty."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shapes(tmp_path):
    return shape_folder(tmp_path / "shapes", per_class=5, size=32)


@pytest.mark.parametrize("flag, value, message", [
    ("--batch-size", "0", "--batch-size: expected a whole number of at least 1, received 0"),
    ("--batch-size", "abc", "expected a whole number, received 'abc'"),
    ("--image-size", "-32", "--image-size: expected a whole number of at least 1"),
    ("--image-size", "0", "--image-size: expected a whole number of at least 1, received 0"),
    ("--epochs", "0", "--epochs: expected a whole number of at least 1, received 0"),
    ("--epochs", "-1", "--epochs: expected a whole number of at least 1, received -1"),
    ("--zoom", "-5", "--zoom: expected a finite number at least 0 and below 1"),
    ("--rotation", "nan", "--rotation: expected a finite number"),
    ("--learning-rate", "nan", "--learning-rate: expected a finite number above 0"),
    ("--learning-rate", "inf", "--learning-rate: expected a finite number above 0"),
    ("--learning-rate", "0", "--learning-rate: expected a finite number above 0"),
    ("--validation-split", "1", "--validation-split: expected a finite number above 0"),
    ("--seed", "-1", "--seed: expected a whole number of at least 0"),
])
def test_bad_values_are_refused_before_anything_is_written(workdir, capsys, flag, value,
                                                           message):
    shape_folder(workdir / "data", per_class=3, size=32)
    fails_with(["train", "data", flag, value], capsys, message)
    assert sorted(p.name for p in workdir.iterdir()) == ["data"]


@pytest.mark.parametrize("argv, message", [
    (["predict", "run", "x.png", "--top-k", "0"], "--top-k: expected a whole number"),
    (["summary", "nope.h5"], "nope.h5: no such file"),
    (["summary", "seed-cnn", "--classes", "0"], "--classes: expected a whole number"),
    (["datasets", "download", "x"], "Dataset 'x' not found"),
    (["datasets", "list", "x"], "takes no name"),
    (["train", ""], "the data folder is an empty name"),
    (["train", "--out", ""], "argument --out: expected a file or folder name, received ''"),
    (["train", "--resume", ""], "argument --resume: expected a file or folder name"),
    (["train", "--validation-dir", ""], "argument --validation-dir: expected a file or"),
    (["train", "--model", "foo"], "argument --model: invalid choice: 'foo'"),
    ([], "the following arguments are required: command"),
    (["train", "--resume", "nowhere"], "--resume nowhere: no such run directory"),
    (["evaluate", "nowhere", "."], "is not a run directory"),
])
def test_user_mistakes_outside_training_are_one_line(workdir, capsys, argv, message):
    fails_with(argv, capsys, message)
    assert list(workdir.iterdir()) == []


def test_a_truncated_saved_model_is_a_user_error(workdir, capsys):
    (workdir / "model.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(40))
    fails_with(["summary", "model.h5"], capsys, "cannot load model.h5: the file is damaged")


def test_out_naming_a_file_is_refused(workdir, shapes, capsys):
    (workdir / "notes.txt").write_text("mine")
    fails_with(["train", shapes, "--out", "notes.txt"], capsys, "is a file, not a folder")
    assert (workdir / "notes.txt").read_text() == "mine"


def test_out_on_a_folder_of_user_files_is_refused_and_nothing_is_overwritten(workdir, shapes,
                                                                             capsys):
    notes = workdir / "notes"
    notes.mkdir()
    mine = {"report.md": "my report", "history.csv": "my history", "metrics.json": "{}"}
    for name, text in mine.items():
        (notes / name).write_text(text)
    fails_with(["train", shapes, "--out", notes], capsys, "files that are not a chainrule run")
    assert {p.name: p.read_text() for p in notes.iterdir()} == mine


def test_a_run_is_never_written_inside_the_data_folder(workdir, capsys, monkeypatch):
    data = shape_folder(workdir / "data", per_class=3, size=32)
    monkeypatch.chdir(data)
    fails_with(["train", "."], capsys, "--out runs/latest is inside the data folder .")
    fails_with(["train", str(workdir / "data"), "--out", "sub/run"], capsys,
               "inside the data folder")
    assert sorted(p.name for p in data.iterdir()) == ["circle", "square", "triangle"]


def test_a_single_class_folder_is_refused(workdir, capsys):
    shape_folder(workdir / "data", per_class=3, size=32)
    for name in ("square", "triangle"):
        for f in (workdir / "data" / name).iterdir():
            f.unlink()
        (workdir / "data" / name).rmdir()
    fails_with(["train", "data", "--out", "run"], capsys, "a single class folder (circle)")
    assert not (workdir / "run").exists()


def test_vgg_weights_with_another_model_is_refused(workdir, shapes, capsys):
    fails_with(["train", shapes, "--model", "mlp", "--vgg-weights", "imagenet"], capsys,
               "--vgg-weights only applies to --model vgg16-transfer")
    fails_with(["train", shapes, "--model", "vgg16-transfer", "--vgg-weights", "no.h5"], capsys,
               "--vgg-weights no.h5: no such file")


def test_an_empty_validation_subset_is_a_user_error(workdir, capsys):
    shape_folder(workdir / "data", per_class=2, size=32)
    fails_with(["train", "data", "--out", "run"], capsys, "subset='validation'")
    assert not (workdir / "run").exists()


def test_a_run_folder_among_the_classes_is_ignored(workdir, capsys):
    from chainrule.cli.data import class_folders

    data = shape_folder(workdir / "data", per_class=3, size=32)
    run_state.mark_run_dir(data / "runs" / "latest")
    (data / "runs" / "latest" / "samples.png").write_bytes(b"")
    with pytest.warns(UserWarning, match="ignoring .*runs: it holds a chainrule run"):
        assert class_folders(str(data)) == ["circle", "square", "triangle"]


def test_a_real_bug_shows_its_traceback_and_asks_to_report_it(capsys, monkeypatch):
    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(commands, "explain", broken)
    assert main(["explain"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: a bug" in err
    assert err.strip().splitlines()[-1] == BUG


def fake_run(folder: Path, data: Path, **files) -> Path:
    """A run directory as `chainrule train --epochs 1` leaves it, with some files replaced
    (or removed: None). last.h5 is damaged; state.json is where runs kept their state before
    it moved into last.h5."""
    config = {"data_dir": str(data), "model": "mlp", "image_size": 8, "batch_size": 4,
              "epochs": 1, "validation_split": 0.4, "validation_dir": None,
              "augmentation": {}, "optimizer": "adam", "learning_rate": 0.001, "seed": 0,
              "vgg_weights": None, "color_mode": "rgb"}
    run_state.mark_run_dir(folder)
    defaults = {"config.json": json.dumps(config),
                "classes.json": json.dumps({"circle": 0, "square": 1, "triangle": 2}),
                "state.json": json.dumps({"epochs_done": 1, "best_val_loss": 1.0,
                                          "iterators": {}, "layers": {}}),
                "last.h5": b"\x89HDF\r\n\x1a\n" + bytes(100),
                "best.weights.h5": b"\x89HDF\r\n\x1a\n" + bytes(100)}
    for name, content in {**defaults, **files}.items():
        path = folder / name
        if content is None:
            continue
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return folder


@pytest.mark.parametrize("files, argv, message", [
    ({}, ["predict", "run", "x.png"], "cannot load run/best.weights.h5: the file is damaged"),
    ({}, ["train", "--resume", "run", "--epochs", "2"],
     "cannot resume run: run/last.h5 is damaged"),
    ({"config.json": "{\"data_dir\": "}, ["train", "--resume", "run", "--epochs", "2"],
     "cannot read run/config.json"),
    ({"config.json": "{\"foo\": 1}"}, ["train", "--resume", "run", "--epochs", "2"],
     "not the config.json of a chainrule run"),
    ({"config.json": "{\"data_dir\": \"d\", \"image_size\": \"x\"}"}, ["predict", "run", "x"],
     "its values are not those of a chainrule run"),
    ({"state.json": "[1", "last.h5": None}, ["train", "--resume", "run", "--epochs", "2"],
     "cannot read run/state.json"),
    ({"last.h5": None}, ["train", "--resume", "run"], "has already trained 1 of 1 epochs"),
    ({}, ["train", "--resume", "run", "--learning-rate", "0.1"],
     "--learning-rate cannot be changed"),
    ({}, ["train", "--resume", "run", "--image-size", "32"], "--image-size cannot be changed"),
    ({}, ["train", "--resume", "run", "--batch-size", "8"], "--batch-size cannot be changed"),
    ({}, ["train", "--resume", "run", "--augment", "lecture"], "--augment and its flags"),
    ({}, ["train", "--resume", "run", "--out", "elsewhere"], "leave out --out"),
    ({}, ["train", "--resume", "run", "other", "--epochs", "2"], "DATA_DIR cannot be changed"),
    ({}, ["train", "--resume", "run", "--batch-size", "4", "--epochs", "2"],
     "cannot resume run"),                                   # its own batch size: accepted
])
def test_damaged_runs_and_resume_mistakes_are_one_line(workdir, shapes, capsys, files, argv,
                                                       message):
    run = fake_run(workdir / "run", shapes, **files)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    fails_with(argv, capsys, message)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def run_cli(*argv, cwd):
    """The installed command as a user runs it, in a fresh process."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "chainrule.cli.main", *map(str, argv)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["train", "data", "--batch-size", "0"], "--batch-size: expected a whole number"),
    (["train", "data", "--zoom", "-5"], "--zoom: expected a finite number"),
    (["summary", "nope.h5"], "nope.h5: no such file"),
    (["datasets", "download", "x"], "Dataset 'x' not found"),
    (["predict", "run", "data/circle/circle00.png"], "cannot load run/best.weights.h5"),
    (["train", "--resume", "run", "--epochs", "3"], "cannot resume run"),
    (["train", "data", "--out", "notes"], "files that are not a chainrule run"),
])
def test_the_command_prints_exactly_one_error_line(workdir, capsys, argv, message):
    data = shape_folder(workdir / "data", per_class=5, size=32)
    fake_run(workdir / "run", data)
    (workdir / "notes").mkdir()
    (workdir / "notes" / "report.md").write_text("mine")
    done = run_cli(*argv, cwd=workdir)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), done.stderr
    assert message in lines[0]


def tiny_train(data, out, *extra):
    return ["train", str(data), "--model", "mlp", "--image-size", "8", "--batch-size", "8",
            "--epochs", "1", "--out", str(out), *extra]


@pytest.mark.slow
def test_a_failed_start_does_not_block_the_identical_retry(workdir, capsys):
    argv = tiny_train(workdir / "data", workdir / "run")
    fails_with(argv, capsys, "data folder")                     # no data yet
    assert not (workdir / "run").exists()
    shape_folder(workdir / "data", per_class=5, size=32)
    assert main(argv) == 0                                      # the same command, retried
    assert (workdir / "run" / run_state.MARKER).is_file()
    assert (workdir / "run" / "best.weights.h5").is_file()
    capsys.readouterr()
    fails_with(argv, capsys, "already holds a run; continue it with --resume")


@pytest.mark.slow
def test_an_existing_empty_folder_is_a_fine_out(workdir, shapes):
    (workdir / "empty").mkdir()
    assert main(tiny_train(shapes, workdir / "empty")) == 0
    assert run_state.is_run_dir(workdir / "empty")


@pytest.mark.slow
def test_a_diverging_loss_stops_with_exit_2_and_an_honest_report(workdir, shapes, capsys):
    out = workdir / "run"
    fails_with(tiny_train(shapes, out, "--learning-rate", "1e30", "--epochs", "3"), capsys,
               "training stopped: the loss became nan")
    text = (out / "report.md").read_text()
    assert "training stopped: the loss became" in text
    assert not (out / "best.weights.h5").exists()
    assert "no checkpoint was written" in text and "best checkpoint" not in text
    assert "best.weights.h5" not in text and "metrics.json" not in text
    assert not (out / "metrics.json").exists()
    history = (out / "history.csv").read_text().strip().splitlines()
    assert len(history) < 1 + 3                                  # stopped before epoch 3
    fails_with(["predict", out, shapes / "circle" / "circle00.png"], capsys,
               "has no trained weights yet")


def test_the_report_of_a_run_without_checkpoint_claims_none(tmp_path):
    from chainrule.cli.report import report_text
    from chainrule.cli.train import TrainConfig

    (tmp_path / "last.h5").write_bytes(b"")
    text = report_text(TrainConfig(data_dir="d", epochs=3), None, {"loss": [1.0, float("nan")]},
                       interrupted=False, diverged="training stopped: the loss became nan",
                       out=tmp_path)
    assert "epochs trained: 2 of 3, the last one cut short" in text
    assert "no checkpoint was written" in text and "best checkpoint" not in text
    assert "Files: last.h5 (for --resume)." in text and "confusion" not in text


def test_predict_names_an_image_it_cannot_read(workdir, shapes, capsys):
    from chainrule.cli import architectures

    run = fake_run(workdir / "run", shapes)
    architectures.build("mlp", 8, 3, 3).save_weights(str(run / "best.weights.h5"))
    (workdir / "notes.png").write_text("not an image")
    fails_with(["predict", run, "notes.png"], capsys,
               "cannot read image notes.png: not an image file Pillow can read")
    fails_with(["predict", run, shapes], capsys, f"cannot read image {shapes}")
    assert main(["predict", str(run), str(shapes / "square" / "square00.png")]) == 0
    assert capsys.readouterr().out.startswith(f"{shapes / 'square' / 'square00.png'}: ")


def test_resume_refuses_a_data_folder_whose_classes_changed(workdir, shapes, capsys):
    run = fake_run(workdir / "run", shapes, **{"state.json": None, "last.h5": None,
                                               "classes.json": '{"cat": 0, "dog": 1}'})
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    fails_with(["train", "--resume", run, "--epochs", "2"], capsys,
               "the run was started with ['cat', 'dog']")
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def test_validation_split_with_a_validation_folder_is_refused(workdir, shapes, capsys):
    fails_with(["train", shapes, "--validation-dir", shapes, "--validation-split", "0.3"],
               capsys, "--validation-split has no effect with --validation-dir")


@pytest.mark.slow
def test_a_start_killed_after_the_marker_does_not_block_a_new_run(workdir, shapes):
    run_state.mark_run_dir(workdir / "run")                    # killed right after this
    assert main(tiny_train(shapes, workdir / "run")) == 0
    assert (workdir / "run" / "config.json").is_file()
