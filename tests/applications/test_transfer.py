"""Transfer learning: a frozen VGG16 inside a Sequential trains only its head (no gradients,
no optimizer slots for the base), unfreezing block5 takes effect at the next compile, and
`extract_features` gives the head the same inputs the nested model would."""
import numpy as np
import pytest

from chainrule.applications import VGG16, extract_features
from chainrule.layers import Dense, Dropout, Flatten
from chainrule.models import Sequential


def lecture_model(side=32):
    """run_labs.py lab_cats, at a smaller side to keep the test fast."""
    transfer_model = VGG16(weights=None, include_top=False, input_shape=(side, side, 3))
    transfer_model.trainable = False
    model = Sequential([transfer_model, Flatten(), Dropout(0.5), Dense(512, activation="relu"),
                        Dense(128, activation="relu"), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return transfer_model, model


def train_one_step(model, rng, n=4, side=32):
    x = rng.uniform(0, 1, (n, side, side, 3)).astype("float32")
    y = np.arange(n) % 2
    return model.train_on_batch(x, y)


def ids(variables):
    return {id(v) for v in variables}


def test_frozen_base_gets_no_gradient_no_slot_no_update(rng):
    base, model = lecture_model()
    head = [w for layer in model.layers[1:] for w in layer.weights]
    before = base.get_weights()
    head_before = [w.numpy().copy() for w in head]
    train_one_step(model, rng)
    assert set(model.optimizer.slots) == ids(head)                 # 6 head weights, nothing else
    assert all(w.grad is None for w in base.weights)               # conv kernels never got one
    for got, want in zip(base.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    assert all(not np.array_equal(w.numpy(), b) for w, b in zip(head, head_before))
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 26


def test_unfreezing_block5_takes_effect_after_recompile(rng):
    base, model = lecture_model()
    train_one_step(model, rng)
    base.trainable = True
    for layer in base.layers[:15]:                   # input and blocks 1-4 stay frozen
        layer.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    block5 = [w for layer in base.layers[15:] for w in layer.weights]
    frozen = [w for layer in base.layers[:15] for w in layer.weights]
    frozen_before = [w.numpy().copy() for w in frozen]
    block5_before = [w.numpy().copy() for w in block5]
    train_one_step(model, rng)
    head = [w for layer in model.layers[1:] for w in layer.weights]
    assert set(model.optimizer.slots) == ids(block5) | ids(head)
    assert all(w.grad is None for w in frozen)
    assert all(np.array_equal(w.numpy(), b) for w, b in zip(frozen, frozen_before))
    assert all(not np.array_equal(w.numpy(), b) for w, b in zip(block5, block5_before))


def test_checkpoint_round_trip_of_the_lecture_model(rng, tmp_path):
    base, model = lecture_model()
    train_one_step(model, rng)
    path = tmp_path / "my_checkpoint.ckpt"
    model.save_weights(path)
    _, fresh = lecture_model()
    fresh.load_weights(path)
    x = rng.uniform(0, 1, (2, 32, 32, 3))
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_extract_features_then_train_a_head_gives_the_nested_predictions(rng):
    base = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    x = rng.uniform(0, 255, (5, 32, 32, 3)).astype("float32")
    y = np.array([0, 1, 0, 1, 1])
    features, labels = extract_features(base, x, y, batch_size=2)
    assert features.shape == (5, 1, 1, 512)
    np.testing.assert_array_equal(labels, y)
    np.testing.assert_allclose(features, base.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    head = Sequential([Flatten(input_shape=features.shape[1:]), Dense(2, activation="softmax")])
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    head.fit(features, labels, epochs=2, verbose=0)
    np.testing.assert_allclose(Sequential([base, head]).predict(x, verbose=0),
                               head.predict(features, verbose=0), rtol=1e-5, atol=1e-6)


def test_extract_features_reads_batches_from_a_generator(rng):
    base = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    batches = [(rng.uniform(0, 1, (3, 32, 32, 3)), np.array([i, i, i])) for i in range(3)]
    features, labels = extract_features(base, (b for b in batches))
    assert features.shape == (9, 512)
    np.testing.assert_array_equal(labels, np.repeat([0, 1, 2], 3))
    only_x = extract_features(base, iter([b[0] for b in batches]), steps=2)
    np.testing.assert_allclose(only_x, features[:6], rtol=1e-5, atol=1e-6)


def test_extract_features_shows_progress_and_rejects_empty_data(capsys):
    from chainrule.layers import Dense as Head

    extract_features(Head(2), np.ones((4, 3)), batch_size=2, verbose=1)
    assert "2/2" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no batches"):
        extract_features(Head(2), iter([]))
