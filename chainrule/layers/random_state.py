"""The public random state of layers that draw numbers (Dropout, the augmentation layers).

A layer keeps one `np.random.Generator` in `self._rng` (None until its first training call
makes it). `get_state()` is that Generator's bit-generator state, JSON-ready, and
`set_state()` continues from it, so a resumed run draws the very masks and transforms the
uninterrupted one would have (the CLI's `--resume` saves it in the run directory).
"""
from __future__ import annotations

import numpy as np


class GeneratorState:
    """Mixin: `get_state`/`set_state` for a layer whose Generator is `self._rng`."""

    _rng: np.random.Generator | None = None

    def get_state(self) -> dict:
        """`{"rng": the Generator's bit-generator state}` (None before the first draw)."""
        return {"rng": None if self._rng is None else self._rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        """Continue from a `get_state()` result (None: as a new layer, seeded on first use)."""
        if "rng" not in state:
            raise ValueError(f"{type(self).__name__}.set_state expects the dict get_state() "
                             f"returns, with key 'rng'. Received keys: {sorted(state)}")
        if state["rng"] is None:
            self._rng = None
            return
        bit_generator = getattr(np.random, state["rng"]["bit_generator"])()
        bit_generator.state = state["rng"]
        self._rng = np.random.Generator(bit_generator)
