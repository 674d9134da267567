"""`LearningRateScheduler`: the optimizer's learning rate from a function of the epoch."""
from __future__ import annotations

import numpy as np

from chainrule.callbacks.base import Callback
from chainrule.utils.progbar import print_msg


class LearningRateScheduler(Callback):
    """At the start of each epoch, set the learning rate to `schedule(epoch, lr)`.

    Args:
        schedule: a function of (epoch index from 0, current rate as a float) returning the
            new rate as a float; a function of the epoch alone is accepted too (Keras tries
            two arguments and falls back to one on a TypeError).
        verbose: 1 prints "Epoch N: LearningRateScheduler setting learning rate to R."

    The rate is also added to each epoch's logs as `lr` (a float32, as Keras reads it back
    from its float32 variable), so it shows in the History.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "lr" attribute.')
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:                      # a schedule of the epoch only
            lr = self.schedule(epoch)
        if not isinstance(lr, float | np.floating):
            raise ValueError('The output of the "schedule" function should be float. '
                             f"Received: {lr!r} of type {type(lr).__name__}")
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = np.float32(float(self.model.optimizer.learning_rate))
