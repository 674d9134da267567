"""The image pipeline's accelerator, fenced off from the Keras shell that calls it.

Everything here is optional speed that gives the same bits as readable code in the shell, which
is its reference and runs whenever a fast path does not apply:

- `warp`: the compiled affine warp (`numba_warp`); reference `transforms.reference_warp`.
- `decode`: the common PNG decoded without Pillow (`png`, `numba_png`); reference Pillow.
- `nearest_resize`: Pillow's NEAREST resize of decoded pixels as a gather of rows and columns;
  reference Pillow's `Image.resize`.
- `draw_batch`: a batch's augmentation parameters from one block of doubles; reference
  `draws.draw_one`, image by image.

`warp`, `decode` and `draw_batch` return None when they do not apply (Numba or python-isal
missing, `config.set_kernels('numpy')`, an unusual file, an option drawn some other way). The
tests hold each one to its reference bit for bit.
"""
from chainrule.preprocessing.fast.draws import draw_batch
from chainrule.preprocessing.fast.gather import nearest_resize
from chainrule.preprocessing.fast.png import decode
from chainrule.preprocessing.fast.warping import warp

__all__ = ["decode", "draw_batch", "nearest_resize", "warp"]
