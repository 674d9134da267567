"""Keras 2 callbacks. Import as `from chainrule import callbacks`.

`fit` builds a `CallbackList(user_callbacks, add_history=True, add_progbar=verbose != 0,
model=model, verbose=..., epochs=..., steps=...)`, which puts `History` and then
`ProgbarLogger` after the user's callbacks.
"""
from chainrule.callbacks.backup import BackupAndRestore
from chainrule.callbacks.base import Callback, History
from chainrule.callbacks.callback_list import CallbackList
from chainrule.callbacks.learning_rate import LearningRateScheduler
from chainrule.callbacks.logging import CSVLogger, LambdaCallback, ProgbarLogger, TerminateOnNaN
from chainrule.callbacks.monitor import (
    EarlyStopping,
    ModelCheckpoint,
    MonitorCallback,
    ReduceLROnPlateau,
)
from chainrule.callbacks.tensorboard import TensorBoard

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "MonitorCallback", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN"]
