"""Keras 2's text progress bar, reproduced byte for byte.

`fit` draws one bar per epoch. Users compare our output with tf.keras 2.12 logs, so on a
terminal or in a notebook the byte stream follows Keras exactly, quirks included (KERAS_SPEC
section 4): each redraw starts with one backspace per character of the previous line and a
carriage return; a shorter line is padded with spaces; metric values print with four decimals
above 1e-3 and in e-notation otherwise. Written to a file or a pipe, the bar is not redrawn:
each epoch gets its final line only.

>>> import io
>>> out = io.StringIO()                      # not a terminal: the final line only
>>> bar = Progbar(2, stream=out, clock=lambda: 0.0)
>>> bar.update(1, [("loss", 0.7)])
>>> bar.update(2, [("loss", 0.5)])
>>> out.getvalue()
'2/2 [==============================] - 0s 0s/step - loss: 0.6000\\n'
"""
from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

import numpy as np


def is_dynamic_display(stream: Any) -> bool:
    """Whether the bar is redrawn live (`\\b...\\r`): on a terminal, in Jupyter, in PyCharm.

    Anywhere else (a log file, a pipe, CI) chainrule writes one line per epoch, so logs stay
    readable. Keras 2 also redraws into files on any POSIX system; on a terminal or in a
    notebook the bytes are the same as Keras'.
    """
    isatty = getattr(stream, "isatty", None)
    return bool(
        (isatty is not None and isatty())
        or "ipykernel" in sys.modules
        or "PYCHARM_HOSTED" in os.environ
    )


_line = {"open": False}  # display state: a bar line is on screen, not yet ended by a newline


def print_msg(message: str, stream: TextIO | None = None) -> None:
    """Print a callback's message on a line of its own.

    Keras starts such messages with a newline to end the bar line still being redrawn
    ("... ETA: 0s" then "Epoch 3: val_loss improved ..."). chainrule does the same on a live
    display, and in a log only when a line is still open, so logs get no blank lines.
    """
    stream = stream if stream is not None else sys.stdout
    if message.startswith("\n"):
        live = _line["open"] or is_dynamic_display(stream)
        message = message[1:] if not live else message
    stream.write(message + "\n")
    stream.flush()
    _line["open"] = False


def format_eta(seconds: float) -> str:
    """`h:mm:ss` above an hour, `m:ss` above a minute, else whole seconds (truncated).

    >>> format_eta(3.9), format_eta(61), format_eta(3661)
    ('3s', '1:01', '1:01:01')
    """
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_duration(seconds: float, unit_name: str) -> str:
    """Time per unit with a leading space: `' 1s/step'`, `' 25ms/step'` or `' 310us/step'`.

    Exactly zero prints in seconds, as in Keras.

    >>> format_duration(0.025, "step"), format_duration(0.0, "epoch")
    (' 25ms/step', ' 0s/epoch')
    """
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1000.0:.0f}ms/{unit_name}"
    return f" {seconds * 1000000.0:.0f}us/{unit_name}"


def format_value(value: float, use_abs: bool = True) -> str:
    """Four decimals when the value exceeds 1e-3, else e-notation, so 0 prints `0.0000e+00`.

    The verbose=2 line tests `value > 1e-3` without `abs` (`use_abs=False`), so there a
    negative value prints in e-notation.

    >>> format_value(0.0), format_value(0.3200), format_value(-0.5, use_abs=False)
    ('0.0000e+00', '0.3200', '-5.0000e-01')
    """
    large = abs(value) > 1e-3 if use_abs else value > 1e-3
    return f"{value:.4f}" if large else f"{value:.4e}"


class Progbar:
    """Displays a progress bar, exactly as `tf.keras.utils.Progbar` (Keras 2.12) does.

    Args:
        target: Total number of steps expected, or `None` if unknown (shows `N/Unknown`).
        width: Width of the bar in characters.
        verbose: 0 silent, 1 one redrawn bar, 2 one line when the bar is finalized.
        interval: Minimum seconds between two drawn updates; the final one is always drawn.
        stateful_metrics: Names whose values are shown as given. Others are averaged over the
            steps they were reported for.
        unit_name: Name of one step in the time-per-unit text (`'step'` or `'sample'`).
        stream: Where to write. `None` means `sys.stdout`, looked up at each write so that
            redirections made after construction are honoured.
        clock: Returns the current time in seconds; injectable so tests are deterministic.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 30,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self.stream = stream
        self.clock = clock
        self._dynamic_display = is_dynamic_display(self._stream())
        self._total_width = 0
        self._seen_so_far = 0
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]; order = display order
        self._start = clock()
        self._last_update = -math.inf  # the first update is always drawn
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def update(self, current: int, values: Iterable | None = None, finalize: bool | None = None):
        """Record `values` for step `current` and redraw the bar.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: `(name, value)` pairs for this step.
            finalize: Whether this is the last update. `None` means `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or ())
        now = self.clock()
        elapsed = f" - {now - self._start:.0f}s"
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if not finalize and (not self._dynamic_display or
                                 now - self._last_update < self.interval):
                return  # a log gets the epoch's last line only; a live bar is throttled
            self._write(self._verbose1_line(current, now, elapsed, finalize))
        elif self.verbose == 2 and finalize:
            self._write(self._verbose2_line(current, now, elapsed))
        self._last_update = now

    def add(self, n: int, values: Iterable | None = None):
        """Advance by `n` steps. See `update`."""
        self.update(self._seen_so_far + n, values)

    def _record(self, current, values):
        for name, value in values:
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
                continue
            # At least 1: with an unknown target the last step is reported twice (batch end,
            # then epoch end), and a zero weight would blank the metric.
            weight = max(current - self._seen_so_far, 1)
            if name in self._values:
                self._values[name][0] += value * weight
                self._values[name][1] += weight
            else:
                self._values[name] = [value * weight, weight]
        self._seen_so_far = current

    def _verbose1_line(self, current, now, elapsed, finalize):
        previous_width = self._total_width
        prefix = "\b" * previous_width + "\r" if self._dynamic_display else ""
        bar = self._bar(current)
        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = elapsed + format_duration(time_per_unit, self.unit_name)
        else:
            info = " - ETA: " + format_eta(time_per_unit * (self.target - current))
        info += self._metrics_text(use_abs=True)
        self._total_width = len(bar) + len(info)
        if previous_width > self._total_width:
            info += " " * (previous_width - self._total_width)  # blank the old line's tail
        return prefix + bar + info + ("\n" if finalize else "")

    def _verbose2_line(self, current, now, elapsed):
        line = self._counter(current) + elapsed + self._metrics_text(use_abs=False)
        if self._time_at_epoch_end is None or not self.target:
            return line
        time_per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
        self._time_at_epoch_start = now
        self._time_at_epoch_end = None
        line += " -" + format_duration(time_per_epoch, "epoch")
        line += " -" + format_duration(time_per_epoch / self.target, self.unit_name)
        return line + "\n"

    def _counter(self, current):
        """`' 3/16'`: the step right-aligned to the number of digits of the target."""
        if self.target is None:
            return f"{int(current):7d}/Unknown"
        digits = len(str(int(self.target)))  # int(log10(target)) + 1 without float rounding
        return f"{int(current):{digits}d}/{int(self.target)}"

    def _bar(self, current):
        if self.target is None:
            return self._counter(current)
        filled = int(self.width * float(current) / self.target) if self.target else self.width
        bar = self._counter(current) + " ["
        if filled > 0:
            bar += "=" * (filled - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - filled) + "]"

    def _metrics_text(self, use_abs):
        parts = []
        for name, (total, weight) in self._values.items():
            average = np.mean(total / max(1, weight))
            parts.append(f" - {name}: {format_value(average, use_abs)}")
        return "".join(parts)

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out step 1 (often slow: first-call setup) once possible."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    def _stream(self):
        return self.stream if self.stream is not None else sys.stdout

    def _write(self, message):
        stream = self._stream()
        stream.write(message)
        stream.flush()
        _line["open"] = not message.endswith("\n")
