"""Keras' `ImageDataGenerator`: real-time augmentation and normalisation of image batches.

Also re-exports the image I/O helpers (`load_img`, `img_to_array`, ...) and the iterators, so
`from chainrule.preprocessing.image import ...` works as `tf.keras.preprocessing.image` does.
"""
from __future__ import annotations

import warnings

import numpy as np

from chainrule import config
from chainrule.preprocessing import draws, fast, transforms

_NOT_FIT = ("This ImageDataGenerator specifies `{}`, but it hasn't been fit on any training data. "
            "Fit it first by calling `.fit(numpy_data)`.")


class ImageDataGenerator:
    """Generate batches of image data with real-time augmentation (Keras 2 API).

    Each image is augmented (`draw_transform` then `apply_transform`) and then normalised
    (`standardize`). Images are (height, width, channels) arrays.

    Args:
        featurewise_center, featurewise_std_normalization: Subtract the per-channel dataset
            mean, divide by the per-channel dataset std (both computed by `fit`).
        samplewise_center, samplewise_std_normalization: The same with each image's own mean
            and std (one scalar each, over all channels).
        zca_whitening: Apply the ZCA whitening matrix from `fit`; `zca_epsilon` regularises it.
        rotation_range: Degrees; the angle is drawn from U(-r, r).
        width_shift_range: Horizontal shift: a float < 1 is a fraction of the width and a float
            >= 1 pixels, drawn from U(-r, r); an int n gives whole pixels in (-n, n); a 1-D list
            or array gives one of its values with a random sign.
        height_shift_range: Vertical shift, same rules with the height.
        brightness_range: A (low, high) list or tuple; the brightness factor ~ U(low, high).
        shear_range: Degrees, counter-clockwise; drawn from U(-s, s).
        zoom_range: A float z means [1 - z, 1 + z], or give [low, high]. Horizontal and vertical
            factors are drawn independently; above 1 zooms out.
        channel_shift_range: One intensity ~ U(-c, c) added to all channels, then clipped.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap' for points outside the image, with
            scipy.ndimage's meaning (see `transforms`); `cval` is the 'constant' value.
        horizontal_flip, vertical_flip: Flip with probability 0.5.
        rescale: Multiply by this after augmentation (None or 0: no rescaling).
        preprocessing_function: Called on each augmented image, before `rescale`.
        data_format: 'channels_last' or None; chainrule has no channels-first images.
        validation_split: Fraction kept for `subset='validation'`, 0 < v < 1.
        interpolation_order: 1 (bilinear, default) or 0 (nearest neighbour).
        dtype: Output dtype (default `config.floatx()`, float32).

    Differences from Keras (tf.keras 2.12):

    - Randomness comes from explicit `numpy.random.Generator`s, never NumPy's global state:
      the iterators pass theirs to `draw_transform`; `get_random_transform(shape, seed)` seeds
      a fresh one. A seed repeats our parameters, not Keras' numbers.
    - Shifts move along the axis in their name. Keras draws `tx` from `height_shift_range` x
      height and `ty` from the width, yet its `apply_transform` shifts by `tx` horizontally
      (keras-preprocessing#348), so `height_shift_range` moves images sideways. Here `tx` keeps
      its `apply_transform` meaning (horizontal pixels) and is drawn from `width_shift_range` x
      width; `ty` (vertical) comes from `height_shift_range` x height.
    - Rotation, shear and zoom act about the true centre. Keras centres columns at
      (height - 1) / 2 and rows at (width - 1) / 2, wrong for non-square images. On square
      images `apply_transform` gives Keras' pixels.
    - `fill_mode`, `interpolation_order`, the shift ranges and `data_format` are checked here,
      not in scipy at the first batch; `apply_transform` returns a new `dtype` array.

    >>> gen = ImageDataGenerator(rotation_range=40, width_shift_range=0.2, horizontal_flip=True)
    >>> params = gen.get_random_transform((150, 150, 3), seed=0)
    >>> params == gen.get_random_transform((150, 150, 3), seed=0)
    True
    >>> gen.apply_transform(np.zeros((150, 150, 3)), params).dtype
    dtype('float32')
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = transforms.check_shift_range("width_shift_range",
                                                              width_shift_range)
        self.height_shift_range = transforms.check_shift_range("height_shift_range",
                                                               height_shift_range)
        self.brightness_range = transforms.check_brightness_range(brightness_range)
        self.shear_range = shear_range
        self.zoom_range = transforms.check_zoom_range(zoom_range)
        self.channel_shift_range = channel_shift_range
        self.fill_mode = transforms.check_fill_mode(fill_mode)
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = _check_callable(preprocessing_function)
        self.data_format = _check_data_format(data_format)
        self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2  # batch axes, as in Keras
        self._validation_split = _check_validation_split(validation_split)
        self.interpolation_order = transforms.check_interpolation_order(interpolation_order)
        self.dtype = dtype or config.floatx()
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        self._resolve_normalization_flags()

    @property
    def validation_split(self) -> float:
        """The fraction that `subset='validation'` takes (read by the iterators)."""
        return self._validation_split

    def _resolve_normalization_flags(self) -> None:
        """Options that imply others, with Keras' warnings."""
        if self.zca_whitening and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=3)
        if self.zca_whitening and self.featurewise_std_normalization:
            self.featurewise_std_normalization = False
            warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                          "setting of `featurewise_std_normalization`.", stacklevel=3)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=3)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=3)

    def draw_transform(self, img_shape: tuple[int, ...], rng: np.random.Generator) -> dict:
        """Draw one image's augmentation parameters from `rng` (the iterators call this).

        Draw order: (zx, zy), theta, tx, ty, shear, both flips (always drawn), channel shift,
        brightness (Keras draws the zoom after the shear). A draw happens only when its option
        is on, except the flips. `tx` is what `apply_transform` (Keras' and ours) shifts
        horizontally, so it is drawn from `width_shift_range` x width; Keras draws it from the
        height range (see class docstring).

        Returns:
            Keras' parameter dict: theta, shear (degrees); tx (horizontal), ty (vertical) in
            pixels; zx, zy; flip_horizontal, flip_vertical; channel_shift_intensity and
            brightness (None when off).
        """
        return draws.draw_one(self, img_shape, rng)

    def draw_transforms(self, img_shape: tuple[int, ...], rng: np.random.Generator,
                        n: int) -> list[dict]:
        """`n` images' parameters: the same as `n` calls of `draw_transform`, far cheaper."""
        params = None
        if type(self).draw_transform is ImageDataGenerator.draw_transform:  # not a subclass's
            params = fast.draw_batch(self, img_shape, rng, n)
        return params if params is not None else [self.draw_transform(img_shape, rng)
                                                  for _ in range(n)]

    def get_random_transform(self, img_shape: tuple[int, ...], seed: int | None = None) -> dict:
        """Random parameters for one image, from a fresh Generator seeded with `seed`.

        Keras draws from NumPy's global RNG; here `seed=None` means fresh OS entropy and no
        global state is touched.
        """
        return self.draw_transform(img_shape, np.random.default_rng(seed))

    def apply_transform(self, x, transform_parameters: dict) -> np.ndarray:
        """Apply parameters from `draw_transform` to one (height, width, channels) image.

        Order, as in Keras: one affine warp (rotation, shift, shear, zoom; skipped when all are
        the identity), channel shift, horizontal flip, vertical flip, brightness. The warp
        writes its output already flipped, which saves a copy through a reversed view; the
        channel shift then comes after the flips, with Keras' pixels all the same, since it
        shifts every pixel alike and clips to the whole image's range.

        Returns:
            A new array of `self.dtype`.
        """
        params = transform_parameters
        image = np.asarray(x, dtype=self.dtype)
        flip = (bool(params.get("flip_vertical")), bool(params.get("flip_horizontal")))
        matrix = transforms.affine_matrix(*(params.get(k, v) for k, v in _GEOMETRY.items()))
        if matrix is None:
            out = image[::-1 if flip[0] else 1, ::-1 if flip[1] else 1]
        else:
            out = transforms.warp(image, transforms.centered_matrix(matrix, *image.shape[:2]),
                                  self.fill_mode, self.cval, self.interpolation_order, flip)
        if params.get("channel_shift_intensity") is not None:
            out = transforms.channel_shift(out, params["channel_shift_intensity"])
        if params.get("brightness") is not None:
            out = transforms.brightness_shift(out, params["brightness"])
        if isinstance(x, np.ndarray) and np.may_share_memory(out, x):
            return np.array(out, dtype=self.dtype)  # never hand back a view of the caller's data
        return out.astype(self.dtype, copy=False)  # a flip may leave a view of our own result

    def random_transform(self, x, seed: int | None = None) -> np.ndarray:
        """Augment one image with freshly drawn parameters (see `get_random_transform`)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def standardize(self, x) -> np.ndarray:
        """Normalise an image (or a batch) after augmentation, in place for float arrays.

        Order, as in Keras: preprocessing_function, rescale, samplewise center, samplewise std,
        featurewise center, featurewise std, ZCA. A float `x` is modified in place, as in Keras;
        pass a copy to keep it. Featurewise steps warn and do nothing before `fit`.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        x = np.asarray(x)
        if x.dtype.kind != "f":
            x = x.astype(self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        return self._standardize_featurewise(x)

    def standardizes_elementwise(self) -> bool:
        """Whether `standardize` treats every value on its own, as one image or as a batch.

        True unless it calls `preprocessing_function`, uses an image's own statistics, applies
        ZCA (a matrix product, whose rounding can depend on the batch size) or is overridden.
        When True, the iterators standardize a block of images in one call (the same numbers as
        image by image).
        """
        return (type(self).standardize is ImageDataGenerator.standardize
                and not (self.preprocessing_function or self.samplewise_center
                         or self.samplewise_std_normalization or self.zca_whitening))

    def _standardize_featurewise(self, x: np.ndarray) -> np.ndarray:
        if self.featurewise_center and self.mean is None:
            warnings.warn(_NOT_FIT.format("featurewise_center"), stacklevel=3)
        elif self.featurewise_center:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is None:
            warnings.warn(_NOT_FIT.format("featurewise_std_normalization"), stacklevel=3)
        elif self.featurewise_std_normalization:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is None:
            warnings.warn(_NOT_FIT.format("zca_whitening"), stacklevel=3)
        elif self.zca_whitening:
            flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
            x = (flat @ self.zca_whitening_matrix).reshape(x.shape)
        return x

    def fit(self, x, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Compute the dataset statistics that the featurewise options and ZCA need.

        Args:
            x: Sample images, shape (n, height, width, channels). `rescale` is applied first,
                `preprocessing_function` is not (as in Keras).
            augment: Fit on randomly augmented copies instead of the images themselves.
            rounds: Number of augmented copies of each image when `augment` is True.
            seed: Seed for the augmentation draws.
        """
        x = np.array(x, dtype=self.dtype)  # a copy: the caller's data stays untouched
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. "
                             f"Got array with shape: {x.shape}")
        if x.shape[3] not in (1, 3, 4):
            warnings.warn("Expected input to be images (as Numpy array) following the data "
                          'format convention "channels_last" (channels on axis 3), i.e. expected '
                          "either 1, 3 or 4 channels on axis 3. However, it was passed an array "
                          f"with shape {x.shape} ({x.shape[3]} channels).", stacklevel=2)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(seed)
            x = np.stack([self.apply_transform(img, self.draw_transform(img.shape, rng))
                          for _ in range(rounds) for img in x])
        self._fit_statistics(x)

    def _fit_statistics(self, x: np.ndarray) -> None:
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x = x / (self.std + 1e-6)
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(x.reshape(n, -1).T, full_matrices=False)
            s_inv = float(np.sqrt(n)) / (s + self.zca_epsilon)  # ZCA = U diag(sqrt(n)/(s+eps)) U^T
            self.zca_whitening_matrix = ((u * s_inv) @ u.T).astype(self.dtype)

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Batches of augmented images from arrays: a `NumpyArrayIterator` (see Keras)."""
        from chainrule.preprocessing.iterators import NumpyArrayIterator

        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        """Batches of augmented images from one sub-folder per class: a `DirectoryIterator`."""
        from chainrule.preprocessing.iterators import DirectoryIterator

        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
            save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation,
            dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        """Batches of augmented images listed in a DataFrame: a `DataFrameIterator`."""
        from chainrule.preprocessing.iterators import DataFrameIterator

        class_mode = _legacy_dataframe_kwargs(class_mode, kwargs)
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)


# `affine_matrix`'s arguments in order, each with its identity value.
_GEOMETRY = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1}


def _check_callable(function):
    if function is not None and not callable(function):
        raise TypeError("`preprocessing_function` must be a callable taking and returning one "
                        f"image array. Received: preprocessing_function={function!r}")
    return function


def _check_data_format(data_format) -> str:
    if data_format in (None, "channels_last"):
        return "channels_last"
    if data_format == "channels_first":
        raise ValueError("chainrule images are channels-last only (height, width, channels). "
                         "Received: data_format='channels_first'. Hint: transpose your arrays "
                         "with x.transpose(0, 2, 3, 1) and leave data_format=None.")
    raise ValueError('`data_format` should be `"channels_last"` (channel after row and column). '
                     f"Received: data_format={data_format!r}")


def _check_validation_split(validation_split) -> float:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be strictly between 0 and 1. "
                         f"Received: validation_split={validation_split!r}")
    return validation_split


def _legacy_dataframe_kwargs(class_mode, kwargs: dict):
    """Keras' deprecation warnings for old flow_from_dataframe arguments; 'other' means 'raw'."""
    for name in ("has_ext", "sort", "drop_duplicates"):
        if name in kwargs:
            warnings.warn(f"`{name}` is deprecated and ignored.", DeprecationWarning, stacklevel=3)
    if class_mode == "other":
        warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".',
                      DeprecationWarning, stacklevel=3)
        return "raw"
    return class_mode


# Keras' `tf.keras.preprocessing.image` namespace also holds the I/O helpers and iterators.
from chainrule.preprocessing.image_io import (array_to_img, img_to_array, load_img, save_img,
                                              smart_resize)
from chainrule.preprocessing.iterators import (DataFrameIterator, DirectoryIterator, Iterator,
                                               NumpyArrayIterator)

__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator", "Iterator",
           "NumpyArrayIterator", "array_to_img", "img_to_array", "load_img", "save_img",
           "smart_resize"]
