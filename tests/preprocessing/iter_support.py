"""Shared by the iterator tests: the Keras reference, the image tree, and a check that no test
leaves worker threads behind."""
import gc
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from chainrule.preprocessing.base_iterator import THREAD_NAME_PREFIX
from tests.preprocessing.image_tree import make_image_tree

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "keras_directory_reference.npz"
_cache = {}


def reference() -> dict:
    """tests/fixtures/keras_directory_reference.npz as a dict (loaded once)."""
    if "npz" not in _cache:
        with np.load(FIXTURE) as f:
            _cache["npz"] = {k: f[k] for k in f.files}
    return _cache["npz"]


def ref_json(key: str):
    return json.loads(str(reference()[key]))


def worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME_PREFIX)]


@pytest.fixture(autouse=True)
def no_leaked_worker_threads():
    """Iterators that went out of scope must have stopped their threads (allow them a moment)."""
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        gc.collect()
        if not worker_threads():
            break
        time.sleep(0.01)
    assert not worker_threads(), "image worker threads outlived their iterators"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> str:
    """The recipe's image tree (tests/preprocessing/image_tree.py), built once per module."""
    root = tmp_path_factory.mktemp("tree")
    make_image_tree(str(root))
    return str(root)

