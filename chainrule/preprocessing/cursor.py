"""Where an image iterator stands: a small immutable state and the three moves that change it.

As in Chainer's iterators, the whole state is a handful of values: the epoch, the position in
the current pass, the pass's order, and what seeds the random numbers (here the number of
batches handed out, from which every batch derives its own Generators; see `base_iterator`).
Every request changes it by one of three moves, each a pure function of the old `Cursor`:

- `item(idx)`: batch `idx` of the current pass, `it[idx]` (Keras' Sequence); draws the order
  if there is none yet.
- `next()`: the next batch of the endless stream, `next(it)`; a pass starts with a new order
  and ends (epoch + 1) after its last, partial batch.
- `new_pass(order)`: `on_epoch_end()`, a new order for the Sequence (epoch + 1).

Both batch moves count the batch in `total_batches_seen`. Because a move makes a new Cursor
instead of changing the old one, "has anything moved since?" is `cursor is before`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

STATE_KEYS = ("epoch", "batch_index", "total_batches_seen", "index_array")


@dataclass(frozen=True)
class Cursor:
    """An iterator's position (Keras' attribute names, plus Chainer's `epoch`).

    Attributes:
        epoch: Passes completed: by the `next()` stream, or ended by `on_epoch_end()`.
        batch_index: The `next()` stream's batch within its pass (0: a new pass begins).
        total_batches_seen: Batches handed out so far; seeds the next batch's randomness.
        index_array: The current pass's order of samples (None until the first batch).
    """

    epoch: int = 0
    batch_index: int = 0
    total_batches_seen: int = 0
    index_array: np.ndarray | None = None

    def item(self, idx: int, batch_size: int,
             new_order: Callable[[], np.ndarray]) -> tuple[Cursor, int]:
        """After batch `idx` of the current pass, and where that batch starts in the order."""
        order = self.index_array if self.index_array is not None else new_order()
        return replace(self, total_batches_seen=self.total_batches_seen + 1,
                       index_array=order), batch_size * idx

    def next(self, n: int, batch_size: int,
             new_order: Callable[[], np.ndarray]) -> tuple[Cursor, int]:
        """After the stream's next batch, and where that batch starts in the order."""
        order = new_order() if self.batch_index == 0 else self.index_array
        start = (self.batch_index * batch_size) % n if n else 0
        more = n > start + batch_size
        return Cursor(epoch=self.epoch + (not more),
                      batch_index=self.batch_index + 1 if more else 0,
                      total_batches_seen=self.total_batches_seen + 1, index_array=order), start

    def new_pass(self, order: np.ndarray) -> Cursor:
        """After `on_epoch_end()`: the next epoch, in `order`."""
        return replace(self, epoch=self.epoch + 1, index_array=order)

    def to_state(self) -> dict:
        """The fields as plain ints and lists (JSON-ready)."""
        order = None if self.index_array is None else self.index_array.tolist()
        return {"epoch": self.epoch, "batch_index": self.batch_index,
                "total_batches_seen": self.total_batches_seen, "index_array": order}

    def with_state(self, state: dict, n: int) -> Cursor:
        """This cursor with the fields given in `state` (from `to_state`) replaced, checked."""
        fields = {k: int(state[k]) for k in STATE_KEYS[:3] if k in state}
        if state.get("index_array") is not None:
            order = np.asarray(state["index_array"], dtype=np.int64)
            if order.shape != (n,):
                raise ValueError(f"`index_array` must order the iterator's {n} samples. "
                                 f"Received {order.size} indices: was the state saved by an "
                                 "iterator over other data?")
            fields["index_array"] = order
        elif "index_array" in state:
            fields["index_array"] = None
        return replace(self, **fields)


class CursorField:
    """A Keras attribute of the iterator (`batch_index`, ...) that reads its cursor's field,
    and replaces the cursor when assigned (so a pending prefetch sees the change)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, iterator, owner=None):
        return self if iterator is None else getattr(iterator._cursor, self.name)

    def __set__(self, iterator, value) -> None:
        iterator._cursor = replace(iterator._cursor, **{self.name: value})
