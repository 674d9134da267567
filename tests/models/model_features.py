"""Read tests/fixtures/keras_model_features.npz (made by tf.keras 2.12; see its README)."""
import json
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[1] / "fixtures" / "keras_model_features.npz"
_cache: dict = {}


def value(key: str):
    if "npz" not in _cache:
        with np.load(PATH) as f:
            _cache["npz"] = {k: f[k] for k in f.files}
    v = _cache["npz"][key]
    return json.loads(str(v)) if v.dtype.kind == "U" else v
