"""Keras' image preprocessing: `ImageDataGenerator`, its iterators and the image I/O helpers.

    from chainrule.preprocessing.image import ImageDataGenerator

`image` holds the Keras-named API; `transforms` the pure augmentation math it uses (with the
plain NumPy warp, `reference_warp`); the iterators live in `iterators`. Speed machinery that
gives the same bits as that readable code (the compiled warp, the PNG decoder, the resize
gather, batch draws) is fenced in `fast`, which the shell calls and which calls nothing back.
"""
from chainrule.preprocessing import image, transforms
from chainrule.preprocessing.image import ImageDataGenerator

__all__ = ["ImageDataGenerator", "image", "transforms"]
