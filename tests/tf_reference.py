"""Read tests/fixtures/tf_namespace_reference.npz (made by TensorFlow 2.12 / tf.keras 2.12)."""
import json
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "tf_namespace_reference.npz"
_cache = {}

# the fixture script's inputs, rebuilt here (TensorFlow is not imported by the tests)
X = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.37 - 4.1) % 3.3 - 1.6
I = np.array([[3, -1, 4], [1, 5, -9]], dtype=np.int32)
COND = X > 0


def ref(key: str):
    """An array, or the decoded JSON / text for string entries."""
    if "npz" not in _cache:
        with np.load(FIXTURE) as f:
            _cache["npz"] = {k: f[k] for k in f.files}
    value = _cache["npz"][key]
    if value.dtype.kind == "U":
        try:
            return json.loads(str(value))
        except json.JSONDecodeError:
            return str(value)
    return value
