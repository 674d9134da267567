"""Batch parameter draws (`fast.draw_batch`) equal image-by-image draws, and the iterators'
chunked workers give the numbers of image-by-image standardization."""
import numpy as np
import pytest

from chainrule.preprocessing import draws, fast
from chainrule.preprocessing.batch_jobs import chunks
from chainrule.preprocessing.image import ImageDataGenerator

CONFIGS = [
    {},
    dict(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2,
         zoom_range=0.2, horizontal_flip=True),
    dict(rotation_range=15.5, zoom_range=[0.7, 1.1], vertical_flip=True, channel_shift_range=30,
         brightness_range=(0.5, 1.5)),
    dict(width_shift_range=7.5, height_shift_range=0.999, brightness_range=[1, 1]),
    dict(width_shift_range=3, height_shift_range=0.1),            # integer shift: fallback
    dict(height_shift_range=[0.1, 0.25], horizontal_flip=True),   # listed shift: fallback
    dict(width_shift_range=-0.3),                                 # reversed range: fallback
]


@pytest.mark.parametrize("config", CONFIGS)
def test_a_batch_draws_the_same_numbers_as_image_by_image(config):
    gen = ImageDataGenerator(**config)
    one, batch = np.random.default_rng(7), np.random.default_rng(7)
    try:
        expected = [gen.draw_transform((20, 30, 3), one) for _ in range(64)]
    except ValueError as err:                  # NumPy rejects the range: so must the batch
        with pytest.raises(type(err)):
            gen.draw_transforms((20, 30, 3), batch, 64)
        return
    got = gen.draw_transforms((20, 30, 3), batch, 64)
    assert got == expected
    assert [list(p) for p in got] == [list(p) for p in expected]       # same key order
    assert one.random() == batch.random()                             # same state after


@pytest.mark.parametrize("config", CONFIGS[-3:])
def test_draw_batch_declines_draws_that_are_not_one_double_and_draws_nothing(config):
    rng = np.random.default_rng(3)
    assert fast.draw_batch(ImageDataGenerator(**config), (20, 30, 3), rng, 8) is None
    assert rng.random() == np.random.default_rng(3).random()


def test_a_subclass_draw_transform_is_used_for_batches_too(rng):
    class Fixed(ImageDataGenerator):
        def draw_transform(self, img_shape, rng):
            return {"theta": 5.0}

    assert Fixed(rotation_range=30).draw_transforms((8, 8, 3), rng, 3) == [{"theta": 5.0}] * 3


def test_only_elementwise_standardization_is_done_per_block():
    assert ImageDataGenerator(rescale=0.5, featurewise_center=True).standardizes_elementwise()
    for config in (dict(samplewise_center=True), dict(zca_whitening=True, featurewise_center=True),
                   dict(preprocessing_function=np.sqrt)):
        assert not ImageDataGenerator(**config).standardizes_elementwise()

    class Own(ImageDataGenerator):
        def standardize(self, x):
            return x

    assert not Own().standardizes_elementwise()


def test_block_standardization_equals_image_by_image(rng):
    x = rng.random((13, 9, 11, 3)).astype(np.float32) * 255
    gen = ImageDataGenerator(rescale=1 / 255, rotation_range=30, zoom_range=0.2)
    for workers in (0, 2):
        it = gen.flow(x, batch_size=13, shuffle=False, seed=4)
        it.workers = workers
        params = gen.draw_transforms((9, 11, 3), it._rngs()[1], 13)
        expected = np.stack([gen.standardize(gen.apply_transform(img, p))
                             for img, p in zip(x, params)])
        np.testing.assert_array_equal(next(it), expected)


@pytest.mark.parametrize("n, workers", [(128, 2), (5, 4), (1, 1), (33, 3)])
def test_chunks_cover_the_batch_in_order(n, workers):
    ranges = chunks(n, workers)
    assert [i for lo, hi in ranges for i in range(lo, hi)] == list(range(n))
    assert len(ranges) <= 4 * workers


def test_draw_one_is_what_draw_transform_returns(rng):
    gen = ImageDataGenerator(rotation_range=10, zoom_range=0.1)
    assert draws.draw_one(gen, (8, 8, 3), np.random.default_rng(1)) == \
        gen.draw_transform((8, 8, 3), np.random.default_rng(1))
