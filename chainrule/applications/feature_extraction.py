"""Transfer learning by feature extraction: run the frozen base once, then train only a head.

With `base.trainable = False` inside a Sequential, every epoch still pushes every image
through the whole base, although its output never changes. When no augmentation is needed
it is much faster to compute those outputs once and train a small model on them:

    base = VGG16(weights="imagenet", include_top=False, input_shape=(150, 150, 3))
    train_x, train_y = extract_features(base, train_data)     # one pass over the images
    valid_x, valid_y = extract_features(base, valid_data)
    head = Sequential([Flatten(input_shape=train_x.shape[1:]), Dense(256, activation="relu"),
                       Dense(2, activation="softmax")])
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    head.fit(train_x, train_y, validation_data=(valid_x, valid_y), epochs=10)

For predictions on new images, chain the two: `Sequential([base, head])` gives the same
outputs as `head.predict(extract_features(base, x))`. Random augmentation does not mix with
this (each image's features are computed once); train the frozen base end to end for that.
"""
from __future__ import annotations

import numpy as np

from chainrule.models.data_adapter import DataHandler
from chainrule.utils.progbar import Progbar


def extract_features(base, x, y=None, batch_size: int | None = None, steps: int | None = None,
                     verbose: int | str = 0):
    """Outputs of `base` for all the data, in inference mode, computed batch by batch.

    Args:
        base: a model (or layer) mapping images to features, e.g. a VGG16 without its top.
        x: images as an array, or anything `fit` accepts: a dataset, generator or
            `flow_from_directory` iterator yielding `x` or `(x, y)` batches.
        y: labels, for array `x`; returned next to the features.
        batch_size: for array `x` (default 32).
        steps: number of batches to read, needed for endless generators.
        verbose: 1 or 'auto' shows a progress bar, 0 is silent.

    Returns:
        The features as one array, or `(features, labels)` when labels were given or the
        data yielded `(x, y)` batches; the labels stay in the order of their batches, so a
        shuffling iterator is fine.

    >>> from chainrule.layers import Dense
    >>> feats, labels = extract_features(Dense(2), np.ones((5, 3)), np.arange(5), batch_size=2)
    >>> feats.shape, labels.tolist()
    ((5, 2), [0, 1, 2, 3, 4])
    """
    data = DataHandler(x, y, None, batch_size, False, steps)
    bar = Progbar(data.steps) if verbose in (1, "auto") else None
    features, labels = [], []
    for step, (xb, yb, _) in enumerate(data.epoch()):
        features.append(_predict_batch(base, xb))
        if yb is not None:
            labels.append(yb)
        if bar is not None:
            bar.update(step + 1)
    return _collect(features, labels)


def _predict_batch(base, xb) -> np.ndarray:
    from chainrule.autodiff.graph import no_grad

    with no_grad():
        return base(xb, training=False).numpy()


def _collect(features: list, labels: list):
    if not features:
        raise ValueError("extract_features received no batches: the data is empty. Check the "
                         "dataset, or pass `steps` for a generator.")
    if labels and len(labels) != len(features):
        raise ValueError(f"extract_features: only {len(labels)} of {len(features)} batches "
                         f"had labels. Expected every batch to be `x` or every batch `(x, y)`.")
    out = np.concatenate(features)
    return (out, np.concatenate(labels)) if labels else out
