"""Sequence / PyDataset in fit, with and without worker threads."""
import threading

import numpy as np
import pytest

import chainrule as keras


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.threads, self.epochs = set(), 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        self.threads.add(threading.current_thread().name)
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs += 1


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-1.0], [2.0]], np.float32))


@pytest.mark.parametrize("workers", [1, 3])
def test_fit_trains_on_a_py_dataset(workers):
    x, y = data()
    seq = Batches(x, y, 16, workers=workers)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    history = model.fit(seq, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] and seq.epochs == 4
    in_workers = any(t.startswith("chainrule-sequence") for t in seq.threads)
    assert in_workers == (workers > 1)
    assert model.predict(Batches(x, y, 16, workers=workers), verbose=0).shape == (96, 1)


def test_batches_come_back_in_order_with_workers():
    from chainrule.utils.sequence import iterate_batches

    x, y = data()
    seq = Batches(x, y, 10, workers=4, max_queue_size=2)
    got = np.concatenate([bx for bx, _ in iterate_batches(seq, 2 * len(seq))])
    np.testing.assert_array_equal(got, np.concatenate([x, x]))


def test_a_keras2_sequence_subclass_works_too():
    class Seq(keras.utils.Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.ones((4, 3), np.float32) * i, np.zeros((4, 1), np.float32)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    assert model.evaluate(Seq(), verbose=0) >= 0
    with pytest.raises(ValueError, match="`workers` must be a positive int"):
        Batches(*data(), 4, workers=0)


def test_other_sequences_are_read_from_one_thread_even_with_a_workers_attribute():
    from chainrule.utils.sequence import iterate_batches

    class NotOurs:
        workers = 8

        def __init__(self):
            self.threads = set()

        def __len__(self):
            return 3

        def __getitem__(self, i):
            self.threads.add(threading.current_thread().name)
            return i

    seq = NotOurs()
    assert list(iterate_batches(seq, 4)) == [0, 1, 2, 0]
    assert seq.threads == {threading.current_thread().name}


def test_data_handler_workers_override_the_sequence_setting():
    from chainrule.models.data_adapter import DataHandler

    x, y = data()
    seq = Batches(x, y, 16)                 # workers=1 on the dataset itself
    batches = list(DataHandler(seq, workers=3).epoch())
    assert len(batches) == 6 and any(t.startswith("chainrule-sequence") for t in seq.threads)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
