"""VGG16/VGG19 structure against tf.keras 2.12: names, shapes, counts, summaries, errors."""
import contextlib
import io

import numpy as np
import pytest

from chainrule import layers
from chainrule.applications import VGG16, VGG19
from chainrule.layers import Dense, Dropout, Flatten
from chainrule.models import Sequential

BUILDERS = {"VGG16": VGG16, "VGG19": VGG19}
# (record key, builder, kwargs); with-top cases at 224 are left out: 553 MB of weights.
CASES = [
    ("vgg16_notop_224", "VGG16", dict(include_top=False, input_shape=(224, 224, 3))),
    ("vgg16_notop_default", "VGG16", dict(include_top=False)),
    ("vgg16_top_32_c10", "VGG16", dict(include_top=True, input_shape=(32, 32, 3), classes=10)),
    ("vgg16_avg_64", "VGG16", dict(include_top=False, input_shape=(64, 64, 3), pooling="avg")),
    ("vgg16_max_48", "VGG16", dict(include_top=False, input_shape=(48, 80, 3), pooling="max")),
    ("vgg19_notop_224", "VGG19", dict(include_top=False, input_shape=(224, 224, 3))),
    ("vgg19_top_32_c10", "VGG19", dict(include_top=True, input_shape=(32, 32, 3), classes=10)),
]


def describe(model):
    """The record's format: per layer name, class, output shape (lists, None as None), params."""
    def listed(shape):
        return [list(s) for s in shape] if isinstance(shape, list) else list(shape)

    def row(layer):
        shape = [layer._batch_input_shape] if type(layer).__name__ == "InputLayer" \
            else layer.output_shape
        return {"name": layer.name, "class": type(layer).__name__, "params": layer.count_params(),
                "output_shape": listed(shape)}

    return {"name": model.name, "count_params": model.count_params(),
            "output_shape": listed(model.output_shape), "layers": [row(la) for la in model.layers]}


@pytest.mark.parametrize("key, builder, kwargs", CASES, ids=[c[0] for c in CASES])
def test_layers_shapes_and_counts_match_keras(keras_ref, key, builder, kwargs):
    model = BUILDERS[builder](weights=None, **kwargs)
    assert describe(model) == keras_ref[f"arch/{key}"]


@pytest.mark.parametrize("builder, key, count", [("VGG16", "vgg16", 138_357_544),
                                                 ("VGG19", "vgg19", 143_667_240)])
def test_with_top_count_at_224(keras_ref, builder, key, count):
    """The 224x224 model with top is 138M weights (553 MB): build the same top on 32x32
    inputs instead and swap fc1's count for the one a 7x7x512 flatten gives."""
    record = keras_ref[f"arch/{key}_top_224"]
    small = BUILDERS[builder](weights=None, include_top=True, input_shape=(32, 32, 3))
    notop = BUILDERS[builder](weights=None, include_top=False, input_shape=(224, 224, 3))
    fc1_at_224 = (int(np.prod(notop.output_shape[1:])) + 1) * 4096
    total = small.count_params() - small.get_layer("fc1").count_params() + fc1_at_224
    assert total == record["count_params"] == count
    assert [la.name for la in small.layers] == [la["name"] for la in record["layers"]]
    assert notop.count_params() == sum(la["params"] for la in record["layers"][:-4])


def test_default_is_224_with_top_names(keras_ref):
    names = [la["name"] for la in keras_ref["arch/vgg16_top_224"]["layers"]]
    assert names[-4:] == ["flatten", "fc1", "fc2", "predictions"]
    assert keras_ref["arch/vgg16_top_224"]["layers"][0]["output_shape"] == [[None, 224, 224, 3]]


def summary_of(model) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def test_lecture_cats_summary_is_keras(keras_ref):
    transfer_model = VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    transfer_model.trainable = False
    model = Sequential([transfer_model, Flatten(), Dropout(0.5), Dense(512, activation="relu"),
                        Dense(128, activation="relu"), Dense(2, activation="softmax")])
    text = summary_of(model)
    assert text == keras_ref["summary/cats"]
    assert "Total params: 15,829,698\nTrainable params: 1,115,010\n" \
           "Non-trainable params: 14,714,688" in text


def test_frozen_then_block5_unfrozen_summaries_are_keras(keras_ref):
    base = VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    base.trainable = False
    model = Sequential([base, Flatten(), Dense(64, activation="relu"),
                        Dense(1, activation="sigmoid")])
    assert summary_of(model) == keras_ref["summary/frozen_224"]
    base.trainable = True
    for layer in base.layers[:15]:
        layer.trainable = False
    assert summary_of(model) == keras_ref["summary/finetune_block5"]


def test_base_model_summary_is_keras(keras_ref):
    assert summary_of(VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))) == \
        keras_ref["summary/vgg16_notop_64"]


ERROR_CASES = ["imagenet_top_shape", "imagenet_top_classes", "min_size", "imagenet_channels",
               "top_static_shape", "bad_weights", "two_dims"]
ERROR_KWARGS = {
    "imagenet_top_shape": dict(weights="imagenet", include_top=True, input_shape=(64, 64, 3)),
    "imagenet_top_classes": dict(weights="imagenet", include_top=True, classes=10),
    "min_size": dict(weights=None, include_top=False, input_shape=(16, 64, 3)),
    "imagenet_channels": dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1)),
    "top_static_shape": dict(weights=None, include_top=True, input_shape=(None, None, 3)),
    "bad_weights": dict(weights="no_such_file.h5"),
    "two_dims": dict(weights=None, include_top=False, input_shape=(64, 64)),
    "imagenet_activation": dict(weights="imagenet", include_top=True,
                                classifier_activation="relu"),
}


@pytest.mark.parametrize("case", sorted(ERROR_KWARGS))
def test_argument_errors_are_keras(keras_ref, case):
    """Same type and message as Keras (ours may add a hint); all raised before any download."""
    expected = keras_ref[f"errors/{case}"]
    with pytest.raises(ValueError) as info:
        VGG16(**ERROR_KWARGS[case])
    assert expected["type"] == "ValueError"
    keras_message = expected["message"]
    if case == "imagenet_activation":                  # Keras prints a function's repr there
        keras_message = keras_message.split("Received")[0]
    assert str(info.value).startswith(keras_message)


def test_unusual_channel_count_warns_like_keras(keras_ref):
    with pytest.warns(UserWarning) as caught:
        model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 4))
    assert [str(w.message) for w in caught] == keras_ref["warnings/channels4"]
    assert model.output_shape == (None, 1, 1, 512)


def test_pooling_must_be_known():
    with pytest.raises(ValueError, match=r"`pooling` must be None, 'avg' or 'max'.*'mean'"):
        VGG16(weights=None, include_top=False, pooling="mean")


def test_pathlike_weights_are_accepted_for_existing_files(tmp_path):
    with pytest.raises(ValueError, match="path to the weights file"):
        VGG16(weights=tmp_path / "missing.h5")


def test_input_tensor_keeps_the_layers_before_it():
    images = layers.Input((40, 40, 3))
    scaled = layers.Rescaling(1 / 255)(images)
    model = VGG16(weights=None, include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is images
    assert [la.name for la in model.layers][:3] == [images.layer.name, scaled.layer.name,
                                                    "block1_conv1"]
    assert model.output_shape == (None, 512)


def test_input_tensor_must_be_symbolic():
    with pytest.raises(TypeError, match="symbolic tensor"):
        VGG16(weights=None, include_top=False, input_tensor=np.zeros((1, 32, 32, 3)))


def test_logits_top_and_any_size_without_top(rng):
    model = VGG16(weights=None, include_top=True, input_shape=(32, 32, 3), classes=3,
                  classifier_activation=None)
    assert model.get_layer("predictions").activation.__name__ == "linear"
    base = VGG16(weights=None, include_top=False)
    assert base.predict(rng.random((1, 45, 70, 3)), verbose=0).shape == (1, 1, 2, 512)
