"""The Layer base, Variable and InputSpec, plus the contract every layer class keeps:
build from a shape, output shape == compute_output_shape, config JSON round trip, auto names."""
import json

import numpy as np
import pytest

import chainrule
from chainrule import layers
from chainrule.autodiff import Tensor
from chainrule.layers.layer import to_snake_case

# name: (factory, input shape(s) with batch axis, default auto name)
CASES = {
    "Activation": (lambda: layers.Activation("tanh"), (2, 5), "activation"),
    "Add": (lambda: layers.Add(), [(2, 3), (2, 3)], "add"),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(2), (2, 6, 6, 3), "average_pooling2d"),
    "BatchNormalization": (lambda: layers.BatchNormalization(), (2, 4, 4, 3),
                           "batch_normalization"),
    "Concatenate": (lambda: layers.Concatenate(), [(2, 3), (2, 4)], "concatenate"),
    "Conv2D": (lambda: layers.Conv2D(4, 3, padding="same"), (2, 6, 6, 3), "conv2d"),
    "Dense": (lambda: layers.Dense(4, activation="relu"), (2, 5), "dense"),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3, 2, "same", depth_multiplier=2),
                        (2, 5, 6, 3), "depthwise_conv2d"),
    "Dropout": (lambda: layers.Dropout(0.5, seed=1), (2, 5), "dropout"),
    "Flatten": (lambda: layers.Flatten(), (2, 3, 4, 2), "flatten"),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(), (2, 4, 4, 3),
                               "global_average_pooling2d"),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 4, 4, 3),
                           "global_max_pooling2d"),
    "InputLayer": (lambda: layers.InputLayer(input_shape=(5,)), (2, 5), "input_1"),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(2, 1, padding="same"), (2, 5, 5, 3),
                     "max_pooling2d"),
    "ReLU": (lambda: layers.ReLU(max_value=6.0), (2, 5), "re_lu"),
    "Rescaling": (lambda: layers.Rescaling(1 / 255, offset=-1.0), (2, 5), "rescaling"),
    "Reshape": (lambda: layers.Reshape((-1, 2)), (2, 3, 4), "reshape"),
    "Softmax": (lambda: layers.Softmax(axis=1), (2, 5), "softmax"),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(((1, 2), (0, 1))), (2, 4, 4, 3),
                      "zero_padding2d"),
    "AlphaDropout": (lambda: layers.AlphaDropout(0.2, seed=1), (2, 5), "alpha_dropout"),
    "Average": (lambda: layers.Average(), [(2, 3), (2, 3)], "average"),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(3, 2, "same"), (2, 7, 3),
                         "average_pooling1d"),
    "Conv1D": (lambda: layers.Conv1D(4, 3, padding="causal"), (2, 7, 3), "conv1d"),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same"),
                        (2, 4, 4, 3), "conv2d_transpose"),
    "Cropping2D": (lambda: layers.Cropping2D(((1, 0), (2, 1))), (2, 4, 5, 3), "cropping2d"),
    "Dot": (lambda: layers.Dot(axes=(2, 1)), [(2, 3, 4), (2, 4, 5)], "dot"),
    "ELU": (lambda: layers.ELU(0.5), (2, 5), "elu"),
    "Embedding": (lambda: layers.Embedding(1000, 3, input_length=5), (2, 5), "embedding"),
    "GaussianDropout": (lambda: layers.GaussianDropout(0.2, seed=1), (2, 5), "gaussian_dropout"),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.1, seed=1), (2, 5), "gaussian_noise"),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), (2, 7, 3),
                               "global_average_pooling1d"),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(keepdims=True), (2, 7, 3),
                           "global_max_pooling1d"),
    "Lambda": (lambda: layers.Lambda(np_free_square), (2, 5), "lambda"),
    "LayerNormalization": (lambda: layers.LayerNormalization(axis=[1, 2]), (2, 4, 3),
                           "layer_normalization"),
    "LeakyReLU": (lambda: layers.LeakyReLU(0.1), (2, 5), "leaky_re_lu"),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(), (2, 7, 3), "max_pooling1d"),
    "Maximum": (lambda: layers.Maximum(), [(2, 3), (2, 3)], "maximum"),
    "Minimum": (lambda: layers.Minimum(), [(2, 3), (2, 1)], "minimum"),
    "Multiply": (lambda: layers.Multiply(), [(2, 3), (2, 3), (2, 3)], "multiply"),
    "PReLU": (lambda: layers.PReLU(shared_axes=[1]), (2, 4, 3), "p_re_lu"),
    "Permute": (lambda: layers.Permute((2, 1)), (2, 4, 3), "permute"),
    "RepeatVector": (lambda: layers.RepeatVector(3), (2, 5), "repeat_vector"),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2),
                        (2, 5, 5, 3), "separable_conv2d"),
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.5, seed=1), (2, 4, 4, 3),
                         "spatial_dropout2d"),
    "Subtract": (lambda: layers.Subtract(), [(2, 3), (2, 3)], "subtract"),
    "UpSampling2D": (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"),
                     (2, 4, 4, 3), "up_sampling2d"),
    "ZeroPadding1D": (lambda: layers.ZeroPadding1D((1, 2)), (2, 7, 3), "zero_padding1d"),
    "CenterCrop": (lambda: layers.CenterCrop(3, 4), (2, 5, 6, 3), "center_crop"),
    "Normalization": (lambda: layers.Normalization(), (2, 4, 4, 3), "normalization"),
    "RandomBrightness": (lambda: layers.RandomBrightness(0.2, (-3, 3), seed=1), (2, 4, 4, 3),
                         "random_brightness"),
    "RandomContrast": (lambda: layers.RandomContrast(0.3, seed=1), (2, 4, 4, 3),
                       "random_contrast"),
    "RandomCrop": (lambda: layers.RandomCrop(3, 2, seed=1), (2, 5, 4, 3), "random_crop"),
    "RandomFlip": (lambda: layers.RandomFlip(seed=1), (2, 4, 5, 3), "random_flip"),
    "RandomRotation": (lambda: layers.RandomRotation(0.2, seed=1), (2, 4, 5, 3),
                       "random_rotation"),
    "RandomTranslation": (lambda: layers.RandomTranslation(0.2, 0.3, seed=1), (2, 4, 5, 3),
                          "random_translation"),
    "RandomZoom": (lambda: layers.RandomZoom(0.2, fill_mode="constant", seed=1), (2, 4, 5, 3),
                   "random_zoom"),
    "Resizing": (lambda: layers.Resizing(3, 7, "bicubic"), (2, 5, 4, 3), "resizing"),
    "GRU": (lambda: layers.GRU(4, return_sequences=True), (2, 7, 3), "gru"),
    "LSTM": (lambda: layers.LSTM(4, go_backwards=True), (2, 7, 3), "lstm"),
    "SimpleRNN": (lambda: layers.SimpleRNN(4, activation="relu"), (2, 7, 3), "simple_rnn"),
}


def np_free_square(x):
    """A named function for the Lambda case (its config names it)."""
    return x * x


def make_inputs(rng, shapes, name=None):
    if name == "Embedding":                                # ids: non-negative ints
        return np.abs(rng.standard_normal(shapes) * 3).astype(np.int64)
    if isinstance(shapes, list):
        return [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return rng.standard_normal(shapes).astype(np.float32)


def without_batch(shapes):
    if isinstance(shapes, list):
        return [(None, *s[1:]) for s in shapes]
    return (None, *shapes[1:])


def test_every_layer_class_is_covered():
    classes = {getattr(layers, n) for n in layers.__all__}
    layer_classes = {c for c in classes if isinstance(c, type) and issubclass(c, layers.Layer)}
    assert {c.__name__ for c in layer_classes} - {"Layer"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_shape_matches_compute_output_shape(rng, name):
    factory, shapes, _ = CASES[name]
    layer = factory()
    y = layer(make_inputs(rng, shapes, name))
    assert layer.built
    assert y.shape == layer.compute_output_shape(shapes)
    assert y.dtype == np.float32
    assert layer.output_shape == layer.compute_output_shape(without_batch(shapes))
    assert layer.output_shape[0] is None


@pytest.mark.parametrize("name", sorted(CASES))
def test_symbolic_call_gives_the_same_shape(rng, name):
    factory, shapes, _ = CASES[name]
    many = isinstance(shapes, list)
    inputs = [layers.Input(s[1:]) for s in shapes] if many else layers.Input(shapes[1:])
    symbolic = factory()(inputs)
    real = factory()(make_inputs(rng, shapes, name))
    assert symbolic.shape == (None, *real.shape[1:])


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_survives_json_and_rebuilds_the_same_layer(rng, name):
    factory, shapes, _ = CASES[name]
    layer = factory()
    x = make_inputs(rng, shapes, name)
    y = layer(x)
    text = json.dumps(layer.get_config())
    clone = type(layer).from_config(json.loads(text))
    assert json.dumps(clone.get_config()) == text
    assert clone.name == layer.name
    clone(x, training=False)               # builds it without drawing (random layers)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, y.data, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_are_named_under_the_layer_and_counted(rng, name):
    factory, shapes, _ = CASES[name]
    layer = factory()
    layer(make_inputs(rng, shapes, name))
    assert layer.count_params() == sum(w.size for w in layer.weights)
    for w in layer.weights:
        assert w.name.startswith(f"{layer.name}/") and w.name.endswith(":0")
        assert w.dtype == np.float32


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_names_follow_keras(name):
    factory, _, expected = CASES[name]
    assert factory().name == expected


# --- auto-naming ---------------------------------------------------------------------------

def test_auto_names_count_per_class_and_clear_session_resets():
    assert [layers.Conv2D(2, 3).name for _ in range(3)] == ["conv2d", "conv2d_1", "conv2d_2"]
    assert layers.Dense(2).name == "dense"
    assert layers.Conv2d(2, 3).name == "conv2d_3"              # aliases share the counter
    chainrule.clear_session()
    assert layers.Conv2D(2, 3).name == "conv2d"


def test_input_layers_are_named_from_one():
    assert layers.Input((3,)).layer.name == "input_1"
    assert layers.Input((3,)).layer.name == "input_2"
    chainrule.clear_session()
    assert layers.Input((3,)).layer.name == "input_1"


def test_explicit_names_do_not_use_the_counter():
    assert layers.Dense(2, name="head").name == "head"
    assert layers.Dense(2).name == "dense"


@pytest.mark.parametrize("cls, expected", [("Conv2D", "conv2d"), ("MaxPooling2D", "max_pooling2d"),
                                           ("BatchNormalization", "batch_normalization"),
                                           ("ReLU", "re_lu"), ("MyHTTPLayer", "my_http_layer")])
def test_snake_case(cls, expected):
    assert to_snake_case(cls) == expected


def test_aliases_are_the_same_classes():
    assert layers.Conv2d is layers.Convolution2D is layers.Conv2D
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool2D is layers.AveragePooling2D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D


# --- a custom layer on the base class ------------------------------------------------------

class Scale(layers.Layer):
    """y = x * w, one weight per feature."""

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), "ones")

    def call(self, inputs, training=False):
        return inputs * self.w


def test_custom_layer_builds_once_and_gets_gradients(rng):
    layer = Scale()
    x = rng.standard_normal((4, 3)).astype(np.float32)
    layer(x)
    first = layer.w
    layer(x).sum().backward()
    assert layer.w is first                                     # built exactly once
    assert layer.weights[0].name == "scale/w:0"
    np.testing.assert_allclose(layer.w.grad, x.sum(axis=0), rtol=1e-6)


def test_layer_dtype_sets_weight_dtype():
    layer = layers.Dense(2, dtype="float64")
    layer(np.ones((1, 3)))
    assert all(w.dtype == np.float64 for w in layer.weights)
    assert layer.get_config()["dtype"] == "float64"


def test_call_is_required():
    with pytest.raises(NotImplementedError, match="does not implement call"):
        layers.Layer()(np.ones((1, 2)))


# --- constructor arguments -----------------------------------------------------------------

def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="keyword argument not understood: 'units_'"):
        layers.Dense(2, units_=3)


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name=3"):
        layers.Dense(2, name=3)


def test_input_shape_and_input_dim_set_the_batch_input_shape():
    assert layers.Dense(2, input_shape=(3,)).get_config()["batch_input_shape"] == (None, 3)
    assert layers.Dense(2, input_dim=5).get_config()["batch_input_shape"] == (None, 5)
    assert "batch_input_shape" not in layers.Dense(2).get_config()


@pytest.mark.parametrize("bad", [(0, 3), (-1,), "3", (2.5,)])
def test_invalid_input_shape_is_a_value_error(bad):
    with pytest.raises(ValueError, match="input_shape"):
        layers.Dense(2, input_shape=bad)


def test_count_params_before_build_raises():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_output_shape_before_call_raises():
    with pytest.raises(AttributeError, match="has never been called"):
        layers.Dense(2).output_shape


# --- weights -------------------------------------------------------------------------------

def test_get_weights_returns_copies():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    kernel = layer.get_weights()[0]
    kernel[...] = 42.0
    assert not np.any(layer.kernel.data == 42.0)


def test_set_weights_checks_count_and_shape():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expects 2 weight\(s\), but the weight list provided "
                                         r"has 1"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"weight shape \(3, 2\) is not compatible with provided "
                                         r"weight shape \(2, 3\) \(weight dense/kernel:0\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])


def test_set_weights_copies_values_and_keeps_dtype():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    kernel = np.arange(6.0).reshape(3, 2)
    layer.set_weights([kernel, np.array([1.0, -1.0])])
    kernel[...] = 0.0
    np.testing.assert_array_equal(layer.get_weights()[0], np.arange(6.0).reshape(3, 2))
    assert layer.kernel.dtype == np.float32


def test_trainable_false_moves_weights_to_non_trainable():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype=np.float32))
    layer.trainable = False
    assert layer.trainable_weights == []
    assert layer.non_trainable_weights == layer.weights
    assert not any(w.requires_grad for w in layer.weights)
    layer.trainable = True
    assert layer.trainable_weights == layer.weights
    assert all(w.requires_grad for w in layer.weights)


def test_trainable_false_in_the_constructor():
    layer = layers.Dense(2, trainable=False)
    layer(np.ones((1, 3), dtype=np.float32))
    assert len(layer.non_trainable_weights) == 2
    assert layer.get_config()["trainable"] is False


def test_frozen_weights_get_no_gradient():
    layer = layers.Dense(2, trainable=False)
    x = Tensor(np.ones((1, 3), dtype=np.float32), requires_grad=True)
    layer(x).sum().backward()
    assert layer.kernel.grad is None
    assert x.grad is not None


# --- Variable and InputSpec ----------------------------------------------------------------

def test_variable_assign_and_repr():
    v = layers.Variable(np.zeros((2, 2), dtype=np.float32), name="d/kernel:0")
    v.assign(np.ones((2, 2)))
    np.testing.assert_array_equal(v.data, np.ones((2, 2)))
    assert v.dtype == np.float32
    assert repr(v) == "<Variable 'd/kernel:0' shape=(2, 2) dtype=float32>"
    with pytest.raises(ValueError, match=r"expected shape \(2, 2\), received .* shape \(3,\)"):
        v.assign(np.ones(3))


def test_variable_requires_grad_follows_trainable():
    v = layers.Variable(np.zeros(2), name="v:0", trainable=False)
    assert not v.requires_grad
    v.trainable = True
    assert v.requires_grad


@pytest.mark.parametrize("spec, shape, message", [
    (layers.InputSpec(ndim=4), (2, 3), "expected ndim=4, found ndim=2"),
    (layers.InputSpec(min_ndim=3), (2, 3), "expected min_ndim=3, found ndim=2"),
    (layers.InputSpec(axes={-1: 3}), (2, 5), "expected axis -1 of input shape to have value 3"),
])
def test_input_spec_errors_name_layer_expectation_and_shape(spec, shape, message):
    with pytest.raises(ValueError, match=message) as info:
        spec.check(shape, layer_name="probe")
    assert 'layer "probe"' in str(info.value)
    assert str(shape) in str(info.value)


def test_input_spec_accepts_matching_and_unknown_sizes():
    spec = layers.InputSpec(ndim=2, axes={-1: 3})
    for shape in [(4, 3), (None, 3), (4, None)]:
        assert spec.check(shape, layer_name="probe") is None


def test_add_weight_defaults_regularizer_and_unknown_arguments():
    from chainrule import ops

    class Scale(layers.Layer):
        def build(self, input_shape):
            self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                     regularizer=lambda w: 0.5 * ops.sum(ops.square(w)))
            self.t = self.add_weight(shape=(2,))                   # glorot_uniform, unnamed

        def call(self, inputs):
            self.add_loss(ops.mean(inputs))
            return inputs * self.s

    layer = Scale(name="scale")
    layer(np.full((2, 3), 2.0, "float32"))
    assert [w.name for w in layer.weights] == ["scale/Variable:0", "scale/Variable_1:0"]
    assert [float(loss.item()) for loss in layer.losses] == [2.0, 1.5]   # add_loss, penalty
    with pytest.raises(TypeError, match=r"add_weight: \['shapes'\]"):
        layer.add_weight(shapes=(2,))
    with pytest.raises(ValueError, match="provide a name for your metric"):
        layer.add_metric(1.0)
