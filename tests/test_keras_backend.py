"""`from chainrule import backend as K`: Keras 2.12's backend functions (values recorded)."""
import numpy as np
import pytest

import chainrule as keras
from chainrule import backend as K
from chainrule.autodiff.gradcheck import check_grad
from tests.tf_reference import X, ref


@pytest.mark.parametrize("key, call", [
    ("mean_last", lambda: K.mean(X, axis=-1)), ("std", lambda: K.std(X)),
    ("var_0", lambda: K.var(X, axis=0)), ("sum_keep", lambda: K.sum(X, axis=1, keepdims=True)),
    ("argmax", lambda: K.argmax(X)), ("max", lambda: K.max(X, axis=(0, 1))),
    ("square_sqrt", lambda: K.sqrt(K.square(X))), ("concatenate", lambda: K.concatenate([X, X])),
])
def test_math_matches_keras(key, call):
    np.testing.assert_allclose(np.asarray(call()), ref(f"k/{key}"), rtol=1e-5, atol=1e-6)


def test_settings_match_keras():
    assert K.epsilon() == float(ref("k/epsilon")) and K.floatx() == ref("k/floatx")
    assert K.image_data_format() == ref("k/image_data_format")
    expected = tuple(None if d == -1 else int(d) for d in ref("k/int_shape_input"))
    assert K.int_shape(keras.Input((6, 5))) == expected
    assert K.int_shape(np.zeros((2, 3))) == (2, 3)


def test_channels_first_is_refused_clearly():
    K.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels_last only"):
        K.set_image_data_format("channels_first")
    with pytest.raises(ValueError, match="Received: 'nhwc'"):
        K.set_image_data_format("nhwc")


def test_get_value_and_set_value_on_variables():
    w = keras.Variable([1.0, 2.0])
    K.set_value(w, [3.0, 4.0])
    assert K.get_value(w).tolist() == [3.0, 4.0] and K.get_value(0.5) == 0.5

    class Schedule:                       # anything with assign/numpy, like an optimizer's lr
        value = np.float32(0.1)

        def assign(self, v):
            self.value = np.float32(v)

        def numpy(self):
            return self.value
    lr = Schedule()
    K.set_value(lr, 0.01)
    assert K.get_value(lr) == np.float32(0.01)
    with pytest.raises(TypeError, match="needs a variable"):
        K.set_value(0.1, 0.2)


def test_a_custom_loss_written_with_K_trains_and_is_differentiable():
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1) + K.epsilon())

    y = np.random.default_rng(0).normal(size=(4, 3))
    check_grad(lambda p: rmse(y, p), (np.random.default_rng(1).normal(size=(4, 3)),))
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=rmse)
    x = np.random.default_rng(2).normal(size=(32, 2)).astype(np.float32)
    history = model.fit(x, x[:, :1] * 2.0, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_unknown_backend_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = K.nonsense
    assert "mean" in dir(K) and callable(K.get_array_module)


def test_small_helpers():
    w = keras.Variable(np.ones((2, 3), np.float32))
    assert K.ndim(w) == 2 and K.dtype(w) == "float32" and K.count_params(w) == 6
    assert K.zeros((2,)).dtype == np.float32 and K.ones((1, 2)).shape == (1, 2)
    K.batch_set_value([(w, np.zeros((2, 3)))])
    assert K.batch_get_value([w])[0].sum() == 0 and K.eval(w).shape == (2, 3)
    assert K.random_normal((3,), seed=1).shape == (3,)
    assert 0 <= K.random_uniform((50,), seed=1).min()
