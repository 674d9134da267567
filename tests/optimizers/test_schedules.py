"""Learning-rate schedules: Keras' values at many steps, configs, custom subclasses."""
import json
from pathlib import Path

import numpy as np
import pytest

from chainrule.optimizers import SGD, Adam, schedules
from chainrule.optimizers.schedules import LearningRateSchedule
from chainrule.saving import custom_object_scope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REFS = {}
for name in ("keras_optimizer_reference.npz", "keras3_optimizer_reference.npz"):
    with np.load(FIXTURES / name) as f:
        REFS.update({k: f[k] for k in f.files if k.startswith("schedule/")})
CASES = sorted({k.split("/")[1] for k in REFS})


@pytest.mark.parametrize("case", CASES)
def test_values_match_keras(case):
    spec = json.loads(str(REFS[f"schedule/{case}/spec"]))
    schedule = getattr(schedules, spec["class"])(**spec["config"])
    got = [float(schedule(int(step))) for step in REFS[f"schedule/{case}/steps"]]
    np.testing.assert_allclose(got, REFS[f"schedule/{case}/values"], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_config_round_trip(case):
    spec = json.loads(str(REFS[f"schedule/{case}/spec"]))
    schedule = getattr(schedules, spec["class"])(**spec["config"])
    again = schedules.deserialize(json.loads(json.dumps(schedules.serialize(schedule))))
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()
    assert float(again(17)) == float(schedule(17))


def test_piecewise_needs_one_more_value_than_boundaries():
    with pytest.raises(ValueError, match="length of boundaries should be 1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])


class HalveEvery(LearningRateSchedule):
    def __init__(self, rate, every):
        self.rate, self.every = rate, every

    def __call__(self, step):
        return self.rate * 0.5 ** (step // self.every)

    def get_config(self):
        return {"rate": self.rate, "every": self.every}


def test_a_custom_schedule_drives_the_optimizer_and_needs_custom_objects():
    opt = SGD(learning_rate=HalveEvery(0.8, 2))
    rates = []
    for _ in range(5):
        opt.apply_gradients([])                 # no gradients: the rate is still evaluated
        rates.append(opt.learning_rate.numpy())
    assert rates == [np.float32(0.8)] * 5   # no step was taken, iterations stays 0
    config = opt.get_config()
    assert config["learning_rate"] == {"class_name": "HalveEvery",
                                       "config": {"rate": 0.8, "every": 2}}
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'HalveEvery'"):
        SGD.from_config(config)
    with custom_object_scope({"HalveEvery": HalveEvery}):
        assert isinstance(SGD.from_config(config)._learning_rate, HalveEvery)


def test_a_schedule_is_evaluated_at_the_step_count_before_each_step():
    from chainrule.layers import Variable

    opt = SGD(learning_rate=HalveEvery(0.8, 2))
    w = Variable(np.zeros(1, np.float32), name="w")
    seen = []
    for _ in range(5):
        opt.apply_gradients([(np.ones(1, np.float32), w)])
        seen.append(opt.learning_rate.numpy())
    assert seen == [np.float32(r) for r in (0.8, 0.8, 0.4, 0.4, 0.2)]
    assert w.numpy()[0] == pytest.approx(-(0.8 + 0.8 + 0.4 + 0.4 + 0.2), rel=1e-6)


def test_the_rate_of_a_scheduled_optimizer_cannot_be_set():
    opt = Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        opt.learning_rate = 0.01
