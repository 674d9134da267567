"""The preprocessing layers under their old `layers.experimental.preprocessing` names."""
from chainrule.layers.augmentation import (RandomBrightness, RandomContrast, RandomCrop,
                                           RandomFlip, RandomRotation, RandomTranslation,
                                           RandomZoom)
from chainrule.layers.core import Rescaling
from chainrule.layers.preprocessing import CenterCrop, Normalization, Resizing

__all__ = ["CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
           "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling",
           "Resizing"]
