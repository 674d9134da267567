"""DataFrameIterator (flow_from_dataframe) on a dict of columns (pandas is not needed)."""
import os

import numpy as np
import pytest

from chainrule.preprocessing.image import ImageDataGenerator
from chainrule.preprocessing.iterators import DataFrameIterator
from tests.preprocessing.image_tree import TARGET_SIZE
from tests.preprocessing.iter_support import no_leaked_worker_threads, tree  # noqa: F401


def _flow(table, directory, generator=None, **kwargs):
    kwargs.setdefault("target_size", TARGET_SIZE)
    generator = generator or ImageDataGenerator(rescale=1 / 255.0)
    return generator.flow_from_dataframe(table, directory, **kwargs)


@pytest.fixture
def table():
    return {"filename": ["cats/cat.1.png", "dogs/dog_0.png", "horses/h0.png", "cats/UPPER.JPG",
                         "dogs/dog_1.png", "horses/h2.jpg"],
            "class": ["cat", "dog", "horse", "cat", "dog", "horse"],
            "score": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
            "weight": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]}


def test_categorical_matches_the_directory_iterator(tree, table, capsys):
    it = _flow(table, tree, shuffle=False, batch_size=6, weight_col="weight")
    assert capsys.readouterr().out == ("Found 6 validated image filenames belonging to 3 "
                                       "classes.\n")
    assert it.class_indices == {"cat": 0, "dog": 1, "horse": 2}
    x, y, w = it[0]
    assert y.tolist() == np.eye(3)[[0, 1, 2, 0, 1, 2]].tolist() and w.tolist() == table["weight"]
    folders = ImageDataGenerator(rescale=1 / 255.0).flow_from_directory(
        tree, target_size=TARGET_SIZE, shuffle=False, batch_size=32)
    rows = [folders.filenames.index(os.path.normpath(f)) for f in table["filename"]]
    np.testing.assert_array_equal(x, folders[0][0][rows])


def test_sparse_raw_input_and_none(tree, table, capsys):
    sparse = _flow(table, tree, class_mode="sparse", shuffle=False, batch_size=3)
    assert sparse[0][1].tolist() == [0.0, 1.0, 2.0] and sparse[0][1].dtype == np.float32
    raw = _flow(table, tree, class_mode="raw", y_col="score", shuffle=False, batch_size=3)
    assert raw[1][1].tolist() == [3.5, 4.5, 5.5]
    x, y = _flow(table, tree, class_mode="input", shuffle=False, batch_size=2)[0]
    np.testing.assert_array_equal(x, y)
    assert _flow(table, tree, class_mode=None, batch_size=2)[0].shape == (2, 20, 24, 3)
    assert "Found 6 validated image filenames.\n" in capsys.readouterr().out


def test_binary_needs_two_classes_and_classes_filters_rows(tree, table, capsys):
    with pytest.raises(ValueError, match=r'class_mode="binary" there must be 2 classes. Found 3'):
        _flow(table, tree, class_mode="binary")
    it = _flow(table, tree, class_mode="binary", classes=["dog", "cat"], shuffle=False)
    assert it.class_indices == {"dog": 0, "cat": 1} and it.samples == 4
    assert it[0][1].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_multi_label_rows(tree, table, capsys):
    table["class"] = [["cat"], ["dog", "cat"], "horse", ["cat"], "dog", ["horse", "dog"]]
    y = _flow(table, tree, shuffle=False, batch_size=6)[0][1]
    assert y.tolist()[1] == [1.0, 1.0, 0.0] and y.tolist()[5] == [0.0, 1.0, 1.0]


def test_invalid_filenames_are_dropped_with_one_warning(tree, table, capsys):
    table["filename"][1] = "dogs/missing.png"
    table["filename"][2] = "cats/notes.txt"
    with pytest.warns(UserWarning, match=r'Found 2 invalid image filename\(s\) in '
                                         r'x_col="filename"'):
        it = _flow(table, tree)
    assert it.samples == 4
    assert _flow(table, tree, validate_filenames=False).samples == 6


def test_subset_is_one_global_cut(tree, table, capsys):
    gen = ImageDataGenerator(validation_split=0.5)
    val = _flow(table, tree, gen, subset="validation", shuffle=False)
    train = _flow(table, tree, gen, subset="training", shuffle=False)
    assert val.filenames == table["filename"][:3] and train.filenames == table["filename"][3:]
    assert train.classes.tolist() == [0, 1, 2]


def test_direct_construction_without_a_generator(tree, table, capsys):
    it = DataFrameIterator(table, tree, target_size=TARGET_SIZE, shuffle=False, batch_size=2)
    assert it[0][0].max() > 1                  # no generator: no rescale


def test_table_errors(tree, table):
    with pytest.raises(ValueError, match=r"Column 'path' is not in the dataframe; its columns "
                                         r"are \['filename', 'class', 'score', 'weight'\]"):
        _flow(table, tree, x_col="path")
    with pytest.raises(TypeError, match=r"expects a pandas.DataFrame \(pip install pandas\)"):
        _flow([["a.png", "cat"]], tree)
    with pytest.raises(ValueError, match=r"Invalid class_mode: 'onehot'"):
        _flow(table, tree, class_mode="onehot")
    with pytest.raises(TypeError, match='class_mode="multi_output", y_col must be a list'):
        _flow(table, tree, class_mode="multi_output")
    table["filename"][0] = 3
    with pytest.raises(TypeError, match="x_col=filename must be strings"):
        _flow(table, tree)


def test_multi_output_and_ignored_classes_warning(tree, table, capsys):
    it = _flow(table, tree, class_mode="multi_output", y_col=["score", "weight"], shuffle=False,
               batch_size=2)
    scores, weights = it[0][1]
    assert scores.tolist() == [0.5, 1.5] and weights.tolist() == [1.0, 2.0]
    with pytest.warns(UserWarning, match='`classes` will be ignored given the class_mode="raw"'):
        _flow(table, tree, class_mode="raw", y_col="score", classes=["cat"])
