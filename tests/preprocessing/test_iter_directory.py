"""DirectoryIterator (flow_from_directory) against tf.keras 2.12 on the recipe's image tree."""
import os
import shutil

import numpy as np
import pytest

from chainrule.preprocessing.image import ImageDataGenerator
from chainrule.preprocessing.iterators import DirectoryIterator
from tests.preprocessing.image_tree import IMAGES, TARGET_SIZE, tree_digests
from tests.preprocessing.iter_support import (no_leaked_worker_threads,  # noqa: F401
                                              ref_json, reference, tree)

JPEGS = [path for path, _, _ in IMAGES if path.lower().endswith((".jpg", ".jpeg"))]


def _flow(directory, generator=None, **kwargs):
    kwargs.setdefault("target_size", TARGET_SIZE)
    generator = generator or ImageDataGenerator(rescale=1 / 255.0)
    return generator.flow_from_directory(directory, **kwargs)


def _all_batches(it):
    batches = [it[i] for i in range(len(it))]
    return batches, np.concatenate([b[0] for b in batches])


def _assert_images_equal(tree, filenames, got, expected):
    """Exact, except JPEGs when this Pillow encodes them differently from the fixture's."""
    same_bytes = tree_digests(tree) == ref_json("tree/digests")
    for name, a, b in zip(filenames, got, expected):
        if same_bytes or name.replace(os.sep, "/") not in JPEGS:
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            np.testing.assert_allclose(a, b, atol=12 / 255, err_msg=name)


@pytest.mark.parametrize("subset", [None, "training", "validation"])
def test_files_classes_and_message_match_keras(tree, capsys, subset):
    name = subset or "all"
    it = _flow(tree, ImageDataGenerator(rescale=1 / 255.0, validation_split=0.2), subset=subset,
               shuffle=False, batch_size=8)
    assert capsys.readouterr().out == str(reference()[f"dir/{name}/message"])
    assert [f.replace(os.sep, "/") for f in it.filenames] == ref_json(f"dir/{name}/filenames")
    assert it.class_indices == ref_json(f"dir/{name}/class_indices")
    assert it.classes.dtype == np.int32 and it.labels is it.classes
    np.testing.assert_array_equal(it.classes, reference()[f"dir/{name}/classes"])
    assert it.samples == it.n == int(reference()[f"dir/{name}/samples"])
    assert len(it) == int(reference()[f"dir/{name}/len"])
    assert it.filepaths == [os.path.join(tree, f) for f in it.filenames]
    assert it.num_classes == 4 and it.image_shape == (20, 24, 3) and it.sample_weight is None


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse"])
@pytest.mark.parametrize("subset", [None, "training", "validation"])
def test_batches_match_keras(tree, capsys, each_kernel_path, subset, class_mode):
    name = subset or "all"
    it = _flow(tree, ImageDataGenerator(rescale=1 / 255.0, validation_split=0.2), subset=subset,
               class_mode=class_mode, shuffle=False, batch_size=8)
    batches, x = _all_batches(it)
    assert [len(b[0]) for b in batches] == reference()[f"dir/{name}/batch_sizes"].tolist()
    assert x.dtype == np.float32
    _assert_images_equal(tree, it.filenames, x, reference()[f"dir/{name}/x"])
    y = np.concatenate([b[1] for b in batches])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, reference()[f"dir/{name}/{class_mode}/y"])


@pytest.mark.parametrize("option, kwargs", [
    ("grayscale", {"color_mode": "grayscale"}),
    ("rgba", {"color_mode": "rgba"}),
    ("bilinear_keep_aspect", {"interpolation": "bilinear", "keep_aspect_ratio": True}),
])
def test_loading_options_match_keras(tree, capsys, each_kernel_path, option, kwargs):
    it = _flow(tree, class_mode="sparse", shuffle=False, batch_size=8, **kwargs)
    _, x = _all_batches(it)
    _assert_images_equal(tree, it.filenames, x, reference()[f"dir/option/{option}/x"])


def test_input_and_none_class_modes(tree, capsys):
    x, y = _flow(tree, class_mode="input", batch_size=4, shuffle=False)[0]
    np.testing.assert_array_equal(x, y)
    assert y is not x
    only_x = _flow(tree, class_mode=None, batch_size=4, shuffle=False)[0]
    np.testing.assert_array_equal(only_x, x)


def test_classes_argument_picks_and_orders_folders(tree, capsys):
    it = _flow(tree, classes=["horses", "cats"], shuffle=False)
    assert it.class_indices == {"horses": 0, "cats": 1}
    assert it.filenames[0].startswith("horses") and it.samples == 7 + 9
    assert capsys.readouterr().out == "Found 16 images belonging to 2 classes.\n"


def test_shuffled_batches_cover_every_file_once(tree, capsys):
    it = _flow(tree, class_mode="sparse", batch_size=5, seed=3)
    labels = np.concatenate([it[i][1] for i in range(len(it))])
    assert sorted(labels.tolist()) == sorted(it.classes.tolist())
    assert labels.tolist() != it.classes.tolist()


def _copy_tree(tree, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(tree, root)
    return root


def _add_corrupt_files(root):
    (root / "cats" / "zero.png").write_bytes(b"")
    jpeg = (root / "cats" / "cat.2.jpg").read_bytes()
    (root / "dogs" / "truncated.jpg").write_bytes(jpeg[:len(jpeg) // 2])
    (root / "horses" / "text.png").write_text("this is not a png")


@pytest.mark.parametrize("workers", [0, 2])
def test_unreadable_files_are_skipped_with_one_warning(tree, tmp_path, capsys, workers):
    root = _copy_tree(tree, tmp_path)
    _add_corrupt_files(root)
    it = _flow(root, batch_size=32, shuffle=False)
    it.workers = workers
    assert it.samples == 26 and len(it) == 1
    with pytest.warns(UserWarning) as record:
        x, y = it[0]
        for _ in range(3):
            next(it)
    assert len(record) == 1
    message = str(record[0].message)
    assert "skipped 3 unreadable image file(s) so far" in message
    assert "zero.png" in message and "truncated.jpg" in message and "text.png" in message
    assert len(x) == len(y) == 23
    assert sorted(os.path.basename(p) for p in it.skipped_filepaths) == [
        "text.png", "truncated.jpg", "zero.png"]


def test_skipping_keeps_len_and_the_other_samples(tree, tmp_path, capsys):
    root = _copy_tree(tree, tmp_path)
    _add_corrupt_files(root)
    it = _flow(root, batch_size=8, shuffle=False)
    with pytest.warns(UserWarning, match="skipped 1 unreadable") as record:
        sizes = [len(it[i][0]) for i in range(len(it))]
    assert len(record) == 1 and len(it) == 4 and sizes == [8, 7, 7, 1]
    assert len(it.skipped_filepaths) == 3


@pytest.mark.parametrize("make, error, message", [
    (lambda root: root / "missing", FileNotFoundError, r"directory=.*missing.* does not exist"),
    (lambda root: root, ValueError, r"has no class sub-folders"),
    (lambda root: (root / "f.png").write_bytes(b"x") and root / "f.png", ValueError,
     r"is a file, not a folder"),
])
def test_directory_errors(tmp_path, make, error, message):
    with pytest.raises(error, match=message):
        _flow(make(tmp_path))


def test_a_class_folder_without_images_is_an_error(tree, tmp_path):
    root = _copy_tree(tree, tmp_path)
    (root / "zebras").mkdir()
    (root / "zebras" / "readme.txt").write_text("no images")
    with pytest.raises(ValueError, match=r"class folder .*zebras.* \(class 'zebras'\) contains "
                                         r"no image files.*'\.ipynb_checkpoints' count"):
        _flow(root)


def test_missing_named_class_and_empty_validation_subset(tree, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"classes=\['cats', 'cows'\].*\['cows'\]"):
        _flow(tree, classes=["cats", "cows"])
    root = tmp_path / "tiny"
    shutil.copytree(os.path.join(tree, "horses"), root / "horses")
    with pytest.raises(ValueError, match=r"subset='validation' .* is empty"):
        _flow(root, ImageDataGenerator(validation_split=0.1), subset="validation")


@pytest.mark.parametrize("kwargs, message", [
    ({"class_mode": "onehot"}, r"Invalid class_mode: 'onehot'; expected one of"),
    ({"class_mode": "raw"}, r"Invalid class_mode: 'raw'"),
    ({"subset": "valid"}, r"Invalid subset name: 'valid'"),
    ({"subset": "validation"}, r"needs a generator made with 0 < validation_split < 1"),
    ({"color_mode": "bgr"}, r"color_mode='bgr'"),
    ({"interpolation": "cubic"}, r"interpolation='cubic'"),
    ({"target_size": (150,)}, r"target_size=\(150,\)"),
    ({"batch_size": -2}, r"batch_size=-2"),
])
def test_argument_errors_name_the_argument(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        _flow(tree, **kwargs)


def test_tiff_files_warn_once(tree, tmp_path, capsys):
    root = _copy_tree(tree, tmp_path)
    shutil.copy(root / "cats" / "cat.tif", root / "cats" / "a.tiff")
    shutil.copy(root / "cats" / "cat.tif", root / "cats" / "b.TIFF")
    with pytest.warns(UserWarning, match=r"multiple bands.*\(2 \.tiff file\(s\) found\)"):
        it = _flow(root)
    assert it.samples == 25


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_follow_links(tree, tmp_path, capsys):
    root = _copy_tree(tree, tmp_path)
    os.symlink(os.path.join(tree, "horses"), root / "cats" / "linked")
    assert _flow(root).samples == 23
    assert _flow(root, follow_links=True).samples == 30


def test_save_to_dir_writes_each_augmented_image(tree, tmp_path, capsys):
    out = tmp_path / "augmented"
    out.mkdir()
    it = _flow(tree, batch_size=4, shuffle=False, save_to_dir=out, save_prefix="aug",
               save_format="jpeg")
    it[0]
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 4 and all(n.startswith("aug_") and n.endswith(".jpeg") for n in names)
    assert {n.split("_")[1] for n in names} == {"0", "1", "2", "3"}


LECTURE = dict(rescale=1 / 255, rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
               shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode="nearest")


def test_seeded_augmentation_is_identical_with_and_without_threads(tree, capsys):
    runs = []
    for workers in (0, 2):
        it = _flow(tree, ImageDataGenerator(**LECTURE, validation_split=0.2), subset="training",
                   batch_size=6, seed=11)
        it.workers = workers
        runs.append([next(it) for _ in range(5)] + [it[1], it[2], it[0]])
    for (xa, ya), (xb, yb) in zip(*runs):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    plain = _flow(tree, shuffle=False, batch_size=6)[0][0]
    assert not np.array_equal(runs[0][0][0], plain)       # the augmentation did something


def test_the_validation_subset_is_augmented_too_as_in_keras(tree, capsys):
    gen = ImageDataGenerator(**LECTURE, validation_split=0.2)
    val = _flow(tree, gen, subset="validation", shuffle=False, seed=0)[0][0]
    assert not np.array_equal(val, reference()["dir/validation/x"])


def test_directory_iterator_built_directly(tree, capsys):
    it = DirectoryIterator(tree, None, target_size=TARGET_SIZE, shuffle=False, batch_size=32)
    np.testing.assert_array_equal(it[0][0] * np.float32(1 / 255), reference()["dir/all/x"])


def test_path_like_directory(tree, capsys):
    from pathlib import Path
    it = _flow(Path(tree), shuffle=False, batch_size=2)
    assert it.filepaths[0] == os.path.join(Path(tree), it.filenames[0])
    assert it[0][0].shape == (2, 20, 24, 3)
