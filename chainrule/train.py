"""`tf.train.latest_checkpoint`: find the newest weights file a checkpoint callback wrote.

TensorFlow keeps a `checkpoint` state file naming the latest prefix; when one is there (TF
wrote it, or the user did) it is read. Otherwise the newest HDF5 file in the folder is the
answer, since chainrule writes each `save_weights` path as one HDF5 file.
"""
from __future__ import annotations

import os
import re

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def latest_checkpoint(checkpoint_dir, latest_filename: str | None = None) -> str | None:
    """The path of the newest checkpoint in `checkpoint_dir`, or None if it has none."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    state = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if os.path.isfile(state):
        with open(state, encoding="utf-8") as f:
            match = re.search(r'^model_checkpoint_path:\s*"(.*)"', f.read(), re.MULTILINE)
        if match:
            return os.path.join(checkpoint_dir, match.group(1))
    if not os.path.isdir(checkpoint_dir):
        return None
    found = [os.path.join(checkpoint_dir, n) for n in os.listdir(checkpoint_dir)]
    weights = [p for p in found if os.path.isfile(p) and _is_hdf5(p)]
    if not weights:
        return None
    return max(weights, key=lambda p: (os.stat(p).st_mtime_ns, p))


def _is_hdf5(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == _HDF5_SIGNATURE
