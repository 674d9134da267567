"""Keras' image preprocessing: `ImageDataGenerator`, its iterators and the image I/O helpers.

    from chainrule.preprocessing.image import ImageDataGenerator

`image` holds the Keras-named API; `transforms` the pure augmentation math it uses.
"""
from chainrule.preprocessing import image, transforms
from chainrule.preprocessing.image import ImageDataGenerator

__all__ = ["ImageDataGenerator", "image", "transforms"]
