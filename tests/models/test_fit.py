"""The training loop: fit/evaluate/predict on arrays, Sequences and iterables; its errors."""
import numpy as np
import pytest

import chainrule
from chainrule.callbacks import Callback, EarlyStopping
from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from chainrule.models import Sequential


def small_cnn(classes=3, activation="softmax"):
    return Sequential([Conv2D(4, 3, activation="relu", input_shape=(6, 6, 1)), MaxPooling2D(2),
                       Flatten(), Dropout(0.25), Dense(classes, activation=activation)])


def blobs(rng, n=40, classes=3):
    """Images whose mean brightness depends on the class: learnable in a few epochs."""
    y = rng.integers(0, classes, n)
    x = rng.normal(0, 0.3, (n, 6, 6, 1)) + y[:, None, None, None]
    return x.astype("float32"), y


class Batches:
    """A Keras-style Sequence: len() batches, indexing, on_epoch_end()."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size, self.epochs_ended = x, y, batch_size, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_fit_learns_and_history_has_keras_keys(rng):
    x, y = blobs(rng)
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 4}
    assert history.epoch == [0, 1, 2]
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_accuracy_is_chosen_from_shapes_as_keras_does(rng):
    x, y = blobs(rng, classes=2)
    model = small_cnn(1, "sigmoid")
    model.compile("adam", "binary_crossentropy", ["accuracy"])
    logs = model.train_on_batch(x, y.astype("float32"), return_dict=True)
    assert model.compiled.metrics[0].fn is chainrule.metrics.binary_accuracy
    assert list(logs) == ["loss", "accuracy"]


def test_same_seed_same_training(rng):
    x, y = blobs(rng)

    def run():
        chainrule.clear_session()
        chainrule.set_random_seed(7)
        model = small_cnn()
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)         # shuffles, drops out
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_training_stays_float32(rng):
    x, y = blobs(rng)
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x.astype("float64"), y, epochs=1, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x, verbose=0).dtype == np.float32


def test_fit_accepts_a_sequence_and_calls_on_epoch_end(rng):
    x, y = blobs(rng)
    seq = Batches(x, np.eye(3, dtype="float32")[y], 16)
    model = small_cnn()
    model.compile("sgd", "categorical_crossentropy", ["acc"])
    history = model.fit(seq, validation_data=seq, epochs=2, verbose=0)
    assert history.params["steps"] == 3 and seq.epochs_ended >= 2
    assert model.predict(seq, verbose=0).shape == (40, 3)


def test_unsized_iterable_shows_unknown_then_learns_its_length(rng, capsys, live_display):
    x, y = blobs(rng, n=20)

    class Stream:
        def __iter__(self):
            return ((x[i:i + 8], y[i:i + 8]) for i in range(0, 20, 8))

    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    model.fit(Stream(), epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "      1/Unknown" in out and "3/3 [==============================]" in out


def test_endless_generator_needs_steps_per_epoch(rng):
    x, y = blobs(rng, n=16)

    def forever():
        while True:
            yield x, y

    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(forever(), steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_class_weight_and_sample_weight_scale_the_loss(rng):
    x, y = blobs(rng, n=12)
    model = small_cnn()
    model.compile("sgd", "sparse_categorical_crossentropy")
    plain = model.test_on_batch(x, y)
    doubled = model.evaluate(x, y, sample_weight=np.full(12, 2.0), verbose=0)
    assert doubled == pytest.approx(2 * plain, rel=1e-5)
    weights = chainrule.models.data_adapter.class_weights_for(y, {0: 3.0})
    np.testing.assert_array_equal(weights, np.where(y == 0, 3.0, 1.0))


def test_initial_epoch_and_callback_hooks_in_keras_order(rng):
    x, y = blobs(rng, n=8)
    seen = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            seen.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(f"epoch_begin {epoch}")

        def on_train_batch_end(self, batch, logs=None):
            seen.append(f"batch_end {batch} {sorted(logs)}")

        def on_test_begin(self, logs=None):
            seen.append("test_begin")

        def on_epoch_end(self, epoch, logs=None):
            seen.append(f"epoch_end {epoch} {sorted(logs)}")

    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    model.fit(x, y, batch_size=8, epochs=3, initial_epoch=2, validation_data=(x, y),
              callbacks=[Recorder()], verbose=0)
    assert seen == ["train_begin", "epoch_begin 2", "batch_end 0 ['acc', 'loss']", "test_begin",
                    "epoch_end 2 ['acc', 'loss', 'val_acc', 'val_loss']"]


def test_early_stopping_stops_the_loop(rng):
    x, y = blobs(rng, n=8)
    model = small_cnn()
    model.compile(chainrule.optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=10, callbacks=[EarlyStopping(monitor="loss", patience=1)],
                        verbose=0)
    assert len(history.history["loss"]) == 2          # lr 0: the second epoch cannot improve


def test_evaluate_and_predict_return_keras_shapes(rng):
    x, y = blobs(rng, n=10)
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    loss, acc = model.evaluate(x, y, batch_size=4, verbose=0)
    assert 0 <= acc <= 1 and loss > 0
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "acc"}
    assert model.predict(x, batch_size=3, verbose=0).shape == (10, 3)


def test_verbose_1_prints_the_keras_progress_bar(rng, capsys, live_display):
    x, y = blobs(rng, n=10)
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    model.fit(x, y, batch_size=4, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n")
    assert "\r3/3 [==============================] - " in out and " - loss: " in out


def test_clear_errors_for_bad_use(rng):
    x, y = blobs(rng, n=10)
    model = small_cnn()
    with pytest.raises(RuntimeError, match="must compile your model before"):
        model.fit(x, y)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="x sizes: 10, y sizes: 9"):
        model.fit(x, y[:9])
    with pytest.raises(ValueError, match="validation_data.*2 .*or 3"):
        model.fit(x, y, validation_data=(x,), verbose=0)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 1"):
        model.predict(np.zeros((2, 6, 6, 3)), verbose=0)
    with pytest.raises(ValueError, match="Unknown loss function: 'crossentropyy'"):
        model.compile("adam", "crossentropyy")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        model.compile("adamm", "mse")


def test_precision_recall_auc_objects_as_compiled_metrics(rng):
    x, y = blobs(rng, n=16, classes=2)
    model = small_cnn(1, "sigmoid")
    model.compile("adam", "binary_crossentropy",
                  [chainrule.metrics.Precision(), chainrule.metrics.Recall(),
                   chainrule.metrics.AUC()])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "precision", "recall", "auc"]
    assert all(0 <= logs[k] <= 1 for k in ("precision", "recall", "auc"))


def test_float64_data_is_computed_in_the_layers_float32(rng):
    x, _ = blobs(rng, n=4)
    model = small_cnn()
    out = model(x.astype("float64"))
    assert out.dtype == np.float32
