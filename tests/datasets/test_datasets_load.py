"""load() and get_directory() for every builder, on tiny stand-in archives served locally."""
import logging
import os
import zipfile
from collections import Counter

import numpy as np
import pytest
from PIL import Image

import chainrule
from chainrule import datasets
from chainrule.data import Dataset
from chainrule.datasets.builder import MIRROR_ENV, Resource, resolve_url, tfds_order
from chainrule.datasets.builders import CatsVsDogs, HorsesOrHumans, RockPaperScissors, cats_vs_dogs

from .conftest import cats_members, horses_members, make_zip, rps_members


@pytest.fixture
def rps(serve):
    return serve(RockPaperScissors, {"train": make_zip(rps_members("rps", 2)),
                                     "test": make_zip(rps_members("rps-test-set", 1))})


def labels_of(ds) -> list[int]:
    return [int(label) for _, label in ds]


def test_rps_train_and_test_splits_in_tfds_label_order(rps, tmp_path):
    train = datasets.load("rock_paper_scissors", split="train", data_dir=tmp_path)
    assert isinstance(train, Dataset)
    assert len(train) == 7
    elements = list(train)
    for element in elements:
        assert set(element) == {"image", "label"}
        assert element["image"].dtype == np.uint8 and element["image"].shape == (5, 7, 3)
        assert element["label"].dtype == np.int64
    assert Counter(int(e["label"]) for e in elements) == {0: 3, 1: 2, 2: 2}  # rock=0 (+RGBA)
    test = datasets.load("rock_paper_scissors", split="test", data_dir=tmp_path,
                         as_supervised=True)
    assert sorted(labels_of(test)) == [0, 0, 1, 2]


def test_order_is_fixed_and_sorted_like_tfds(rps, tmp_path):
    builder = datasets.builder("rock_paper_scissors", tmp_path)
    builder.prepare()
    keys = sorted(n for n in rps_members("rps", 2) if n.endswith(".png"))
    expected = [keys[i] for i in tfds_order("train", keys)]
    assert builder._index("train")["keys"] == expected
    ds = datasets.load("rock_paper_scissors", split="train", data_dir=tmp_path)
    first, second = [e["image"].tobytes() for e in ds], [e["image"].tobytes() for e in ds]
    assert first == second


def test_prepared_once_then_offline(rps, tmp_path, server):
    datasets.load("rock_paper_scissors", data_dir=tmp_path)
    assert sorted(server.requests) == ["/rps-test-set.zip", "/rps.zip"]
    server.files.clear()  # the "network" is gone
    ds = datasets.load("rock_paper_scissors", split="test", data_dir=tmp_path, download=False)
    assert len(list(ds)) == 4
    assert len(server.requests) == 2


def test_split_strings_lists_and_none(rps, tmp_path):
    load = lambda split: datasets.load("rock_paper_scissors", split=split, data_dir=tmp_path)
    assert [len(d) for d in load(["train[:50%]", "train[50%:]", "test[-1:]"])] == [4, 3, 1]
    assert len(load("all")) == 11 and len(load("train[:50%]+test")) == 8
    everything = load(None)
    assert list(everything) == ["train", "test"] and len(everything["test"]) == 4
    with pytest.raises(ValueError, match=r"Unknown split 'validation'. Should be one of "
                                         r"\['train', 'test'\]."):
        load("validation")


def test_with_info_and_batches(rps, tmp_path):
    ds, info = datasets.load("rock_paper_scissors", split="train[:80%]", data_dir=tmp_path,
                             with_info=True, as_supervised=True, batch_size=4)
    assert info.name == "rock_paper_scissors"
    assert info.features["label"].names == ("rock", "paper", "scissors")
    assert info.features["label"].num_classes == 3 and info.features["label"].int2str(2) == "scissors"
    assert info.splits["train"].num_examples == 7 and info.splits["test"].num_examples == 4
    assert info.splits["train[:80%]"].num_examples == 6  # round(5.6)
    assert info.supervised_keys == ("image", "label") and "Moroney" in info.citation
    images, labels = next(iter(ds))
    assert images.shape == (4, 5, 7, 3) and labels.dtype == np.int64
    x, y = datasets.load("rock_paper_scissors", split="test", data_dir=tmp_path,
                         as_supervised=True, batch_size=-1)
    assert x.shape == (4, 5, 7, 3) and y.shape == (4,)


def test_shuffle_files_reorders_each_pass_repeatably(rps, tmp_path):
    def two_passes():
        chainrule.set_random_seed(7)
        ds = datasets.load("rock_paper_scissors", split="train", data_dir=tmp_path,
                           shuffle_files=True)
        return [[e["image"].tobytes() for e in ds] for _ in range(2)]

    first, second = two_passes()
    assert sorted(first) == sorted(second) and first != second
    assert two_passes() == [first, second]


def test_get_directory_gives_the_unpacked_class_folders(rps, tmp_path):
    path = datasets.get_directory("rock_paper_scissors", "test", data_dir=tmp_path)
    assert path == os.path.join(tmp_path, "rock_paper_scissors", "extracted", "test",
                                "rps-test-set")
    assert sorted(os.listdir(path)) == ["paper", "rock", "scissors"]  # flow_from_directory order
    with pytest.raises(ValueError, match=r"needs a whole split .* Received: split='train\[:5\]'"):
        datasets.get_directory("rock_paper_scissors", "train[:5]", data_dir=tmp_path)


def test_mirror_environment_variable_replaces_the_host(serve, server, tmp_path, monkeypatch):
    fake = {"train": make_zip(horses_members(1, 1)), "test": make_zip(horses_members(1, 1))}
    resources = serve(HorsesOrHumans, fake)  # served under the real file names
    monkeypatch.setattr(HorsesOrHumans, "resources", {  # a host that does not exist
        split: Resource("https://example.invalid/data/" + r.fname, r.size, r.sha256)
        for split, r in resources.items()})
    monkeypatch.setenv(MIRROR_ENV, server.url("/"))
    assert resolve_url(HorsesOrHumans.resources["train"]) == server.url("/horse-or-human.zip")
    assert len(datasets.load("horses_or_humans", split="all", data_dir=tmp_path)) == 4


def test_horses_or_humans_alias_and_labels(serve, tmp_path):
    serve(HorsesOrHumans, {"train": make_zip(horses_members(2, 3)),
                           "test": make_zip(horses_members(1, 1))})
    ds = datasets.load("horse_or_human", split="train", data_dir=tmp_path, as_supervised=True)
    assert sorted(labels_of(ds)) == [0, 0, 1, 1, 1]  # horses=0, humans=1
    path = datasets.get_directory("horses_or_humans", data_dir=tmp_path)
    assert path == os.path.join(tmp_path, "horses_or_humans", "extracted", "train")
    assert sorted(os.listdir(path)) == ["horses", "humans"]


def test_nested_duplicate_folder_is_ignored_and_class_folders_stay_clean(serve, tmp_path):
    members = horses_members(2, 2)
    members.update({f"horse-or-human/{k}": v for k, v in horses_members(1, 1).items()})
    serve(HorsesOrHumans, {"train": make_zip(members), "test": make_zip(horses_members(1, 1))})
    assert len(datasets.load("horses_or_humans", split="train", data_dir=tmp_path)) == 4
    path = datasets.get_directory("horses_or_humans", data_dir=tmp_path)
    assert path == os.path.join(tmp_path, "horses_or_humans", "folders", "train")
    assert {c: len(os.listdir(os.path.join(path, c))) for c in os.listdir(path)} == \
        {"horses": 2, "humans": 2}


def test_cats_vs_dogs_skips_non_jfif_files_and_reports_it(serve, tmp_path, caplog):
    serve(CatsVsDogs, {"train": make_zip(cats_members())})
    with caplog.at_level(logging.WARNING, logger="chainrule.datasets"):
        ds, info = datasets.load("cats_vs_dogs", split="train", data_dir=tmp_path,
                                 with_info=True)
    assert [r.getMessage() for r in caplog.records] == [
        "3 images were corrupted and were skipped"]
    assert info.num_skipped == 3 and info.splits["train"].num_examples == 4
    elements = list(ds)
    assert {e["image/filename"] for e in elements} == {
        b"PetImages/Cat/0.jpg", b"PetImages/Cat/1.jpg", b"PetImages/Dog/0.jpg",
        b"PetImages/Dog/2.jpg"}
    for e in elements:
        assert e["image"].shape == (5, 7, 3) and e["image"].dtype == np.uint8
        assert int(e["label"]) == (b"/Dog/" in e["image/filename"])  # cat=0, dog=1
    caplog.clear()
    datasets.load("cats_vs_dogs", split="train[:50%]", data_dir=tmp_path)
    assert caplog.records == []  # prepared once: the line is not repeated


def test_cats_vs_dogs_class_folders_hold_only_kept_images(serve, tmp_path):
    serve(CatsVsDogs, {"train": make_zip(cats_members())})
    path = datasets.get_directory("cats_vs_dogs", data_dir=tmp_path)
    assert sorted(os.listdir(path)) == ["cat", "dog"]
    assert sorted(os.listdir(os.path.join(path, "cat"))) == ["0.jpg", "1.jpg"]
    assert sorted(os.listdir(os.path.join(path, "dog"))) == ["0.jpg", "2.jpg"]
    with Image.open(os.path.join(path, "dog", "2.jpg")) as img:
        assert img.size == (7, 5)


def test_real_cats_vs_dogs_archive_must_skip_exactly_1738(serve, tmp_path, monkeypatch):
    archive = make_zip(cats_members())
    serve(CatsVsDogs, {"train": archive})
    monkeypatch.setattr(cats_vs_dogs, "REAL_ARCHIVE_SIZE", len(archive))  # "the real one"
    with pytest.raises(ValueError, match="^Expected 1738 corrupt images, but found 3$"):
        datasets.load("cats_vs_dogs", data_dir=tmp_path)
    assert not os.path.exists(os.path.join(tmp_path, "cats_vs_dogs", "index-train.json"))


def test_digits_needs_no_download(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path))
    (x, y), info = datasets.load("digits", split="train", as_supervised=True, batch_size=-1,
                                 with_info=True)
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.uint8 and x.max() == 255
    assert y.dtype == np.int64 and info.splits["train"].num_examples == 1797
    raw_x, raw_y = datasets.digits.load_data(test_fraction=0.5)[0]  # the old loader still works
    assert raw_x.max() == 16
    assert len(datasets.load("digits", split="train[:80%]")) == 1438  # round(1437.6)


def test_digits_class_folders_are_written_once(tmp_path):
    path = datasets.get_directory("digits", data_dir=tmp_path)
    assert sorted(os.listdir(path)) == [str(d) for d in range(10)]
    assert sum(len(os.listdir(os.path.join(path, d))) for d in os.listdir(path)) == 1797
    first = sorted(os.listdir(os.path.join(path, "0")))[0]
    before = os.path.getmtime(os.path.join(path, "0", first))
    assert datasets.get_directory("digits", data_dir=tmp_path) == path
    assert os.path.getmtime(os.path.join(path, "0", first)) == before
    with Image.open(os.path.join(path, "0", first)) as img:
        assert img.mode == "L" and img.size == (8, 8)


def test_download_false_without_archives_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=False. Expected the archive at .*"
                                                "downloads.rps.zip"):
        datasets.load("rock_paper_scissors", data_dir=tmp_path, download=False)


def test_unknown_dataset_suggests_a_name():
    with pytest.raises(ValueError, match=r"Dataset 'cats_vs_dog' not found. Available datasets: "
                                         r".*Did you mean 'cats_vs_dogs'\?"):
        datasets.load("cats_vs_dog")
    assert datasets.list_builders() == ["cats_vs_dogs", "digits", "horses_or_humans",
                                        "rock_paper_scissors"]


def test_interrupted_extraction_is_redone(rps, tmp_path):
    partial = os.path.join(tmp_path, "rock_paper_scissors", "extracted", "train.partial")
    os.makedirs(os.path.join(partial, "junk"))
    assert len(datasets.load("rock_paper_scissors", split="train", data_dir=tmp_path)) == 7
    assert not os.path.exists(partial)
    assert zipfile.is_zipfile(os.path.join(tmp_path, "downloads", "rps.zip"))


def test_a_download_that_is_not_a_zip_is_reported(serve, tmp_path):
    serve(CatsVsDogs, {"train": b"<html>Moved</html>"})
    with pytest.raises(ValueError, match="kagglecatsanddogs_5340.zip is not a zip archive"):
        datasets.load("cats_vs_dogs", data_dir=tmp_path)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_jfif_test_is_tfds_peek_on_the_zip_member(tmp_path, compression):
    """`peek(10)` on a zip member sees up to 512 bytes: TFDS keeps a marker at byte 100."""
    path = tmp_path / "a.zip"
    head = b"\xff\xd8\xff\xe1"
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("at6.jpg", head[:2] + b"\xff\xe0\x00\x10JFIF" + b"\x00" * 2000)
        zf.writestr("at100.jpg", head + b"\x00" * 96 + b"JFIF" + b"\x00" * 2000)
        zf.writestr("at600.jpg", head + b"\x00" * 596 + b"JFIF" + b"\x00" * 2000)
    builder = CatsVsDogs(tmp_path)
    with zipfile.ZipFile(path) as zf:
        kept = {}
        for name in zf.namelist():
            with zf.open(name) as member:
                kept[name] = builder.keep(member)
    assert kept == {"at6.jpg": True, "at100.jpg": True, "at600.jpg": False}
