"""`chainrule train --tensorboard`, `chainrule export RUN_DIR model.onnx` and
`chainrule predict model.onnx IMAGES`, end to end on a small generated image folder."""
import csv
import sys

import numpy as np
import pytest

from chainrule.cli.main import main
from tests.image_folders import shape_folder

tensorboard = pytest.importorskip("tensorboard",
                                  reason="needs the [tensorboard] extra (tensorboard)")
pytest.importorskip("onnxruntime", reason="needs the [onnx] extra (onnxruntime)")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("extras")
    shapes, out = shape_folder(root / "shapes"), root / "run"
    assert main(["train", str(shapes), "--image-size", "24", "--batch-size", "8", "--out",
                 str(out), "--model", "mlp", "--epochs", "2", "--tensorboard"]) == 0
    return shapes, out


def _scalars(folder, tag):
    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    return [float(tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


@pytest.mark.slow
def test_train_tensorboard_logs_equal_history_csv(trained):
    _, out = trained
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    for folder, key in (("train", "loss"), ("train", "acc"), ("validation", "val_loss")):
        tag = "epoch_" + key.removeprefix("val_")
        written = _scalars(out / "logs" / folder, tag)
        np.testing.assert_allclose(written, [float(r[key]) for r in rows], rtol=1e-6)


@pytest.mark.slow
def test_exported_onnx_predicts_what_the_run_predicts(trained, tmp_path, capsys):
    shapes, out = trained
    path = tmp_path / "model.onnx"
    assert main(["export", str(out), str(path)]) == 0
    assert "output_0 (3 class probabilities)" in capsys.readouterr().out
    images = [str(shapes / "circle" / "circle00.png"), str(shapes / "square" / "square01.png")]
    assert main(["predict", str(out), *images, "--top-k", "3"]) == 0
    from_run = capsys.readouterr().out
    assert main(["predict", str(path), *images, "--top-k", "3"]) == 0
    assert capsys.readouterr().out == from_run


def test_predict_onnx_without_onnxruntime_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["predict", str(tmp_path / "model.onnx"), "x.png"]) == 2
    assert "pip install 'chainrule[onnx]'" in capsys.readouterr().err


def test_train_tensorboard_without_the_package_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    assert main(["train", str(tmp_path), "--tensorboard", "--out", str(tmp_path / "r")]) == 2
    assert "pip install 'chainrule[tensorboard]'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_export_never_writes_over_a_file_that_is_not_an_onnx_model(trained, tmp_path, capsys):
    _, out = trained
    notes = tmp_path / "notes.onnx"
    notes.write_text("mine")
    assert main(["export", str(out), str(notes)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"chainrule: error: {notes} exists and is not an ONNX model; chainrule does "
                   f"not write over it. Choose another output path."]
    assert notes.read_text() == "mine"
    assert main(["export", str(out), str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    model = tmp_path / "model.onnx"
    assert main(["export", str(out), str(model)]) == 0
    assert main(["export", str(out), str(model)]) == 0          # an earlier export: replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx", "notes.onnx"]
