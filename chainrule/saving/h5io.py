"""HDF5 plumbing shared by weight and model files: atomic writes, checked opens, name lists.

A save goes to a temporary file next to the target, is flushed to disk, and only then
renamed over the target with `os.replace`, which is atomic on POSIX and Windows: a crash or
an error halfway through a save leaves the last good file untouched and no debris behind.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import h5py
import numpy as np

# What readers (tf.keras included) use to pick layout conventions: ours are tf.keras 2.12's.
KERAS_VERSION = "2.12.0"
BACKEND = "tensorflow"
# HDF5 cannot store an attribute bigger than its object header (64 KiB); Keras splits
# longer name lists into `name0`, `name1`, ... and so do we.
HDF5_OBJECT_HEADER_LIMIT = 64512


@contextmanager
def atomic_h5_file(filepath) -> Iterator[h5py.File]:
    """Yield a new HDF5 file that replaces `filepath` only if the whole write succeeds."""
    path = _check_write_target(filepath)
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with h5py.File(tmp, "x") as f:
            yield f
            f.flush()
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def _check_write_target(filepath) -> str:
    path = os.fspath(filepath)
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"Please specify a non-directory filepath for saving. Filepath used is an existing "
            f"directory: {path!r}. Expected a file name such as {os.path.join(path, 'w.h5')!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Cannot save to {path!r}: its directory {folder!r} does not exist. "
            f"Create it first, e.g. os.makedirs({folder!r}, exist_ok=True).")
    return path


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open folders)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def open_h5_for_reading(filepath) -> Iterator[h5py.File]:
    """Open an HDF5 file, turning the usual mistakes into messages that say what to do."""
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(_missing_file_message(path))
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"Expected an HDF5 file, but {path!r} is a directory (a TensorFlow SavedModel?). "
            f"chainrule reads HDF5 files only: in TensorFlow, load it and re-save it with "
            f"`model.save('model.h5')`.")
    if not h5py.is_hdf5(path):
        raise ValueError(
            f"{path!r} is not an HDF5 file, so chainrule cannot read weights or a model from "
            f"it. Expected a file written by `save_weights`, `model.save` or Keras' legacy "
            f"`.h5` format.")
    with h5py.File(path, "r") as f:
        yield f


def _missing_file_message(path: str) -> str:
    if os.path.exists(path + ".index"):
        return (f"No file at {path!r}, but {path + '.index'!r} exists: this looks like a "
                f"TensorFlow checkpoint (what tf.keras writes for paths not ending in .h5), "
                f"which chainrule cannot read. In TensorFlow, load it and re-save it with "
                f"`model.save_weights('weights.h5')`.")
    return (f"No file or directory found at {path!r}. Check the path (relative paths start at "
            f"the current directory, {os.getcwd()!r}).")


def write_names(group, name: str, names: list[str]) -> None:
    """Store a list of names as Keras does: one attribute, or `name0`, `name1`, ... chunks."""
    data = [n.encode("utf8") for n in names]
    too_long = [n for n in names if len(n.encode("utf8")) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(f"The following attributes cannot be saved to HDF5 file because "
                           f"they are larger than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long}")
    chunks = _split_to_fit(np.asarray(data))
    if len(chunks) == 1:
        group.attrs[name] = data                  # a list: h5py stores variable-length strings
        return
    for i, chunk in enumerate(chunks):
        group.attrs[f"{name}{i}"] = chunk


def _split_to_fit(array: np.ndarray) -> list[np.ndarray]:
    count = 1
    chunks = np.array_split(array, count)
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        count += 1
        chunks = np.array_split(array, count)
    return chunks


def has_names(group, name: str) -> bool:
    return name in group.attrs or f"{name}0" in group.attrs


def read_names(group, name: str) -> list[str]:
    """Inverse of `write_names`; accepts bytes or str values and chunked lists."""
    if name in group.attrs:
        values = list(np.atleast_1d(group.attrs[name]))
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(np.atleast_1d(group.attrs[f"{name}{i}"]))
            i += 1
    return [text(v) for v in values]


def text(value) -> str:
    """An attribute value as str, whether h5py returned bytes or str."""
    return value.decode("utf8") if isinstance(value, bytes) else str(value)
