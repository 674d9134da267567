"""MobileNetV2 against tf.keras 2.12: names, shapes, counts for several alphas and sizes,
summary, predictions with the same seeded weights, weight file names, errors, frozen base."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.applications import MobileNetV2, mobilenet_v2
from chainrule.models import Sequential

from .test_resnet50 import check_parity, load_record, summary_of
from .test_vgg_architecture import describe

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels

ARCH = {
    "mobilenetv2_100_top_224": dict(include_top=True),
    "mobilenetv2_035_top_224": dict(include_top=True, alpha=0.35),
    "mobilenetv2_035_notop_96": dict(include_top=False, alpha=0.35, input_shape=(96, 96, 3)),
    "mobilenetv2_100_notop_default": dict(include_top=False),
    "mobilenetv2_140_avg_56x72": dict(include_top=False, alpha=1.4, input_shape=(56, 72, 3),
                                      pooling="avg"),
    "mobilenetv2_075_max_33": dict(include_top=False, alpha=0.75, input_shape=(33, 33, 3),
                                   pooling="max"),
    "mobilenetv2_050_top_128_c10": dict(include_top=True, alpha=0.5, classes=10,
                                        input_shape=(128, 128, 3)),
}


@pytest.fixture
def keras_record():
    return load_record()


@pytest.mark.parametrize("case", sorted(ARCH))
def test_layers_shapes_and_counts_match_keras(keras_record, case):
    assert describe(MobileNetV2(weights=None, **ARCH[case])) == keras_record[f"arch/{case}"]


def test_parameter_count_and_depthwise_layers():
    model = MobileNetV2(weights=None)
    assert model.count_params() == 3_538_984
    depthwise = [la for la in model.layers if isinstance(la, layers.DepthwiseConv2D)]
    assert len(depthwise) == 17 and depthwise[0].name == "expanded_conv_depthwise"
    assert [la.strides for la in depthwise].count((2, 2)) == 4


def test_summary_is_keras(keras_record):
    model = MobileNetV2(weights=None, include_top=False, alpha=0.35, input_shape=(96, 96, 3))
    assert summary_of(model) == str(keras_record["summary/mobilenetv2_035_notop_96"])


@pytest.mark.parametrize("case, shape, kwargs", [
    ("mobilenetv2_100_notop_56x72", (56, 72, 3), dict(include_top=False)),
    ("mobilenetv2_035_top96_c10", (96, 96, 3),
     dict(include_top=True, alpha=0.35, classes=10, classifier_activation=None))])
def test_predictions_match_keras_with_the_same_weights(keras_record, case, shape, kwargs):
    model = MobileNetV2(weights=None, input_shape=shape, **kwargs)
    assert check_parity(keras_record, case, model, mobilenet_v2.preprocess_input) < 1e-4


def test_preprocess_input_is_keras_tf_mode(keras_record):
    got = mobilenet_v2.preprocess_input(keras_record["preprocess/x"])
    np.testing.assert_allclose(got, keras_record["preprocess/mobilenet_v2"], rtol=1e-6,
                               atol=1e-6)


@pytest.mark.parametrize("kwargs, fname", [
    (dict(include_top=True), "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"),
    (dict(include_top=False, alpha=0.35, input_shape=(96, 96, 3)),
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"),
    (dict(include_top=False, alpha=0.5, input_shape=(160, 160, 3)),
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_160_no_top.h5")])
def test_imagenet_offline_error_names_the_url_and_the_path(chainrule_home, capsys, kwargs,
                                                           fname):
    url = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/" + fname
    with pytest.raises(ConnectionError) as info:
        MobileNetV2(**kwargs)
    assert url in str(info.value)
    assert str(chainrule_home / "models" / fname) in str(info.value)
    assert "Downloading data from " + url in capsys.readouterr().out


def test_imagenet_at_other_sizes_warns_and_uses_the_224_file(chainrule_home):
    with pytest.warns(UserWarning, match=r"Weights for input shape \(224, 224\) will be"):
        with pytest.raises(ConnectionError, match="kernels_1.0_224_no_top.h5"):
            MobileNetV2(include_top=False, input_shape=(150, 150, 3))


@pytest.mark.parametrize("case, kwargs", [
    ("mobilenetv2_imagenet_classes", dict(weights="imagenet", include_top=True, classes=10)),
    ("mobilenetv2_imagenet_alpha", dict(weights="imagenet", include_top=False, alpha=0.6,
                                        input_shape=(96, 96, 3))),
    ("mobilenetv2_min_size", dict(weights=None, include_top=False, input_shape=(64, 16, 3)))])
def test_argument_errors_are_keras(keras_record, case, kwargs):
    """Keras' words (VGG's shared check puts two spaces before 'Received')."""
    with pytest.raises(ValueError) as info:
        MobileNetV2(**kwargs)
    assert " ".join(str(info.value).split()) == keras_record[f"errors/{case}"]["message"]


@pytest.mark.parametrize("shape, expected", [((None, 8, 8, 3), ((0, 1), (0, 1))),
                                             ((None, 7, 8, 3), ((1, 1), (0, 1))),
                                             ((None, None, None, 3), ((0, 1), (0, 1)))])
def test_correct_pad_gives_ceil_half_outputs(shape, expected):
    assert mobilenet_v2.correct_pad(layers.Input(shape[1:]), 3) == expected


@pytest.mark.parametrize("v, expected", [(32 * 0.35, 16), (16 * 0.35, 8), (24 * 0.75, 24),
                                         (1280 * 1.4, 1792), (96 * 0.35, 32), (27, 32)])
def test_make_divisible(v, expected):
    assert mobilenet_v2.make_divisible(v, 8) == expected


def test_frozen_base_trains_only_the_head(rng):
    base = MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35,
                       pooling="avg")
    base.trainable = False
    head = layers.Dense(3, activation="softmax")
    model = Sequential([base, head])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before, head_before = base.get_weights(), head.get_weights()
    model.train_on_batch(rng.uniform(-1, 1, (4, 32, 32, 3)), np.array([0, 1, 2, 1]))
    assert not np.array_equal(head.get_weights()[0], head_before[0])
    assert set(model.optimizer.slots) == {id(w) for w in head.weights}
    assert all(w.grad is None for w in base.weights)
    for got, want in zip(base.get_weights(), before):    # BN statistics included
        np.testing.assert_array_equal(got, want)


def test_unfrozen_model_trains_through_the_depthwise_layers(rng):
    model = MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=2)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    kernel = model.get_layer("block_16_depthwise").depthwise_kernel
    before = kernel.numpy().copy()
    model.train_on_batch(rng.uniform(-1, 1, (2, 32, 32, 3)), np.array([0, 1]))
    assert not np.array_equal(kernel.numpy(), before)
