"""Objects that run their own loading threads (the image iterators) are asked in order."""
import threading

from chainrule.utils.sequence import PyDataset, iterate_batches


class ThreadedIterator:
    """Not a Sequence, but has `workers` like the image iterators: records who asks."""

    workers = 4

    def __init__(self):
        self.callers = []

    def __len__(self):
        return 5

    def __getitem__(self, i):
        self.callers.append((i, threading.get_ident()))
        return i


class Loaded(PyDataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return i, threading.get_ident()


def test_an_iterator_with_its_own_workers_is_served_in_order_on_the_calling_thread():
    it = ThreadedIterator()
    assert list(iterate_batches(it, 7)) == [0, 1, 2, 3, 4, 0, 1]
    assert it.callers == [(i % 5, threading.get_ident()) for i in range(7)]


def test_a_pydataset_with_workers_is_loaded_ahead_by_threads_in_order():
    batches = list(iterate_batches(Loaded(workers=2), 7))
    assert [b[0] for b in batches] == [0, 1, 2, 3, 4, 0, 1]
    assert {b[1] for b in batches} != {threading.get_ident()}


def test_fit_workers_loads_a_keras2_sequence_ahead_in_threads():
    import numpy as np

    import chainrule as keras
    from chainrule.utils import Sequence

    class Batches(Sequence):
        def __init__(self):
            self.threads = set()

        def __len__(self):
            return 4

        def __getitem__(self, i):
            self.threads.add(threading.get_ident())
            return np.full((2, 3), i, np.float32), np.zeros((2, 1), np.float32)

    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    batches = Batches()
    model.fit(batches, epochs=1, workers=2, verbose=0)
    assert threading.get_ident() not in batches.threads       # loaded by fit's threads
    serial = Batches()
    model.fit(serial, epochs=1, verbose=0)
    assert serial.threads == {threading.get_ident()}
