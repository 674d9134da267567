"""A schedule and every optimizer's state survive `save` / `load_model`: training resumes
exactly (bit-identical weights) where it stopped."""
import numpy as np
import pytest

from chainrule import config
from chainrule.layers import Dense
from chainrule.models import Sequential, load_model
from chainrule.optimizers import (SGD, Adadelta, Adam, Adamax, Ftrl, Lion, Nadam, legacy,
                                  schedules)
from chainrule.optimizers.schedules import LearningRateSchedule


class StepDown(LearningRateSchedule):
    def __init__(self, rate, every):
        self.rate, self.every = rate, every

    def __call__(self, step):
        return np.float32(self.rate) * np.float32(0.5) ** (step // self.every)

    def get_config(self):
        return {"rate": self.rate, "every": self.every}


OPTIMIZERS = {
    "adam_exponential": lambda: Adam(schedules.ExponentialDecay(0.01, 4, 0.5)),
    "sgd_cosine_restarts": lambda: SGD(schedules.CosineDecayRestarts(0.05, 3), momentum=0.9),
    "sgd_piecewise": lambda: SGD(schedules.PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.01])),
    "nadam": lambda: Nadam(0.01),
    "adamax": lambda: Adamax(0.01, clipnorm=1.0),
    "adadelta": lambda: Adadelta(1.0, global_clipnorm=2.0),
    "ftrl": lambda: Ftrl(0.05, l1_regularization_strength=0.001),
    "lion": lambda: Lion(0.001, weight_decay=0.01),
    "legacy_adam_decay": lambda: legacy.Adam(0.01, decay=0.1),
    "legacy_nadam": lambda: legacy.Nadam(0.01),
    "custom_schedule": lambda: Adam(StepDown(0.01, 3)),
}


def model_with(optimizer):
    config.set_random_seed(1)
    model = Sequential([Dense(6, activation="tanh", input_shape=(4,)), Dense(2)])
    model.compile(optimizer, "mse")
    return model


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_load_model_resumes_exactly(tmp_path, name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 4)).astype(np.float32)
    y = rng.standard_normal((24, 2)).astype(np.float32)
    straight = model_with(OPTIMIZERS[name]())
    straight.fit(x, y, batch_size=6, epochs=4, shuffle=False, verbose=0)

    first = model_with(OPTIMIZERS[name]())
    first.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5", custom_objects={"StepDown": StepDown})
    assert type(loaded.optimizer) is type(first.optimizer)
    assert loaded.optimizer.get_config() == first.optimizer.get_config()
    assert float(loaded.optimizer.learning_rate) == float(first.optimizer.learning_rate)
    loaded.fit(x, y, batch_size=6, epochs=4, initial_epoch=2, shuffle=False, verbose=0)
    for got, want in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert loaded.optimizer.iterations == straight.optimizer.iterations == 16


def test_a_custom_schedule_without_custom_objects_names_the_fix(tmp_path):
    model = model_with(Adam(StepDown(0.01, 3)))
    model.fit(np.ones((2, 4), np.float32), np.ones((2, 2), np.float32), verbose=0)
    model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'StepDown'"):
        load_model(tmp_path / "model.h5")


def test_the_moving_averages_are_saved_and_fit_ends_on_them(tmp_path):
    x, y = np.ones((6, 4), np.float32), np.zeros((6, 2), np.float32)
    model = model_with(SGD(0.1, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, batch_size=3, epochs=2, verbose=0)
    averages = model.optimizer.get_slot_arrays(model.trainable_weights)
    assert model.optimizer.slot_names == ("average",)
    for weight, average in zip(model.get_weights(), averages):     # fit ended on the averages
        np.testing.assert_array_equal(weight, average)
    model.save(tmp_path / "model.h5")
    loaded = load_model(tmp_path / "model.h5")
    for got, want in zip(loaded.optimizer.get_slot_arrays(loaded.trainable_weights), averages):
        np.testing.assert_array_equal(got, want)
