"""The optimizer surface around the update rules: names, arguments, the learning-rate
variable, configs, weight-decay exclusion."""
import json

import numpy as np
import pytest

from chainrule import optimizers
from chainrule.layers import Variable
from chainrule.optimizers import SGD, Adam, legacy


@pytest.mark.parametrize("name, cls", [
    ("sgd", "SGD"), ("Adam", "Adam"), ("adamw", "AdamW"), ("nadam", "Nadam"),
    ("adamax", "Adamax"), ("adadelta", "Adadelta"), ("adagrad", "Adagrad"), ("ftrl", "Ftrl"),
    ("rmsprop", "RMSprop"), ("lion", "Lion")])
def test_string_names(name, cls):
    opt = optimizers.get(name)
    assert type(opt).__name__ == cls and opt.name == cls


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamm'"):
        optimizers.get("adamm")


def test_decay_belongs_to_the_legacy_optimizers():
    with pytest.raises(ValueError, match="decay is deprecated in the new Keras optimizer.*"
                                         "optimizers.legacy.Adam"):
        Adam(decay=0.1)
    with pytest.raises(TypeError, match="momentum is not a valid argument"):
        Adam(momentum=0.9)
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: "
                                        "weight_decay"):
        legacy.Adam(weight_decay=0.1)
    with pytest.raises(ValueError, match="decay cannot be less than 0"):
        legacy.SGD(decay=-1.0)
    with pytest.raises(ValueError, match="Nadam optimizer does not support"):
        legacy.Nadam(optimizers.schedules.ExponentialDecay(0.1, 2, 0.5))


def test_the_learning_rate_is_a_float32_variable():
    opt = Adam(learning_rate=0.01)
    rate = opt.learning_rate
    assert rate.numpy() == np.float32(0.01) and rate.numpy().dtype == np.float32
    opt.learning_rate = 0.5
    assert opt.learning_rate is rate and float(rate) == 0.5     # assigned, not replaced
    rate.assign(0.25)
    assert opt.lr == 0.25 and float(opt.get_config()["learning_rate"]) == 0.25
    opt.lr = 0.125
    assert float(opt.learning_rate) == 0.125


def test_lr_is_the_old_name_of_learning_rate():
    assert float(SGD(lr=0.3).learning_rate) == pytest.approx(0.3)


@pytest.mark.parametrize("module, name", [("optimizers", n) for n in (
    "SGD", "Adam", "AdamW", "Nadam", "Adamax", "Adadelta", "Adagrad", "Ftrl", "RMSprop", "Lion")]
    + [("legacy", n) for n in sorted(legacy.CLASSES)])
def test_config_round_trip_through_json(module, name):
    cls = getattr(legacy if module == "legacy" else optimizers, name)
    opt = cls(learning_rate=0.02, clipvalue=0.5)
    spec = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.deserialize(spec)
    assert type(again) is cls
    assert again.get_config() == opt.get_config()
    assert spec["config"]["is_legacy_optimizer"] is (module == "legacy")


def test_only_one_kind_of_clipping():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm` can be set"):
        SGD(clipnorm=1.0, clipvalue=1.0)


def test_ema_arguments_are_checked():
    with pytest.raises(ValueError, match=r"`ema_momentum` must be in the range \[0, 1\]"):
        SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="`ema_overwrite_frequency` must be an integer"):
        SGD(use_ema=True, ema_overwrite_frequency=0.5)


def test_exclude_from_weight_decay_by_variable_and_by_name():
    kernel = Variable(np.ones(2, np.float32), name="dense/kernel:0")
    bias = Variable(np.ones(2, np.float32), name="dense/bias:0")
    other = Variable(np.ones(2, np.float32), name="other:0")
    opt = SGD(learning_rate=0.5, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = np.zeros(2, np.float32)
    opt.apply_gradients([(zero, kernel), (zero, bias), (zero, other)])
    np.testing.assert_allclose(kernel.numpy(), 1 - 0.2 * 0.5)
    np.testing.assert_array_equal(bias.numpy(), 1.0)
    np.testing.assert_array_equal(other.numpy(), 1.0)
    with pytest.raises(ValueError, match="can only be configued before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_none_gradients_are_skipped_and_frozen_weights_get_no_slots():
    w, frozen = Variable(np.ones(2, np.float32), name="w"), Variable(np.ones(2), name="f")
    opt = Adam()
    opt.apply_gradients([(np.ones(2, np.float32), w), (None, frozen)])
    assert id(w) in opt.slots and id(frozen) not in opt.slots
    assert opt.iterations == 1


def test_tensor_gradients_are_accepted():
    from chainrule import Tensor

    w = Variable(np.ones(2, np.float32), name="w")
    SGD(learning_rate=0.5).apply_gradients([(Tensor(np.ones(2, np.float32)), w)])
    np.testing.assert_array_equal(w.numpy(), 0.5)


def test_experimental_names_are_the_new_classes():
    assert optimizers.experimental.AdamW is optimizers.AdamW
    assert optimizers.experimental.SGD is optimizers.SGD


def test_reduce_lr_on_plateau_drives_the_float32_rate_as_in_keras(capsys):
    from chainrule.callbacks import ReduceLROnPlateau
    from chainrule.layers import Dense
    from chainrule.models import Sequential

    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(Adam(learning_rate=0.001), "mse")
    callback = ReduceLROnPlateau(monitor="loss", patience=0, verbose=1)
    x, y = np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)   # the loss stays 0
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback], shuffle=False)
    assert "reducing learning rate to 0.00010000000474974513." in capsys.readouterr().out
    assert model.optimizer.learning_rate.numpy() == np.float32(float(np.float32(0.001)) * 0.1)


@pytest.mark.parametrize("module", ["chainrule.optimizers", "chainrule.optimizers.legacy",
                                    "chainrule.optimizers.schedules",
                                    "chainrule.optimizers.experimental"])
def test_star_import_gives_exactly_all(module):
    namespace = {}
    exec(f"from {module} import *", namespace)                                # noqa: S102
    assert set(namespace) - {"__builtins__"} == set(__import__(module, fromlist=["x"]).__all__)


def test_learning_rate_compares_with_what_is_not_a_number_by_asking_it():
    import pytest as _pytest

    from chainrule.optimizers import Adam

    lr = Adam(0.01).learning_rate
    assert lr == _pytest.approx(0.01) and not lr == object()
    assert lr < 0.02 and lr >= 0.01
