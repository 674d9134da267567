"""GradientTape: TF's semantics (recorded from TensorFlow 2.12) over chainrule's graph."""
import numpy as np
import pytest

import chainrule as tf
from chainrule.autodiff import GradientTape, Tensor
from tests.tf_reference import ref


def test_variables_are_watched_constants_are_not():
    x = tf.constant([1.0, 2.0, 3.0])
    v = tf.Variable([0.5, -1.0, 2.0])
    with GradientTape() as tape:
        y = tf.reduce_sum(x * x * v)
    gx, gv = tape.gradient(y, [x, v])
    assert (gx is None) == bool(ref("tape/unwatched_is_none"))
    np.testing.assert_allclose(gv, ref("tape/variable_grad"))


def test_watch_persistent_and_unconnected_sources():
    x = tf.constant([1.0, 2.0, 3.0])
    v = tf.Variable([0.5, -1.0, 2.0])
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x ** 3)
        z = tf.reduce_sum(tf.nn.softmax(x) * v)
    np.testing.assert_allclose(tape.gradient(y, x), ref("tape/watched_grad"), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(z, x), ref("tape/second_call"), rtol=1e-5)
    assert (tape.gradient(y, v) is None) == bool(ref("tape/unconnected_is_none"))


def test_a_non_persistent_tape_refuses_a_second_call():
    v = tf.Variable([1.0, 2.0])
    with GradientTape() as tape:
        y = tf.reduce_sum(v * 2.0)
    tape.gradient(y, v)
    with pytest.raises(RuntimeError, match=ref("tape/non_persistent_message").replace(
            "(", r"\(").replace(")", r"\)")):
        tape.gradient(y, v)


def test_the_tape_leaves_grad_attributes_alone_and_seeds_non_scalars_with_ones():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    with GradientTape() as tape:
        y = w * w
    (g,) = tape.gradient(y, [w])
    assert w.grad is None
    np.testing.assert_allclose(g, 2 * w.numpy())
    with GradientTape() as tape:
        y = w * w
    g = tape.gradient(y, w, output_gradients=np.array([1.0, 0.5]))
    np.testing.assert_allclose(g, [2.0, -2.0])


def test_watch_rejects_arrays():
    with GradientTape() as tape, pytest.raises(TypeError, match="chainrule.constant"):
        tape.watch(np.ones(3))


def test_custom_training_loop_learns():
    model = tf.Sequential([tf.layers.Dense(8, activation="relu", input_shape=(4,)),
                           tf.layers.Dense(1)])
    optimizer = tf.optimizers.SGD(0.05)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32)
    losses = []
    for _ in range(30):
        with GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    assert all(g is not None for g in grads)
    assert losses[-1] < 0.5 * losses[0]
