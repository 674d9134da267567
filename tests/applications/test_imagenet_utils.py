"""preprocess_input and decode_predictions against tf.keras 2.12's outputs."""
import json

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.applications import imagenet_utils, vgg16, vgg19
from chainrule.utils.file_utils import hash_file

PREPROCESS = [(name, mode) for name in ("batch", "image", "uint8", "float64", "first")
              for mode in ("caffe", "tf", "torch")]


@pytest.mark.parametrize("name, mode", PREPROCESS)
def test_preprocess_input_matches_keras(keras_ref, name, mode):
    data_format = "channels_first" if name == "first" else "channels_last"
    x = keras_ref[f"preprocess/{name}/x"]
    before = x.copy()
    got = imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)
    want = keras_ref[f"preprocess/{name}/{mode}_{data_format}"]
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(x, before)          # unlike Keras, the input is kept


def test_caffe_mode_is_bgr_minus_mean_without_scaling():
    got = vgg16.preprocess_input(np.array([[[[255.0, 0.0, 0.0]]]], dtype="float32"))
    np.testing.assert_allclose(got.reshape(3), [-103.939, -116.779, 131.32], rtol=1e-6)
    np.testing.assert_array_equal(vgg19.preprocess_input([[[1.0, 2.0, 3.0]]]),
                                  vgg16.preprocess_input([[[1.0, 2.0, 3.0]]]))


def test_preprocess_tensor_is_differentiable(rng):
    x = Tensor(rng.uniform(0, 255, (2, 4, 4, 3)), requires_grad=True)
    y = imagenet_utils.preprocess_input(x)
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(y.numpy(), imagenet_utils.preprocess_input(x.numpy()))
    upstream = rng.standard_normal(y.shape)
    (y * upstream).sum().backward()
    np.testing.assert_allclose(x.grad, upstream[..., ::-1])      # d(x[..., ::-1] - m)/dx


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="caffee"), "Expected mode to be one of `caffe`, `tf` or `torch`. "
                          "Received: mode=caffee"),
    (dict(data_format="nhwc"), "Expected data_format to be one of `channels_first` or "
                               "`channels_last`. Received: data_format=nhwc")])
def test_preprocess_argument_errors_are_keras(kwargs, message):
    with pytest.raises(ValueError) as info:
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), **kwargs)
    assert str(info.value) == message


@pytest.fixture
def fake_class_index(chainrule_home, monkeypatch):
    """The record's fake index placed in the cache, with the expected md5 patched to match."""
    path = chainrule_home / "models" / "imagenet_class_index.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hash_file(path, "md5"))
    return path


@pytest.mark.parametrize("top", [5, 3])
def test_decode_predictions_matches_keras(keras_ref, fake_class_index, top):
    got = vgg16.decode_predictions(keras_ref["decode/preds"], top=top)
    want = keras_ref[f"decode/top{top}"]
    assert [[(c, n) for c, n, _ in row] for row in got] == [[(c, n) for c, n, _ in row]
                                                           for row in want]
    np.testing.assert_allclose([[s for *_, s in row] for row in got],
                               [[s for *_, s in row] for row in want], rtol=1e-6)


def test_decode_predictions_rejects_other_shapes(keras_ref):
    with pytest.raises(ValueError) as info:
        imagenet_utils.decode_predictions(keras_ref["decode/preds"][:, :10])
    assert str(info.value).startswith(keras_ref["decode/error"])


def test_decode_predictions_offline_names_the_class_index_url(chainrule_home):
    with pytest.raises(ConnectionError) as info:
        vgg19.decode_predictions(np.ones((1, 1000)) / 1000)
    assert imagenet_utils.CLASS_INDEX_PATH in str(info.value)
    assert str(chainrule_home / "models" / "imagenet_class_index.json") in str(info.value)
