"""Embedding: lookup, scattered gradient, Keras' config and errors."""
import numpy as np
import pytest

from chainrule import layers


def test_embedding_looks_up_rows_and_scatters_gradients(rng):
    layer = layers.Embedding(6, 3)
    ids = np.array([[0, 2, 2], [5, 0, 1]])
    y = layer(ids)
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(y.data, table[ids])
    gy = rng.standard_normal((2, 3, 3)).astype(np.float32)
    y.backward(gy)
    expected = np.zeros_like(table)
    np.add.at(expected, ids, gy)                       # id 2 and id 0 appear twice: grads add
    np.testing.assert_allclose(layer.embeddings.grad, expected, rtol=1e-6)


def test_embedding_default_initializer_is_uniform_005():
    layer = layers.Embedding(100, 8)
    layer(np.zeros((1, 2), np.int64))
    table = layer.get_weights()[0]
    assert table.shape == (100, 8) and np.abs(table).max() <= 0.05
    assert layer.get_config()["embeddings_initializer"]["class_name"] == "RandomUniform"


def test_embedding_input_length_sets_the_batch_input_shape():
    assert layers.Embedding(10, 3, input_length=5).get_config()["batch_input_shape"] == (None, 5)
    assert layers.Embedding(10, 3).get_config()["batch_input_shape"] == (None, None)


def test_embedding_errors():
    with pytest.raises(ValueError, match="Both `input_dim` and `output_dim` should be positive, "
                                         "Received input_dim = 0 and output_dim = 3"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match=r"indices\[0,1\] = 7 is not in \[0, 4\)"):
        layers.Embedding(4, 2)(np.array([[1, 7]]))
    with pytest.raises(ValueError, match="mask_zero=True"):
        layers.Embedding(4, 2, mask_zero=True)
