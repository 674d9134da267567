"""Progbar must write the same bytes as tf.keras 2.12 (KERAS_SPEC section 4)."""
import io
import sys

import pytest

from chainrule.utils.progbar import (
    Progbar,
    format_duration,
    format_eta,
    format_value,
    is_dynamic_display,
    print_msg,
)

BS = "\b"


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def live_display(request, monkeypatch):
    """Most tests pin Keras' live byte stream (a terminal or a notebook)."""
    if "log_stream" not in request.keywords:
        monkeypatch.setattr("chainrule.utils.progbar.is_dynamic_display", lambda stream: True)


def spec_progbar(clock, **kwargs):
    """The lecture's bar: 4 steps, 'loss' and 'acc' already running means (stateful)."""
    return Progbar(4, stateful_metrics=["loss", "acc"], clock=clock, **kwargs)


def test_keras_2_12_byte_stream_of_the_lecture_epoch(capsys):
    clock = ManualClock(0.0)
    bar = spec_progbar(clock)
    for now, step, loss, acc in [(1.0, 1, 1.3833, 0.0), (1.6, 2, 27.7606, 0.1667),
                                 (2.2, 3, 16.1586, 0.2941), (2.8, 4, 11.9165, 0.32)]:
        clock.now = now
        bar.update(step, [("loss", loss), ("acc", acc)], finalize=False)
    clock.now = 5.0
    bar.update(4, [("loss", 11.9165), ("acc", 0.32), ("val_loss", 0.88169),
                   ("val_acc", 2 / 3)], finalize=True)
    assert capsys.readouterr().out == (
        "\r1/4 [======>.......................] - ETA: 3s - loss: 1.3833 - acc: 0.0000e+00"
        + BS * 79
        + "\r2/4 [==============>...............] - ETA: 1s - loss: 27.7606 - acc: 0.1667   "
        + BS * 76 + "\r3/4 [=====================>........] - ETA: 0s - loss: 16.1586 - acc: 0.2941"
        + BS * 76 + "\r4/4 [==============================] - ETA: 0s - loss: 11.9165 - acc: 0.3200"
        + BS * 76 + "\r4/4 [==============================] - 5s 1s/step - loss: 11.9165"
        " - acc: 0.3200 - val_loss: 0.8817 - val_acc: 0.6667\n"
    )


def test_single_step_epoch_matches_the_lecture_log(capsys):
    clock = ManualClock(0.0)
    bar = Progbar(1, stateful_metrics=["loss", "acc"], clock=clock)
    clock.now = 2.9
    bar.update(1, [("loss", 1.1134), ("acc", 0.25)], finalize=False)
    clock.now = 3.2
    bar.update(1, [("val_loss", 1.11849), ("val_acc", 1 / 3)], finalize=True)
    assert capsys.readouterr().out == (
        "\r1/1 [==============================] - ETA: 0s - loss: 1.1134 - acc: 0.2500"
        + BS * 75 + "\r1/1 [==============================] - 3s 3s/step - loss: 1.1134"
        " - acc: 0.2500 - val_loss: 1.1185 - val_acc: 0.3333\n"
    )


def test_counter_is_right_aligned_to_the_digits_of_the_target():
    out = io.StringIO()
    Progbar(16, stream=out, clock=ManualClock()).update(1)
    assert out.getvalue() == "\r 1/16 [>.............................] - ETA: 0s"


def test_unknown_target_shows_count_over_unknown_with_time_per_step():
    out = io.StringIO()
    clock = ManualClock(0.0)
    bar = Progbar(None, stateful_metrics=["loss"], stream=out, clock=clock)
    clock.now = 1.2
    bar.update(1, [("loss", 1.4944)])
    assert out.getvalue() == "\r      1/Unknown - 1s 1s/step - loss: 1.4944"


def test_updates_inside_the_interval_are_skipped_but_finalize_is_drawn():
    out = io.StringIO()
    clock = ManualClock(0.0)
    bar = Progbar(3, stream=out, clock=clock)
    clock.now = 1.0
    bar.update(1)
    clock.now = 1.01
    bar.update(2)
    assert out.getvalue() == "\r1/3 [=========>....................] - ETA: 2s"
    clock.now = 1.02
    bar.update(3)
    assert out.getvalue().endswith(
        BS * 45 + "\r3/3 [==============================] - 1s 10ms/step\n"
    )


def test_non_stateful_values_are_averaged_weighted_by_steps():
    out = io.StringIO()
    clock = ManualClock(0.0)
    bar = Progbar(4, interval=0, stream=out, clock=clock)
    bar.add(1, [("x", 1.0)])
    bar.add(3, [("x", 3.0)])
    assert out.getvalue().endswith(" - x: 2.5000\n")


def test_shorter_line_is_padded_with_spaces_over_the_previous_one():
    out = io.StringIO()
    bar = Progbar(2, interval=0, stateful_metrics=["loss"], stream=out, clock=ManualClock())
    bar.update(1, [("loss", 123.4567)])
    bar.update(2, [("loss", 0.5)], finalize=False)
    first = "\r1/2 [==============>...............] - ETA: 0s - loss: 123.4567"
    assert out.getvalue() == first + BS * 63 + (
        "\r2/2 [==============================] - ETA: 0s - loss: 0.5000  "
    )


@pytest.mark.log_stream
def test_a_log_file_gets_one_line_per_epoch(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    out = io.StringIO()
    bar = Progbar(2, interval=0, stream=out, clock=ManualClock())
    bar.update(1)
    bar.update(2)
    assert out.getvalue() == "2/2 [==============================] - 0s 0s/step\n"


@pytest.mark.log_stream
def test_messages_in_a_log_get_no_blank_line(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    out = io.StringIO()
    print_msg("\nEpoch 1: val_loss improved from inf to 0.50000, saving model to w.h5", out)
    assert out.getvalue() == "Epoch 1: val_loss improved from inf to 0.50000, saving model to w.h5\n"


@pytest.mark.log_stream
def test_dynamic_display_is_on_for_a_tty_stream(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert is_dynamic_display(Tty()) and not is_dynamic_display(io.StringIO())


def test_verbose_2_prints_one_line_per_epoch_with_epoch_and_step_times(capsys):
    clock = ManualClock(0.0)
    bar = Progbar(5, verbose=2, stateful_metrics=["loss", "acc"], clock=clock)
    clock.now = 0.3
    bar.update(3, [("loss", 0.7), ("acc", 0.5)])
    assert capsys.readouterr().out == ""
    clock.now = 0.525
    bar.update(5, [("loss", 0.6427), ("acc", 0.725), ("val_loss", 0.6767), ("val_acc", 0.6)])
    assert capsys.readouterr().out == (
        "5/5 - 1s - loss: 0.6427 - acc: 0.7250 - val_loss: 0.6767 - val_acc: 0.6000"
        " - 525ms/epoch - 105ms/step\n"
    )


def test_verbose_0_prints_nothing(capsys):
    bar = Progbar(2, verbose=0, clock=ManualClock())
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_default_stream_is_sys_stdout_at_write_time(monkeypatch):
    bar = Progbar(1, clock=ManualClock())
    late = io.StringIO()
    monkeypatch.setattr(sys, "stdout", late)
    bar.update(1)
    assert late.getvalue() == "\r1/1 [==============================] - 0s 0s/step\n"


def test_time_per_step_excludes_the_first_step():
    out = io.StringIO()
    clock = ManualClock(0.0)
    bar = Progbar(3, interval=0, stream=out, clock=clock)
    clock.now = 10.0
    bar.update(1)
    clock.now = 10.002
    bar.update(2)
    clock.now = 10.004
    bar.update(3)
    assert out.getvalue().endswith("] - 10s 2ms/step\n")


@pytest.mark.parametrize("value, text", [
    (0.0, "0.0000e+00"), (1e-4, "1.0000e-04"), (1e-3, "1.0000e-03"), (0.0011, "0.0011"),
    (27.76064, "27.7606"), (-0.5, "-0.5000"), (float("nan"), "nan"),
])
def test_metric_values_use_4f_above_1e_3_else_4e(value, text):
    assert format_value(value) == text


def test_verbose_2_value_test_has_no_abs():
    assert format_value(-0.5, use_abs=False) == "-5.0000e-01"
    assert format_value(0.5, use_abs=False) == "0.5000"


@pytest.mark.parametrize("seconds, text", [
    (0.4, "0s"), (3.9, "3s"), (60, "60s"), (61, "1:01"), (3599.5, "59:59"), (3600, "60:00"),
    (3661, "1:01:01"), (7322.9, "2:02:02"),
])
def test_eta_formats(seconds, text):
    assert format_eta(seconds) == text


@pytest.mark.parametrize("seconds, text", [
    (0.0, " 0s/step"), (1.0, " 1s/step"), (1.4, " 1s/step"), (0.857, " 857ms/step"),
    (0.001, " 1ms/step"), (0.00031, " 310us/step"),
])
def test_time_per_unit_formats(seconds, text):
    assert format_duration(seconds, "step") == text
