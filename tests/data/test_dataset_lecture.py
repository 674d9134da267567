"""The lecture's cats_vs_dogs pipeline, end to end: generator of dicts -> take/skip ->
map(preprocess) -> batch(32) -> model.fit(train, validation_data=valid)."""
import numpy as np

import chainrule
from chainrule import image
from chainrule.data import UNKNOWN_CARDINALITY, Dataset
from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
from chainrule.models import Sequential

SIDE = 32


def standin_cats_vs_dogs(n, rng):
    """TFDS cats_vs_dogs' element structure: {'image': uint8 HxWx3 (sizes vary), 'label'}."""
    images, labels = [], []
    for i in range(n):
        label = i % 2
        h, w = int(rng.integers(40, 90)), int(rng.integers(40, 90))
        img = rng.integers(0, 100, (h, w, 3)).astype(np.uint8)
        if label:
            img[h // 4: 3 * h // 4, w // 4: 3 * w // 4] += 150      # dogs: a bright square
        images.append(img)
        labels.append(label)
    return Dataset.from_generator(
        lambda: ({"image": im, "label": np.int64(lb)} for im, lb in zip(images, labels)))


def preprocess(data):
    x = data["image"]
    y = data["label"]
    x = x / 255
    x = image.resize(x, size=(SIDE, SIDE))
    return x, y


def lecture_pipeline(rng, n=40):
    data = standin_cats_vs_dogs(n, rng)
    train_dataset = data.take(int(round(0.8 * n)))
    valid_dataset = data.skip(int(round(0.8 * n)))
    return (train_dataset.map(preprocess).batch(32), valid_dataset.map(preprocess).batch(32))


def test_pipeline_yields_float32_image_batches_and_int64_labels(rng):
    train_data, valid_data = lecture_pipeline(rng)
    batches = list(train_data)
    assert [x.shape for x, _ in batches] == [(32, SIDE, SIDE, 3)]
    x, y = batches[0]
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert y.tolist() == [i % 2 for i in range(32)]
    (xv, yv), = list(valid_data)                    # the last, partial batch is kept
    assert xv.shape == (8, SIDE, SIDE, 3) and yv.tolist() == [0, 1] * 4
    assert train_data.cardinality() == UNKNOWN_CARDINALITY      # a generator: as in TF


def test_pipeline_is_reiterable_with_the_same_elements(rng):
    train_data, _ = lecture_pipeline(rng)
    first, second = list(train_data), list(train_data)
    np.testing.assert_array_equal(first[0][0], second[0][0])


def test_fit_trains_a_small_cnn_on_the_pipeline(rng):
    train_data, valid_data = lecture_pipeline(rng)
    model = Sequential([
        Conv2D(4, (3, 3), activation="relu", input_shape=(SIDE, SIDE, 3)),
        MaxPooling2D(2, 2),
        Flatten(),
        Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(train_data, validation_data=(valid_data), epochs=2, verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["val_loss"]))


def test_fit_accepts_a_sized_dataset_and_counts_its_steps(rng):
    x = rng.random((20, 6), dtype=np.float32)
    y = (x.sum(1) > 3).astype(np.int64)
    data = Dataset.from_tensor_slices((x, y)).shuffle(20, seed=0).batch(8).prefetch(2)
    assert len(data) == 3
    model = Sequential([Dense(2, activation="softmax", input_shape=(6,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.evaluate(data, verbose=0) > 0
    assert model.predict(Dataset.from_tensor_slices(x).batch(8), verbose=0).shape == (20, 2)


def test_chainrule_tensors_returned_by_map_become_numpy(rng):
    data = Dataset.from_tensor_slices(rng.random((3, 2))).map(lambda v: chainrule.Tensor(v) * 2)
    assert all(isinstance(v, np.ndarray) for v in data)
