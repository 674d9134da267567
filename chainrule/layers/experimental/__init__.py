"""`layers.experimental.preprocessing.X`: TF 2.3-2.5 names of the preprocessing layers."""
from chainrule.layers.experimental import preprocessing

__all__ = ["preprocessing"]
