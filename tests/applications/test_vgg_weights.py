"""Prediction parity with tf.keras, and the three ways to get weights: set_weights, a local
file in Keras' 2016 release layout, and weights='imagenet' through the get_file cache."""
import numpy as np
import pytest

from chainrule.applications import VGG16, VGG19, vgg16, vgg19
from chainrule.utils.file_utils import hash_file

from .conftest import seeded_weights

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels

PARITY = [("vgg16_notop32", VGG16, dict(include_top=False)),
          ("vgg19_notop32", VGG19, dict(include_top=False)),
          ("vgg16_top32_c10", VGG16, dict(include_top=True, classes=10,
                                          classifier_activation=None))]


@pytest.mark.parametrize("case, builder, kwargs", PARITY, ids=[c[0] for c in PARITY])
def test_predictions_match_keras_with_the_same_weights(keras_ref, case, builder, kwargs):
    model = builder(weights=None, input_shape=(32, 32, 3), **kwargs)
    weights = seeded_weights([w.shape for w in model.get_weights()])
    guard = np.array([[w.sum(dtype="float64"), w.flat[0]] for w in weights])
    np.testing.assert_allclose(guard, keras_ref[f"parity/{case}/check"], rtol=1e-6,
                               err_msg="NumPy drew other numbers than when the fixture was made")
    model.set_weights(weights)
    got = model.predict(keras_ref["parity/x"], verbose=0)
    want = keras_ref[f"parity/{case}/y"]
    assert got.shape == want.shape
    assert np.abs(got - want).max() / np.abs(want).max() < 1e-4


def test_2016_release_layout_loads_by_position(standin_notop, rng):
    path, weights = standin_notop
    from_file = VGG16(weights=str(path), include_top=False, input_shape=(64, 64, 3))
    by_hand = VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    by_hand.set_weights(weights)
    for got, want in zip(from_file.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    x = rng.uniform(-100, 100, (2, 64, 64, 3))
    np.testing.assert_array_equal(from_file.predict(x, verbose=0), by_hand.predict(x, verbose=0))


def test_a_vgg16_file_does_not_fit_vgg19(standin_notop):
    with pytest.raises(ValueError, match="Model expected 16 layers, found 13 saved layers"):
        VGG19(weights=standin_notop[0], include_top=False, input_shape=(32, 32, 3))


def test_imagenet_weights_come_from_the_cache_without_network(
        standin_notop, chainrule_home, monkeypatch):
    """A file already in CHAINRULE_HOME/models with the expected md5 is used as it is (here
    the md5 is patched to the stand-in's: the real file is 58 MB and never downloaded)."""
    path, weights = standin_notop
    cached = chainrule_home / "models" / vgg16.WEIGHTS_FILE_NO_TOP
    cached.parent.mkdir(parents=True)
    cached.symlink_to(path)
    monkeypatch.setattr(vgg16, "WEIGHTS_HASH_NO_TOP", hash_file(path, "md5"))
    model = VGG16(include_top=False, input_shape=(32, 32, 3))
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("module, builder, include_top", [
    (vgg16, VGG16, False), (vgg16, VGG16, True), (vgg19, VGG19, False)])
def test_imagenet_offline_error_names_the_url_and_the_path(
        chainrule_home, module, builder, include_top, capsys):
    fname = module.WEIGHTS_FILE if include_top else module.WEIGHTS_FILE_NO_TOP
    url = module.WEIGHTS_PATH if include_top else module.WEIGHTS_PATH_NO_TOP
    with pytest.raises(ConnectionError) as info:
        builder(include_top=include_top, input_shape=None if include_top else (32, 32, 3))
    message = str(info.value)
    assert url in message
    assert str(chainrule_home / "models" / fname) in message
    assert (module.WEIGHTS_HASH if include_top else module.WEIGHTS_HASH_NO_TOP) in message
    assert "Downloading data from " + url in capsys.readouterr().out


def test_a_cached_file_with_the_wrong_md5_is_fetched_again(chainrule_home, capsys):
    cached = chainrule_home / "models" / vgg16.WEIGHTS_FILE_NO_TOP
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the weights")
    with pytest.raises(ConnectionError, match="URL fetch failure"):
        VGG16(include_top=False, input_shape=(32, 32, 3))
    assert "hash does not match" in capsys.readouterr().out


def test_release_files_are_keras_ones():
    base = "https://storage.googleapis.com/tensorflow/keras-applications/"
    assert vgg16.WEIGHTS_PATH_NO_TOP == \
        base + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert vgg16.WEIGHTS_HASH_NO_TOP == "6d6bbae143d832006294945121d1f1fc"
    assert vgg16.WEIGHTS_HASH == "64373286793e3c8b2b4e3219cbf3544b"
    assert vgg19.WEIGHTS_PATH == base + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
    assert vgg19.WEIGHTS_HASH == "cbe5617147190e668d6c5d5026f83318"
    assert vgg19.WEIGHTS_HASH_NO_TOP == "253f8cb515780f3b799900260a226db6"
