"""Callback hooks, CallbackList ordering and dispatch, History."""
import pytest

import chainrule.callbacks as callbacks
from chainrule.callbacks import Callback, CallbackList, History, ProgbarLogger

HOOKS_WITH_INDEX = [f"on_{mode}_batch_{when}" for mode in ("train", "test", "predict")
                    for when in ("begin", "end")] + ["on_epoch_begin", "on_epoch_end",
                                                     "on_batch_begin", "on_batch_end"]
HOOKS_WITHOUT_INDEX = [f"on_{mode}_{when}" for mode in ("train", "test", "predict")
                       for when in ("begin", "end")]


class Recorder(Callback):
    """Records every hook call as (name, hook, args) in a shared journal."""

    def __init__(self, name, journal):
        super().__init__()
        for hook in HOOKS_WITH_INDEX + HOOKS_WITHOUT_INDEX:
            if hook not in ("on_batch_begin", "on_batch_end"):  # aliases: test the real hooks
                setattr(self, hook, self._recorder(name, hook, journal))

    @staticmethod
    def _recorder(name, hook, journal):
        return lambda *args: journal.append((name, hook, args))


def test_every_name_in_all_is_importable():
    assert all(hasattr(callbacks, name) for name in callbacks.__all__)


@pytest.mark.parametrize("hook", HOOKS_WITH_INDEX)
def test_base_hooks_with_an_index_do_nothing(hook):
    assert getattr(Callback(), hook)(0, {"loss": 1.0}) is None


@pytest.mark.parametrize("hook", HOOKS_WITHOUT_INDEX)
def test_base_hooks_without_an_index_do_nothing(hook):
    assert getattr(Callback(), hook)({"loss": 1.0}) is None


def test_train_batch_hooks_default_to_the_batch_aliases():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    callback = Old()
    callback.on_train_batch_begin(3)
    callback.on_train_batch_end(3, {"loss": 0.5})
    assert seen == [("begin", 3), ("end", 3, {"loss": 0.5})]


def test_set_model_and_set_params_store_attributes(model):
    callback = Callback()
    assert callback.model is None and callback.params == {}
    callback.set_model(model)
    callback.set_params({"verbose": 1, "epochs": 3, "steps": 4})
    assert callback.model is model and callback.params["steps"] == 4


def test_callback_list_appends_history_then_progbar_last(model):
    user = Callback()
    cbs = CallbackList([user], add_history=True, add_progbar=True, model=model,
                       verbose=1, epochs=3, steps=4)
    assert cbs.callbacks[0] is user
    assert isinstance(cbs.callbacks[1], History)
    assert isinstance(cbs.callbacks[2], ProgbarLogger) and cbs.callbacks[2].use_steps
    assert model.history is cbs.callbacks[1]
    assert all(c.model is model for c in cbs)
    assert all(c.params == {"verbose": 1, "epochs": 3, "steps": 4} for c in cbs)


def test_callback_list_does_not_duplicate_a_user_history_or_progbar():
    history, progbar = History(), ProgbarLogger(count_mode="steps")
    cbs = CallbackList([progbar, history], add_history=True, add_progbar=True)
    assert cbs.callbacks == [progbar, history]


def test_callback_list_without_defaults_holds_only_the_user_callbacks():
    user = Callback()
    assert CallbackList(user).callbacks == [user]
    assert CallbackList().callbacks == []


def test_callback_list_rejects_non_callbacks_with_a_hint():
    with pytest.raises(TypeError, match="LambdaCallback"):
        CallbackList([lambda epoch, logs: None])
    with pytest.raises(TypeError, match="callbacks=3"):
        CallbackList(3)


def test_callback_list_calls_every_hook_on_every_callback_in_order():
    journal = []
    cbs = CallbackList([Recorder("a", journal), Recorder("b", journal)])
    cbs.on_epoch_end(2, {"loss": 1.0})
    cbs.on_train_begin()
    assert journal == [("a", "on_epoch_end", (2, {"loss": 1.0})),
                       ("b", "on_epoch_end", (2, {"loss": 1.0})),
                       ("a", "on_train_begin", ({},)), ("b", "on_train_begin", ({},))]


@pytest.mark.parametrize("hook", [h for h in HOOKS_WITH_INDEX if "_batch_" in h and "on_b" not in h]
                         + ["on_epoch_begin", "on_epoch_end"])
def test_callback_list_forwards_indexed_hooks(hook):
    journal = []
    getattr(CallbackList([Recorder("a", journal)]), hook)(5, {"x": 1})
    assert journal == [("a", hook, (5, {"x": 1}))]


@pytest.mark.parametrize("hook", HOOKS_WITHOUT_INDEX)
def test_callback_list_forwards_begin_end_hooks(hook):
    journal = []
    getattr(CallbackList([Recorder("a", journal)]), hook)({"x": 1})
    assert journal == [("a", hook, ({"x": 1},))]


def test_callback_list_batch_aliases_route_to_train_batch_hooks():
    journal = []
    cbs = CallbackList([Recorder("a", journal)])
    cbs.on_batch_begin(0)
    cbs.on_batch_end(0, {"loss": 2.0})
    assert journal == [("a", "on_train_batch_begin", (0, {})),
                       ("a", "on_train_batch_end", (0, {"loss": 2.0}))]


def test_callbacks_share_one_copy_of_the_logs_per_hook():
    class AddsLr(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["lr"] = 0.1

    history = History()
    caller_logs = {"loss": 1.0}
    CallbackList([AddsLr(), history]).on_epoch_end(0, caller_logs)
    assert history.history == {"loss": [1.0], "lr": [0.1]}
    assert caller_logs == {"loss": 1.0}


def test_callback_list_append_checks_the_type():
    cbs = CallbackList()
    cbs.append(History())
    with pytest.raises(TypeError):
        cbs.append("not a callback")
    assert len(cbs.callbacks) == 1


def test_history_records_logs_epochs_params_and_model(model):
    cbs = CallbackList(add_history=True, model=model, verbose=1, epochs=2, steps=4)
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": 0.9, "acc": 0.5, "val_loss": 1.0, "val_acc": 0.4})
    cbs.on_epoch_end(1, {"loss": 0.7, "acc": 0.6, "val_loss": 0.8, "val_acc": 0.5})
    history = model.history
    assert history.history == {"loss": [0.9, 0.7], "acc": [0.5, 0.6],
                               "val_loss": [1.0, 0.8], "val_acc": [0.4, 0.5]}
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 1, "epochs": 2, "steps": 4}
    assert history.model is model
