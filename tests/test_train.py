"""tf.train.latest_checkpoint over the files chainrule's checkpoints write (and TF's state file)."""
import os

import numpy as np

import chainrule as tf


def small_model():
    model = tf.Sequential([tf.layers.Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def test_the_newest_weights_file_is_the_latest(tmp_path):
    model = small_model()
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.latest_checkpoint(str(tmp_path / "missing")) is None
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    for epoch in (5, 10, 15):
        path = str(tmp_path / f"cp-{epoch:04d}.ckpt")
        model.save_weights(path)
        os.utime(path, ns=(epoch * 10**9, epoch * 10**9))
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / "cp-0015.ckpt")
    restored = small_model()
    restored.load_weights(latest)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_tensorflow_state_file_names_the_latest(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "cp-0002.ckpt"\n'
                                         'all_model_checkpoint_paths: "cp-0001.ckpt"\n')
    assert tf.train.latest_checkpoint(tmp_path) == os.path.join(str(tmp_path), "cp-0002.ckpt")
