"""Datasets. `digits` ships with chainrule; others are downloaded and cached."""
from chainrule.datasets import digits

__all__ = ["digits"]
