"""image_dataset_from_directory against tf.keras 2.12 (recorded on the same image tree)."""
import os

import numpy as np
import pytest

import chainrule as keras
from chainrule.utils import image_dataset_from_directory
from tests.tf_reference import ref
from tests.utils.image_dataset_tree import build

SPLITS = {"s1337_20": dict(seed=1337, validation_split=0.2),
          "s123_30": dict(seed=123, validation_split=0.3),
          "s0_50": dict(seed=0, validation_split=0.5)}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return build(str(tmp_path_factory.mktemp("idd") / "tree"))


def relative(ds, root):
    return [os.path.relpath(p, root).replace(os.sep, "/") for p in ds.file_paths]


@pytest.mark.parametrize("case", sorted(SPLITS))
def test_same_files_in_each_subset_as_keras(tree, case, capsys):
    train, val = image_dataset_from_directory(tree, subset="both", image_size=(8, 9),
                                              **SPLITS[case])
    assert capsys.readouterr().out.splitlines() == ref(f"idd/{case}/message")
    assert train.class_names == val.class_names == ref(f"idd/{case}/class_names")
    assert relative(train, tree) == ref(f"idd/{case}/training/files")
    assert relative(val, tree) == ref(f"idd/{case}/validation/files")
    val_labels = np.concatenate([y for _, y in val])
    np.testing.assert_array_equal(val_labels, ref(f"idd/{case}/validation/labels"))
    train_labels = np.concatenate([y for _, y in train])
    assert train_labels.dtype == np.int32
    np.testing.assert_array_equal(np.sort(train_labels),
                                  np.sort(ref(f"idd/{case}/training/labels")))


def test_one_subset_at_a_time_gives_the_same_split(tree, capsys):
    val = image_dataset_from_directory(tree, subset="validation", image_size=(8, 9),
                                       **SPLITS["s123_30"])
    assert capsys.readouterr().out.splitlines()[-1] == ref("idd/s123_30/message")[-1]
    assert relative(val, tree) == ref("idd/s123_30/validation/files")
    epochs = [np.concatenate([y for _, y in val]).tolist() for _ in range(3)]
    assert sorted(epochs[0]) == sorted(ref("idd/s123_30/validation/labels").tolist())
    assert len({tuple(e) for e in epochs}) > 1     # alone, it is reshuffled each epoch (Keras)


@pytest.mark.parametrize("case, args", [
    ("default", {}), ("grayscale_nearest", dict(color_mode="grayscale", interpolation="nearest")),
    ("crop", dict(crop_to_aspect_ratio=True)), ("categorical", dict(label_mode="categorical")),
])
def test_pixels_and_labels_match_keras(tree, case, args, capsys):
    ds = image_dataset_from_directory(tree, shuffle=False, image_size=(8, 9), batch_size=32,
                                      **args)
    assert capsys.readouterr().out.splitlines() == ref(f"idd/pixels/{case}/message")
    x, y = next(iter(ds))
    expected = ref(f"idd/pixels/{case}/x")
    assert x.shape == expected.shape
    assert x.dtype == expected.dtype             # uint8 for 'nearest', as tf.image.resize
    jpeg = np.array([p.endswith(".jpg") for p in ds.file_paths])
    # libpng's RGB -> grey rounds differently from Pillow's (by one level at most)
    atol = 1.0 if args.get("color_mode") == "grayscale" else 1e-3
    np.testing.assert_allclose(x.numpy()[~jpeg], expected[~jpeg], atol=atol)
    # TF decodes JPEGs with its own libjpeg settings; Pillow's pixels differ by a few levels
    assert np.abs(x.numpy()[jpeg] - expected[jpeg].astype(np.float32)).mean() < 4.0
    np.testing.assert_array_equal(y.numpy(), ref(f"idd/pixels/{case}/y"))
    assert y.dtype == ref(f"idd/pixels/{case}/y").dtype


def test_training_order_changes_each_epoch_but_repeats_with_the_seed(tree):
    def first_epochs():
        ds = image_dataset_from_directory(tree, seed=5, image_size=(4, 4), batch_size=4)
        return [np.concatenate([y for _, y in ds]).tolist() for _ in range(2)]
    a, b = first_epochs(), first_epochs()
    assert a == b and a[0] != a[1] and sorted(a[0]) == sorted(a[1])


def test_binary_labels_no_labels_and_unbatched(tree, tmp_path):
    two = tmp_path / "two"
    os.makedirs(two)
    for name in ("ant", "cat"):
        os.symlink(os.path.join(tree, name), two / name)
    ds = image_dataset_from_directory(str(two), label_mode="binary", image_size=(4, 4),
                                      shuffle=False, follow_links=True)
    _, y = next(iter(ds))
    assert y.shape == (16, 1) and y.dtype == np.float32 and set(y.ravel()) == {0.0, 1.0}
    images = image_dataset_from_directory(tree, labels=None, image_size=(4, 4), shuffle=False)
    assert next(iter(images)).shape == (21, 4, 4, 3) and images.class_names == [""]
    single = image_dataset_from_directory(tree, batch_size=None, image_size=(4, 4), seed=1)
    x, y = next(iter(single))
    assert x.shape == (4, 4, 3) and y.shape == ()


def test_a_corrupt_file_is_skipped_with_a_warning(tree, tmp_path):
    root = tmp_path / "bad"
    os.makedirs(root / "a")
    os.makedirs(root / "b")
    for name in ("a", "b"):
        for i in range(2):
            with open(os.path.join(tree, "ant", "a01.png"), "rb") as f:
                (root / name / f"{i}.png").write_bytes(f.read())
    (root / "b" / "2.jpg").write_bytes(b"not a jpeg at all")
    ds = image_dataset_from_directory(str(root), shuffle=False, image_size=(4, 4))
    with pytest.warns(UserWarning, match=r"Skipping .*2\.jpg"):
        x, y = next(iter(ds))
    assert x.shape == (4, 4, 4, 3) and y.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("args, message", [
    (dict(validation_split=0.2, subset="both"), "If using `validation_split` and shuffling"),
    (dict(subset="training"), "If `subset` is set, `validation_split` must be set"),
    (dict(validation_split=0.2, subset="train", seed=1), '`subset` must be either "training"'),
    (dict(label_mode="sparse"), '`label_mode` argument must be one of "int"'),
    (dict(color_mode="bgr"), "`color_mode` must be one of"),
    (dict(label_mode="binary"), "there must be exactly 2 class_names"),
    (dict(class_names=["x", "y"]), "The `class_names` passed did not match"),
    (dict(labels=[0, 1]), "Expected the lengths of `labels` to match the number of files"),
    (dict(validation_split=1.5, subset="both", seed=1), "`validation_split` must be between"),
    (dict(image_size=(8, 8), interpolation="cubic"), "Resize method is not implemented"),
    (dict(batchsize=8), r"Unknown keywords argument\(s\): \('batchsize',\)"),
])
def test_bad_arguments_get_keras_messages(tree, args, message):
    with pytest.raises((ValueError, TypeError), match=message):
        image_dataset_from_directory(tree, **args)


def test_the_keras_programs_spellings_reach_it():
    assert keras.utils.image_dataset_from_directory is image_dataset_from_directory
    assert keras.preprocessing.image_dataset_from_directory is image_dataset_from_directory
