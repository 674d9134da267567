"""plot_model draws the layer graph with Pillow alone (no Graphviz needed)."""
import shutil

import numpy as np
import pytest
from PIL import Image

import chainrule as keras
from chainrule import layers
from chainrule.utils import model_plot


@pytest.fixture
def no_graphviz(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(model_plot.shutil, "which", lambda n: None if n == "dot" else real(n))


def branching_model():
    inp = keras.Input((8, 8, 3), name="img")
    a = layers.Conv2D(4, 3, padding="same", name="left")(inp)
    b = layers.Conv2D(4, 1, name="right")(inp)
    out = layers.Dense(2, name="head")(layers.Flatten()(layers.Add()([a, b])))
    return keras.Model(inp, out, name="branchy")


def test_layer_graph_of_a_functional_model():
    layers_, edges = model_plot.layer_graph(branching_model())
    names = [layer.name for layer in layers_]
    named = {(names[a], names[b]) for a, b in edges}
    assert named == {("img", "left"), ("img", "right"), ("left", "add"), ("right", "add"),
                     ("add", "flatten"), ("flatten", "head")}


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_plot_model_writes_an_image_without_graphviz(tmp_path, no_graphviz, rankdir):
    path = tmp_path / "model.png"
    keras.utils.plot_model(branching_model(), str(path), show_shapes=True, show_dtype=True,
                           rankdir=rankdir, dpi=96)
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("L"))
    tall = pixels.shape[0] > pixels.shape[1]
    assert tall == (rankdir == "TB") and (pixels < 128).mean() > 0.005


def test_plot_model_of_a_sequential_model_and_bad_arguments(tmp_path, no_graphviz):
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    keras.utils.plot_model(model, str(tmp_path / "seq.png"), show_layer_names=False)
    assert (tmp_path / "seq.png").stat().st_size > 0
    with pytest.raises(ValueError, match="rankdir must be one of"):
        keras.utils.plot_model(model, str(tmp_path / "x.png"), rankdir="XY")
    with pytest.raises(ValueError, match="only with Graphviz"):
        keras.utils.plot_model(model, str(tmp_path / "x.pdf"))


def test_dot_text_names_every_layer_and_edge():
    text = keras.utils.model_to_dot(branching_model(), show_shapes=True)
    assert text.startswith('digraph "branchy"') and text.count("->") == 6
    assert "left (Conv2D)" in text and "output: (?, 8, 8, 4)" in text


@pytest.mark.parametrize("rankdir, axis, first_after", [("TB", 1, True), ("BT", 1, False),
                                                        ("LR", 0, True), ("RL", 0, False)])
def test_rankdir_puts_the_input_first_along_its_direction(rankdir, axis, first_after):
    from chainrule.utils.model_plot import _layout

    sizes, edges = [(40, 20)] * 3, [(0, 1), (1, 2)]           # input -> hidden -> output
    pos = _layout(sizes, edges, rankdir, gap=10)
    coords = [pos[i][axis] for i in range(3)]
    assert (coords == sorted(coords)) is first_after
    assert (coords == sorted(coords, reverse=True)) is not first_after


def nested_model():
    inner = keras.Sequential([layers.Dense(4, activation="relu", name="a"),
                              layers.Dense(3, name="b")], name="inner")
    inp = keras.Input((5,), name="x")
    inner.trainable = False
    out = layers.Dense(1, activation="sigmoid", name="head")(inner(inp))
    return keras.Model(inp, out, name="outer")


def test_expand_nested_draws_the_inner_layers_in_place():
    names = lambda g: {(g[0][a].name, g[0][b].name) for a, b in g[1]}  # noqa: E731
    assert names(model_plot.layer_graph(nested_model())) == {("x", "inner"), ("inner", "head")}
    assert names(model_plot.layer_graph(nested_model(), expand_nested=True)) == {
        ("x", "a"), ("a", "b"), ("b", "head")}


def test_layer_range_keeps_the_layers_between_the_matching_names():
    layers_, edges = model_plot.select_range(*model_plot.layer_graph(branching_model()),
                                             ["left", "fl.*"])
    assert [la.name for la in layers_] == ["left", "right", "add", "flatten"]
    assert {(layers_[a].name, layers_[b].name) for a, b in edges} == {
        ("left", "add"), ("right", "add"), ("add", "flatten")}
    with pytest.raises(ValueError, match="does not match any layer name"):
        model_plot.select_range(*model_plot.layer_graph(branching_model()), ["nope", "head"])


def test_activation_and_trainable_lines(tmp_path, no_graphviz):
    model = nested_model()
    text = model_plot.model_to_dot(model, expand_nested=True, show_layer_activations=True,
                                   show_trainable=True)
    assert "a (Dense)\\nactivation: relu\\ntrainable: no" in text
    assert "head (Dense)\\nactivation: sigmoid\\ntrainable: yes" in text
    keras.utils.plot_model(model, str(tmp_path / "m.png"), expand_nested=True,
                           show_layer_activations=True, show_trainable=True,
                           layer_range=["a", "head"])
    with Image.open(tmp_path / "m.png") as img:
        assert img.size[1] > 100
