"""Fixtures for the application tests: the Keras record, seeded weights, a private cache, and
no network: `urlopen` is replaced, so any download attempt fails as it would offline."""
import json
import urllib.error
import urllib.request
from pathlib import Path

import h5py
import numpy as np
import pytest

REFERENCE = Path(__file__).parents[1] / "fixtures" / "keras_applications_reference.npz"
VGG16_CONVS = (2, 2, 3, 3, 3)
FILTERS = (64, 128, 256, 512, 512)


@pytest.fixture(scope="session")
def keras_ref():
    """Arrays and decoded JSON of keras_applications_reference.npz (see its generator)."""
    with np.load(REFERENCE) as f:
        raw = {k: f[k] for k in f.files}
    return {k: _decode(v) for k, v in raw.items()}


def _decode(value):
    if value.dtype.kind != "U":
        return value
    try:
        return json.loads(str(value))
    except json.JSONDecodeError:
        return str(value)


def seeded_weights(shapes, seed=0):
    """He-normal kernels and N(0, 0.05) biases, in order: the generator script's function."""
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        std = np.sqrt(2.0 / np.prod(shape[:-1])) if len(shape) > 1 else 0.05
        out.append(rng.normal(0.0, std, shape).astype("float32"))
    return out


def vgg16_conv_shapes():
    """Kernel and bias shapes of VGG16's 13 convolutions, in get_weights() order."""
    shapes, cin = [], 3
    for convs, filters in zip(VGG16_CONVS, FILTERS):
        for _ in range(convs):
            shapes += [(3, 3, cin, filters), (filters,)]
            cin = filters
    return shapes


def vgg16_layer_names():
    names = ["input_1"]
    for block, convs in enumerate(VGG16_CONVS, start=1):
        names += [f"block{block}_conv{c}" for c in range(1, convs + 1)] + [f"block{block}_pool"]
    return names


def write_2016_notop_file(path, weights):
    """A file laid out as Keras' 2016 release `vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`:
    root `layer_names`, one group per layer, datasets `block1_conv1_W_1:0` / `..._b_1:0`."""
    pairs = iter(zip(weights[0::2], weights[1::2]))
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in vgg16_layer_names()]
        for name in vgg16_layer_names():
            group = f.create_group(name)
            if "conv" not in name:
                group.attrs["weight_names"] = []
                continue
            kernel, bias = next(pairs)
            group.attrs["weight_names"] = [f"{name}_W_1:0".encode(), f"{name}_b_1:0".encode()]
            group.create_dataset(f"{name}_W_1:0", data=kernel)
            group.create_dataset(f"{name}_b_1:0", data=bias)


@pytest.fixture(scope="session")
def standin_notop(tmp_path_factory):
    """(path, weights): a full-size VGG16 notop file in the 2016 layout, seeded weights."""
    weights = seeded_weights(vgg16_conv_shapes(), seed=5)
    path = tmp_path_factory.mktemp("weights") / "vgg16_standin_notop.h5"
    write_2016_notop_file(path, weights)
    return path, weights


@pytest.fixture(autouse=True)
def chainrule_home(monkeypatch, tmp_path):
    """CHAINRULE_HOME in a fresh folder, and every URL fetch fails like a machine offline."""
    home = tmp_path / "chainrule_home"
    monkeypatch.setenv("CHAINRULE_HOME", str(home))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("network access is disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return home
