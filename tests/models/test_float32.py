"""Training stays in float32: no op sees or makes a float64 array, nor does the optimizer."""
import numpy as np
import pytest

from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential

pytestmark = pytest.mark.usefixtures("each_kernel_path")   # NumPy and Numba kernels


def small_cnn():
    return Sequential([
        Conv2D(4, 3, activation="relu", input_shape=(11, 11, 2)), MaxPooling2D(2),
        Conv2D(3, 3, activation="relu", padding="same"), MaxPooling2D(3, 2, padding="same"),
        Flatten(), Dense(2, activation="softmax"),
    ])


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_a_training_step_of_a_cnn_creates_no_float64_arrays(rng, monkeypatch, optimizer):
    from chainrule.autodiff import graph
    from chainrule.autodiff.function import Function

    seen = []
    call, pass_on = Function.__call__, graph._pass_on

    def spy_call(fn, *inputs):
        out = call(fn, *inputs)
        seen.extend((type(fn).__name__, np.asarray(getattr(t, "data", t)).dtype)
                    for t in (*inputs, out) if np.ndim(getattr(t, "data", t)))
        return out

    def spy_backward(fn, gy, grads):
        seen.append((type(fn).__name__ + " gy", gy.dtype))
        pass_on(fn, gy, grads)

    monkeypatch.setattr(Function, "__call__", spy_call)
    monkeypatch.setattr(graph, "_pass_on", spy_backward)
    model = small_cnn()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.train_on_batch(rng.random((4, 11, 11, 2), dtype=np.float32), np.array([0, 1, 1, 0]))
    assert seen and all(dtype == np.float32 for _, dtype in seen if dtype.kind == "f"), \
        sorted({entry for entry in seen if entry[1] != np.float32})
    assert all(w.dtype == np.float32 and w.grad.dtype == np.float32
               for w in model.trainable_weights)
    assert all(a.dtype == np.float32 for a in model.optimizer.get_slot_arrays(model.weights))
