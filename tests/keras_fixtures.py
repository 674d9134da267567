"""Read tests/fixtures/keras_reference.npz (made by real tf.keras 2.12) and rebuild its models."""
import json
from pathlib import Path

import numpy as np

from chainrule import layers, optimizers
from chainrule.models import Sequential

FIXTURES = Path(__file__).parent / "fixtures"
_cache = {}


def reference():
    """The npz as a dict (loaded once per test session)."""
    if "npz" not in _cache:
        with np.load(FIXTURES / "keras_reference.npz") as f:
            _cache["npz"] = {k: f[k] for k in f.files}
    return _cache["npz"]


def value(key):
    """An array, or the decoded JSON for JSON entries."""
    v = reference()[key]
    if v.dtype.kind == "U":
        text = str(v)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return v


def weights(prefix: str) -> list:
    """`prefix/0`, `prefix/1`, ... in order."""
    out, i = [], 0
    while f"{prefix}/{i}" in reference():
        out.append(reference()[f"{prefix}/{i}"])
        i += 1
    return out


def build_model(case: str) -> Sequential:
    """The Sequential model of a case, with Keras' initial weights loaded."""
    spec = value(f"{case}/spec")
    model_layers = []
    for i, entry in enumerate(spec):
        kwargs = dict(entry["config"])
        if i == 0:
            kwargs["input_shape"] = tuple(entry["input_shape"])
        model_layers.append(getattr(layers, entry["class"])(**kwargs))
    model = Sequential(model_layers)
    model.set_weights(weights(f"{case}/w0"))
    return model


def compile_model(model, case: str) -> None:
    opt = value(f"{case}/optimizer")
    metrics = value(f"{case}/metrics") if f"{case}/metrics" in reference() else []
    model.compile(getattr(optimizers, opt["class"])(**opt["config"]), value(f"{case}/loss"),
                  metrics)
