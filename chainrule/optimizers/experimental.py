"""`optimizers.experimental`: the names tf.keras 2.9-2.10 gave the optimizers that became the
default ones in 2.11 (`tf.keras.optimizers.experimental.AdamW`, ...). The same classes."""
from chainrule.optimizers.adam import Adam, Adamax, AdamW, Nadam
from chainrule.optimizers.adaptive import Adadelta, Adagrad, Ftrl, RMSprop
from chainrule.optimizers.base import Optimizer
from chainrule.optimizers.sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Nadam",
           "Optimizer", "RMSprop"]
