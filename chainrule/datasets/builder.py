"""Dataset builders: fetch a source once, index it, and decode examples lazily.

A builder prepares each split once under `data_dir`:

    downloads/<archive>.zip                 the source archives (all builders), checksummed
    <name>/extracted/<split>/               an archive, unpacked
    <name>/index-<split>.json               archive paths and labels of the kept examples
    <name>/folders/<split>/<label>/         class folders, made only when asked for

The index is written last and atomically, so an interrupted preparation is simply redone. Images
are decoded with Pillow only while iterating, so `load()` is quick and memory stays flat.

Example order is fixed: TFDS stores the examples of a split sorted by the md5 of the split name
followed by the example key (the archive path), see `tensorflow_datasets/core/hashing.py`. We
sort the same way, so classes come interleaved (a `train[:80%]` slice holds both cats and dogs)
and a slice picks the same files on every machine.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import urllib.parse
import zipfile

import numpy as np
from PIL import Image

from chainrule.datasets import info as info_lib
from chainrule.utils.file_utils import chainrule_home, extract_archive, get_file

logger = logging.getLogger("chainrule.datasets")
MIRROR_ENV = "CHAINRULE_DATASETS_MIRROR"


@dataclasses.dataclass(frozen=True)
class Resource:
    """A source archive: URL, size in bytes, and sha256 (`None` where no checksum is known)."""

    url: str
    size: int
    sha256: str | None

    @property
    def fname(self) -> str:
        return os.path.basename(urllib.parse.urlparse(self.url).path)


def resolve_url(resource: Resource) -> str:
    """The resource's URL, or `$CHAINRULE_DATASETS_MIRROR/<file name>` when a mirror is set.

    A mirror must serve the very same files: the checksums are still verified.
    """
    mirror = os.environ.get(MIRROR_ENV)
    return f"{mirror.rstrip('/')}/{resource.fname}" if mirror else resource.url


def default_data_dir() -> str:
    """`<CHAINRULE_HOME>/datasets`, i.e. `~/.chainrule/datasets` by default."""
    return os.path.join(chainrule_home(), "datasets")


def decode_image(path: str | os.PathLike) -> np.ndarray:
    """uint8 (height, width, 3): grey, palette and CMYK become RGB, and alpha is dropped."""
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def tfds_order(split: str, keys: list[str]) -> list[int]:
    """Positions of `keys` sorted as TFDS stores them: by md5(split name + key)."""
    digests = [hashlib.md5((split + key.replace("\\", "/")).encode()).hexdigest() for key in keys]
    return sorted(range(len(keys)), key=digests.__getitem__)


def write_json_atomic(path: str, content: dict) -> None:
    """Write to a temporary file, flush it to disk, then rename: readers see all or nothing."""
    part = path + ".partial"
    with open(part, "w", encoding="utf-8") as f:
        json.dump(content, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)


class DatasetBuilder:
    """Base class: subclasses set the class attributes and implement `prepare`, `split_sizes`
    and `read`."""

    name = ""
    description = ""
    homepage = ""
    citation = ""
    label_names: tuple[str, ...] = ()
    split_names: tuple[str, ...] = ("train",)
    image_shape: tuple[int | None, ...] = (None, None, 3)
    decodes_files = False  # whether `read` decodes a file (then `load` uses a thread pool)

    def __init__(self, data_dir: str | os.PathLike | None = None):
        self.data_dir = os.fspath(data_dir) if data_dir is not None else default_data_dir()
        self.root = os.path.join(self.data_dir, self.name)

    def prepare(self, download: bool = True) -> None:
        """Make every split readable; does nothing when that was done before."""
        raise NotImplementedError

    def split_sizes(self) -> dict[str, int]:
        """`{split: number of examples}` in `split_names` order (needs `prepare`)."""
        raise NotImplementedError

    def read(self, split: str, index: int) -> dict:
        """Example `index` of `split` as `{'image': uint8 array, 'label': np.int64, ...}`."""
        raise NotImplementedError

    def class_directory(self, split: str) -> str:
        """A folder holding one sub-folder of images per class, for flow_from_directory."""
        raise NotImplementedError

    def features(self) -> dict:
        return {"image": info_lib.Image(self.image_shape),
                "label": info_lib.ClassLabel(self.label_names)}

    def num_skipped(self) -> int:
        return 0

    def info(self) -> info_lib.DatasetInfo:
        """A `DatasetInfo` with the split sizes of the prepared data."""
        splits = info_lib.SplitDict(
            (name, info_lib.SplitInfo(name, n)) for name, n in self.split_sizes().items())
        return info_lib.DatasetInfo(self.name, self.description, self.features(), splits,
                                    self.homepage, self.citation, num_skipped=self.num_skipped())


class ArchiveImageBuilder(DatasetBuilder):
    """Images in one zip per split, labelled by the folder they sit in.

    Subclasses set `resources` (`{split: Resource}`), `name_re` (matched against each archive
    path; its group `label` names the class) and `folder_prefix` (`{split: folder inside the
    archive holding the class folders}`).
    """

    resources: dict[str, Resource] = {}
    name_re: re.Pattern = re.compile(r"^(?P<label>\w+)/[\w-]*\.png$")
    folder_prefix: dict[str, str] = {}
    extracted_folders_are_clean = True  # the unpacked class folders hold exactly the examples
    decodes_files = True

    def prepare(self, download: bool = True) -> None:
        for split in self.split_names:
            if not os.path.exists(self._index_path(split)):
                self._prepare_split(split, download)
        self._indexes = {split: self._load_index(split) for split in self.split_names}

    def split_sizes(self) -> dict[str, int]:
        return {split: len(self._index(split)["keys"]) for split in self.split_names}

    def num_skipped(self) -> int:
        return sum(self._index(split)["num_skipped"] for split in self.split_names)

    def read(self, split: str, index: int) -> dict:
        entry = self._index(split)
        key = entry["keys"][index]
        image = decode_image(os.path.join(self.root, "extracted", split, key))
        return {"image": image, "label": np.int64(entry["labels"][index]),
                **self.extra_features(key)}

    def extra_features(self, key: str) -> dict:
        """Features besides image and label, computed from the archive path."""
        return {}

    def keep(self, member_file) -> bool:
        """Whether a matching archive member is a usable example (all are, by default)."""
        return True

    def check_skipped(self, archive: str, num_skipped: int) -> None:
        """Hook to validate how many members `keep` refused."""

    def class_directory(self, split: str) -> str:
        natural = os.path.normpath(
            os.path.join(self.root, "extracted", split, self.folder_prefix.get(split, "")))
        subfolders = sorted(e.name for e in os.scandir(natural) if e.is_dir())
        if self.extracted_folders_are_clean and subfolders == sorted(self.label_names):
            return natural
        return self._linked_class_folders(split)

    def _index_path(self, split: str) -> str:
        return os.path.join(self.root, f"index-{split}.json")

    def _index(self, split: str) -> dict:
        if not hasattr(self, "_indexes"):
            raise RuntimeError(f"Dataset {self.name!r} is not prepared yet. Call prepare() first.")
        return self._indexes[split]

    def _load_index(self, split: str) -> dict:
        with open(self._index_path(split), encoding="utf-8") as f:
            return json.load(f)

    def _prepare_split(self, split: str, download: bool) -> None:
        archive = self._fetch(split, download)
        self._extract(split, archive)
        keys, labels, skipped = self._scan(archive)
        self.check_skipped(archive, skipped)
        order = tfds_order(split, keys)
        write_json_atomic(self._index_path(split), {
            "keys": [keys[i] for i in order], "labels": [labels[i] for i in order],
            "num_skipped": skipped, "archive": os.path.basename(archive)})
        if skipped:  # the line TFDS logs for cats_vs_dogs
            logger.warning("%d images were corrupted and were skipped", skipped)

    def _fetch(self, split: str, download: bool) -> str:
        resource = self.resources[split]
        path = os.path.join(self.data_dir, "downloads", resource.fname)
        if not download and not os.path.exists(path):
            raise FileNotFoundError(
                f"Dataset {self.name!r} split {split!r} is not prepared in {self.data_dir} and "
                f"download=False. Expected the archive at {path}. Pass download=True, or copy "
                f"{resource.url} to that path."
            )
        return get_file(resource.fname, resolve_url(resource), file_hash=resource.sha256,
                        cache_dir=self.data_dir, cache_subdir="downloads")

    def _extract(self, split: str, archive: str) -> None:
        target = os.path.join(self.root, "extracted", split)
        if os.path.isdir(target):
            return
        partial = target + ".partial"
        shutil.rmtree(partial, ignore_errors=True)  # left over from an interrupted run
        os.makedirs(partial)
        if not extract_archive(archive, partial, archive_format="zip"):
            raise ValueError(f"{archive} is not a zip archive, but dataset {self.name!r} "
                             f"expects one for split {split!r}. Delete the file and load again "
                             f"to download it anew.")
        os.replace(partial, target)

    def _scan(self, archive: str) -> tuple[list[str], list[int], int]:
        """Archive paths and labels of the kept examples, and how many matches were refused."""
        keys, labels, skipped = [], [], 0
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                match = self.name_re.match(member.filename)
                if member.is_dir() or not match:
                    continue
                with zf.open(member) as member_file:
                    if not self.keep(member_file):
                        skipped += 1
                        continue
                keys.append(member.filename)
                labels.append(self.label_names.index(match["label"].lower()))
        return keys, labels, skipped

    def _linked_class_folders(self, split: str) -> str:
        """`folders/<split>/<label>/` with a link (or, where links fail, a copy) per example."""
        target = os.path.join(self.root, "folders", split)
        if os.path.isdir(target):
            return target
        partial = target + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        entry = self._index(split)
        for label in self.label_names:  # every class gets a folder, even an empty one
            os.makedirs(os.path.join(partial, label))
        for key, label in zip(entry["keys"], entry["labels"]):
            source = os.path.join(self.root, "extracted", split, key)
            dest = os.path.join(partial, self.label_names[label], os.path.basename(key))
            link_or_copy(source, dest)
        os.replace(partial, target)
        return target


def link_or_copy(source: str, dest: str) -> None:
    """A relative symlink (it survives moving the data folder), or a copy where links fail."""
    try:
        os.symlink(os.path.relpath(source, os.path.dirname(dest)), dest)
    except OSError:  # e.g. Windows without developer mode
        shutil.copy2(source, dest)
