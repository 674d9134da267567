"""serialize_layer / deserialize_layer: every layer's config survives a trip through JSON."""
import json

import pytest

from chainrule import layers
from chainrule.layers import Dense, Layer
from chainrule.models import Functional
from chainrule.saving import custom_object_scope, deserialize_layer, serialize_layer

CONSTRUCTORS = {
    "Activation": lambda: layers.Activation("relu"),
    "Add": lambda: layers.Add(),
    "AveragePooling2D": lambda: layers.AveragePooling2D(3, strides=(1, 2), padding="same"),
    "BatchNormalization": lambda: layers.BatchNormalization(momentum=0.9, epsilon=1e-5),
    "Concatenate": lambda: layers.Concatenate(axis=1),
    "Conv2D": lambda: layers.Conv2D(4, (2, 3), strides=2, padding="same", activation="relu",
                                    input_shape=(8, 8, 3)),
    "Dense": lambda: layers.Dense(3, activation="softmax", input_dim=5, use_bias=False),
    "DepthwiseConv2D": lambda: layers.DepthwiseConv2D(3, strides=2, padding="same",
                                                      depth_multiplier=2, use_bias=False),
    "Dropout": lambda: layers.Dropout(0.3, noise_shape=(None, 1, 5), seed=3),
    "Flatten": lambda: layers.Flatten(),
    "GlobalAveragePooling2D": lambda: layers.GlobalAveragePooling2D(keepdims=True),
    "GlobalMaxPooling2D": lambda: layers.GlobalMaxPooling2D(),
    "InputLayer": lambda: layers.InputLayer(input_shape=(4, 5)),
    "Layer": lambda: layers.Layer(trainable=False),
    "MaxPooling2D": lambda: layers.MaxPooling2D((2, 3)),
    "ReLU": lambda: layers.ReLU(max_value=6.0),
    "Rescaling": lambda: layers.Rescaling(1 / 255.0, offset=-1.0),
    "Reshape": lambda: layers.Reshape((2, -1)),
    "Softmax": lambda: layers.Softmax(axis=1),
    "ZeroPadding2D": lambda: layers.ZeroPadding2D(((1, 2), (3, 4))),
    # issue 12's layers
    "AlphaDropout": lambda: layers.AlphaDropout(0.2, seed=1),
    "Average": lambda: layers.Average(),
    "AveragePooling1D": lambda: layers.AveragePooling1D(3, strides=2, padding="same"),
    "Conv1D": lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2),
    "Conv2DTranspose": lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=1),
    "Cropping2D": lambda: layers.Cropping2D(((1, 0), (2, 3))),
    "Dot": lambda: layers.Dot(axes=(2, 1), normalize=True),
    "ELU": lambda: layers.ELU(0.5),
    "Embedding": lambda: layers.Embedding(10, 3, input_length=4),
    "GaussianDropout": lambda: layers.GaussianDropout(0.3),
    "GaussianNoise": lambda: layers.GaussianNoise(0.1, seed=2),
    "GlobalAveragePooling1D": lambda: layers.GlobalAveragePooling1D(keepdims=True),
    "GlobalMaxPooling1D": lambda: layers.GlobalMaxPooling1D(),
    "Lambda": lambda: layers.Lambda(named_function, output_shape=(3,)),
    "LayerNormalization": lambda: layers.LayerNormalization(axis=[1, 2], center=False),
    "LeakyReLU": lambda: layers.LeakyReLU(0.1),
    "MaxPooling1D": lambda: layers.MaxPooling1D(3),
    "Maximum": lambda: layers.Maximum(),
    "Minimum": lambda: layers.Minimum(),
    "Multiply": lambda: layers.Multiply(),
    "PReLU": lambda: layers.PReLU(shared_axes=[1, 2]),
    "Permute": lambda: layers.Permute((2, 1)),
    "RepeatVector": lambda: layers.RepeatVector(4),
    "SeparableConv2D": lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2),
    "SpatialDropout2D": lambda: layers.SpatialDropout2D(0.2, seed=1),
    "Subtract": lambda: layers.Subtract(),
    "UpSampling2D": lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"),
    "ZeroPadding1D": lambda: layers.ZeroPadding1D((1, 2)),
    # issue 12's preprocessing layers
    "CenterCrop": lambda: layers.CenterCrop(3, 4),
    "Normalization": lambda: layers.Normalization(axis=(1, -1), mean=[[1.0, 2.0]],
                                                  variance=[[3.0, 4.0]], invert=True),
    "RandomBrightness": lambda: layers.RandomBrightness((0.1, -0.2), (-1, 1), seed=2),
    "RandomContrast": lambda: layers.RandomContrast((0.1, 0.3)),
    "RandomCrop": lambda: layers.RandomCrop(4, 5, seed=1),
    "RandomFlip": lambda: layers.RandomFlip("vertical", seed=3),
    "RandomRotation": lambda: layers.RandomRotation((-0.1, 0.2), "constant", "nearest",
                                                    fill_value=2.0),
    "RandomTranslation": lambda: layers.RandomTranslation(0.1, (-0.2, 0.3), "wrap"),
    "RandomZoom": lambda: layers.RandomZoom(0.2, (-0.1, 0.1), "nearest", seed=4),
    "Resizing": lambda: layers.Resizing(6, 7, "lanczos3", crop_to_aspect_ratio=True),
    "GRU": lambda: layers.GRU(3, recurrent_activation="hard_sigmoid", return_state=True),
    "LSTM": lambda: layers.LSTM(3, unit_forget_bias=False, go_backwards=True),
    "SimpleRNN": lambda: layers.SimpleRNN(3, activation="relu", use_bias=False),
}


def named_function(x):
    """For the Lambda case: a config names a module-level function."""
    return x


def _layer_classes() -> set[str]:
    objects = (getattr(layers, name) for name in layers.__all__)
    return {o.__name__ for o in objects if isinstance(o, type) and issubclass(o, Layer)}


def test_every_layer_class_has_a_round_trip_case():
    assert _layer_classes() <= set(CONSTRUCTORS), "add the new layer to CONSTRUCTORS"


@pytest.mark.parametrize("class_name", sorted(CONSTRUCTORS))
def test_config_round_trips_through_json(class_name):
    layer = CONSTRUCTORS[class_name]()
    text = json.dumps(serialize_layer(layer))
    restored = deserialize_layer(json.loads(text))
    assert type(restored) is type(layer)
    assert json.dumps(serialize_layer(restored)) == text


def test_serialize_layer_is_class_name_and_config():
    layer = Dense(2, name="d")
    assert serialize_layer(layer) == {"class_name": "Dense", "config": layer.get_config()}


def test_extra_keys_are_left_to_the_caller():
    cfg = {**serialize_layer(Dense(2, name="d")), "inbound": ["input_1"]}
    assert deserialize_layer(cfg).name == "d"
    assert cfg["inbound"] == ["input_1"]


def test_unknown_layer_names_the_class_and_custom_objects():
    with pytest.raises(ValueError, match=r"Unknown layer: 'Foo'.*custom_objects") as e:
        deserialize_layer({"class_name": "Foo", "config": {}}, custom_objects={"Bar": Dense})
    assert "['Bar']" in str(e.value)


def test_malformed_config_is_rejected():
    with pytest.raises(ValueError, match="'class_name' and 'config'"):
        deserialize_layer({"config": {}})


class MyDense(Dense):
    """A user layer that chainrule does not know."""


def test_custom_objects_come_first_and_scopes_nest():
    cfg = serialize_layer(Dense(2, name="d"))
    assert type(deserialize_layer(cfg, custom_objects={"Dense": MyDense})) is MyDense
    cfg = {"class_name": "MyDense", "config": {"units": 2}}
    with custom_object_scope({"MyDense": MyDense}):
        assert type(deserialize_layer(cfg)) is MyDense
    with pytest.raises(ValueError, match="Unknown layer: 'MyDense'"):
        deserialize_layer(cfg)


def test_keras_model_class_name_means_functional():
    from chainrule.saving.serialization import find_class

    assert find_class("Model") is Functional
