"""Issue 12's layers survive model.save(.h5) -> load_model: same class, config, predictions."""
import numpy as np
import pytest

from chainrule import layers
from chainrule.models import Model, Sequential, load_model


def scale_by_two(x):
    """A named function for the Lambda layer (its config names it)."""
    return x * 2.0


def sequence_model():
    return Sequential([
        layers.Embedding(20, 4, input_length=9),
        layers.Conv1D(6, 3, padding="causal", activation="gelu"),
        layers.LayerNormalization(),
        layers.MaxPooling1D(2),
        layers.ZeroPadding1D(1),
        layers.AveragePooling1D(2, padding="same"),
        layers.Permute((2, 1)),
        layers.GlobalMaxPooling1D(),
        layers.RepeatVector(2),
        layers.GlobalAveragePooling1D(),
        layers.GaussianNoise(0.1),
        layers.AlphaDropout(0.1),
        layers.Dense(3, activation="softsign"),
    ])


def image_model():
    x = layers.Input((8, 8, 3))
    a = layers.SeparableConv2D(4, 3, padding="same", activation="swish")(x)
    a = layers.PReLU(shared_axes=[1, 2])(a)
    a = layers.SpatialDropout2D(0.2)(a)
    b = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    b = layers.Cropping2D(((3, 5), (2, 6)))(b)
    b = layers.LeakyReLU()(layers.UpSampling2D(interpolation="bilinear")(
        layers.MaxPooling2D()(b)))
    b = layers.ELU()(layers.Lambda(scale_by_two)(b))
    merged = [layers.add([a, b]), layers.subtract([a, b]), layers.multiply([a, b]),
              layers.average([a, b]), layers.maximum([a, b]), layers.minimum([a, b])]
    y = layers.GaussianDropout(0.1)(layers.concatenate(merged))
    flat = layers.GlobalAveragePooling2D()(y)
    out = layers.Dot(axes=1, normalize=True)([flat, layers.Dense(24)(flat)])
    return Model(x, out)


@pytest.mark.parametrize("make, x", [
    (sequence_model, lambda rng: rng.integers(0, 20, (2, 9))),
    (image_model, lambda rng: rng.standard_normal((2, 8, 8, 3)).astype(np.float32))])
def test_model_with_new_layers_round_trips_through_h5(tmp_path, rng, make, x):
    model = make()
    x = x(rng)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "model.h5")
    clone = load_model(tmp_path / "model.h5", compile=False)
    assert [type(la) for la in clone.layers] == [type(la) for la in model.layers]
    assert [la.get_config() for la in clone.layers] == [la.get_config() for la in model.layers]
    np.testing.assert_allclose(clone.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_marshalled_lambda_needs_safe_mode_false_to_load(tmp_path, rng):
    model = Sequential([layers.Lambda(lambda t: t + 1.0, input_shape=(3,))])
    model.save(tmp_path / "lambda.h5")
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(tmp_path / "lambda.h5", compile=False)
    clone = load_model(tmp_path / "lambda.h5", compile=False, safe_mode=False)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(clone.predict(x, verbose=0), x + 1, rtol=1e-6)
