"""`Iterator`: the batching, shuffling, seeding and threading shared by every image iterator.

It keeps Keras' `Sequence` contract (`len`, `it[i]`, `on_epoch_end`) and its endless
`next(it)` stream, and changes two things underneath:

Seeding. Keras re-seeds the *global* `np.random` with `seed + total_batches_seen` before every
batch and draws the shuffle order and the augmentation from it. Here batch number `t` gets its
own Generators derived from `SeedSequence([seed, t])`, with separate streams for the shuffle
order, the augmentation parameters and the `save_to_dir` file names. A seed therefore repeats
a run exactly, with or without worker threads, without touching anybody else's random numbers;
the numbers themselves differ from Keras' for the same seed. Without a seed, the base comes
from `chainrule.set_random_seed` (see `config.make_rng`).

State. The iterator's whole state is a `cursor.Cursor` (epoch, position, order, batches seen)
that every request moves by one pure step; `get_state()` and `set_state()` save and restore it
(with the seed), so a resumed run continues with the same batches. Keras' `batch_index`,
`total_batches_seen` and `index_array` read and write its fields.

Threads. Each batch is planned in the calling thread (indices, then every image's parameters,
drawn in index order), and only then are the images decoded, augmented and standardized, a
chunk of images per task, by the iterator's `WorkerPool` (`chainrule.data.workers`, the engine
`Dataset.map` uses too; Pillow and the warp release the GIL), straight into the batch array
(see `batch_jobs`). After a batch is handed out, the next one (`it[i + 1]`, or the next
`next(it)`) is planned and started in the background. A different request (or a moved state)
throws that prefetch away; since a prefetch does not advance the visible state until it is
used, prefetching never changes what you get. `workers=0` runs everything in the calling thread.

Unreadable files. An empty, truncated or non-image file is skipped: its batch is smaller by
one image, `len()` and every other sample are unchanged, and the iterator warns once (the first
time it meets one), listing the files; `skipped_filepaths` lists all found so far.
"""
from __future__ import annotations

import functools
import operator
import os
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from chainrule import config
from chainrule.data.workers import WorkerPool
from chainrule.preprocessing import batch_jobs
from chainrule.preprocessing.batch_jobs import Job, Skipped
from chainrule.preprocessing.cursor import STATE_KEYS, Cursor, CursorField
from chainrule.preprocessing.image_io import array_to_img

THREAD_NAME_PREFIX = "chainrule-image-worker"


def default_workers() -> int:
    """Worker threads per iterator: a few, since decoding saturates long before many cores."""
    return min(4, os.cpu_count() or 1)


@dataclass
class _Prefetch:
    """A batch started ahead of time: valid only while the iterator is still at `before`."""
    key: tuple
    before: Cursor
    after: Cursor
    job: Job = field(repr=False)


def _check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) \
            or batch_size <= 0:
        raise ValueError("`batch_size` must be a positive int. "
                         f"Received: batch_size={batch_size!r}")
    return int(batch_size)


def check_subset(subset: str | None, image_data_generator) -> float | None:
    """The generator's validation_split when a subset is asked for (None for all samples)."""
    if subset is None:
        return None
    if subset not in ("training", "validation"):
        raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                         f'"validation" (or None for all samples). Received: subset={subset!r}')
    split = getattr(image_data_generator, "validation_split", 0.0) or 0.0
    if not 0.0 < split < 1.0:
        raise ValueError(f"subset={subset!r} needs a generator made with 0 < validation_split < 1, "
                         f"e.g. ImageDataGenerator(validation_split=0.2). Received: "
                         f"validation_split={split!r}")
    return float(split)


def check_channels_last(data_format: str | None) -> str:
    """The iterators produce channels-last batches only, like the rest of chainrule."""
    if data_format not in (None, "channels_last"):
        raise ValueError("chainrule's image iterators are channels-last only (batches of shape "
                         "(n, height, width, channels)). Received: "
                         f"data_format={data_format!r}. Hint: leave data_format=None.")
    return "channels_last"


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise ValueError(f"`seed` must be None or a non-negative int. Received: seed={seed!r}")
    return None if seed is None else int(seed)


class Iterator:
    """Base class of the image iterators: a Keras `Sequence` that is also an endless iterator.

    Subclasses set `image_data_generator` and `dtype`, and implement `_load_sample(j, params)`
    (one transformed sample as an array, or `Skipped`), `_assemble(indices, batch_x)` (the
    batch tuple around the standardized samples) and `_sample_shape()` (the shape of one sample,
    handed to `draw_transform`).

    Args:
        n: Number of samples.
        batch_size: Samples per batch; the last batch of a pass is partial.
        shuffle: Reshuffle the order at the start of every pass.
        seed: Non-negative int making shuffling and augmentation repeatable (see module doc).

    Attributes:
        workers: Decoding threads (default `min(4, os.cpu_count())`); 0 = no threads, no
            prefetch. May be changed between batches.
        skipped_filepaths: Unreadable files met so far, in the order they were met.
        epoch, batch_index, total_batches_seen, index_array: The fields of the iterator's
            `Cursor` (see `cursor`); assigning one moves the iterator there.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
    data_format = "channels_last"
    save_to_dir = None
    save_prefix = ""
    save_format = "png"
    save_hash_range = 10**7
    epoch = CursorField()
    batch_index = CursorField()
    total_batches_seen = CursorField()
    index_array = CursorField()

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None):
        self.n = n
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle = shuffle
        self.seed = _check_seed(seed)
        self._cursor = Cursor()
        self.lock = threading.RLock()
        self.workers = default_workers()
        self._unreadable: dict[str, str] = {}
        self._entropy = self.seed if self.seed is not None else int(
            config.make_rng().integers(2**63))
        self._pending: _Prefetch | None = None
        self._last_key: tuple | None = None
        self._pool: WorkerPool | None = None

    @property
    def skipped_filepaths(self) -> list[str]:
        """Unreadable files met so far (skipped from their batches), in the order met."""
        return list(self._unreadable)

    def _augment(self, x: np.ndarray, params) -> np.ndarray:
        """The random transform; `_load_chunk` then standardizes (rescale etc.), as Keras."""
        generator = self.image_data_generator
        return x if generator is None else generator.apply_transform(x, params)

    def _load_chunk(self, job: Job, lo: int, hi: int) -> list[tuple[int, Skipped]]:
        """Samples lo..hi-1 of `job`, into its batch array (a worker task; see `batch_jobs`)."""
        return batch_jobs.fill(job, self._load_sample, self.image_data_generator, lo, hi)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx: int):
        idx = operator.index(idx)
        if not 0 <= idx < len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        return self._serve(("item", idx))

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch of the endless stream; a new pass starts (reshuffled) after the last."""
        return self._serve(("next",))

    def on_epoch_end(self) -> None:
        """Start the next epoch: a fresh permutation if `shuffle`, else 0..n-1."""
        with self.lock:
            self._drop_prefetch()
            self._cursor = self._cursor.new_pass(self._new_order(self._rngs()[0]))
            if self._last_key is not None and self._last_key[0] == "item" and len(self):
                self._prefetch(("item", 0))

    def reset(self) -> None:
        """Start the `next()` stream over at the beginning of a (reshuffled) pass."""
        with self.lock:
            self._drop_prefetch()
            self.batch_index = 0

    def get_state(self) -> dict:
        """Everything that decides the batches to come, as JSON-ready values.

        An iterator over the same data given this by `set_state` continues exactly here: the
        same batches, shuffles and augmentations (what `chainrule train --resume` relies on).

        Returns:
            {"epoch", "batch_index", "total_batches_seen", "index_array" (a list, or None
            before the first batch), "entropy" (the seed of every batch's Generators)}.
        """
        with self.lock:
            return {**self._cursor.to_state(), "entropy": self._entropy}

    def set_state(self, state: dict) -> None:
        """Move to a state from `get_state`; keys left out keep their values."""
        unknown = set(state) - {*STATE_KEYS, "entropy"}
        if unknown:
            raise ValueError(f"Unknown iterator state keys {sorted(unknown)}; expected some of "
                             f"{[*STATE_KEYS, 'entropy']}, as get_state() returns them.")
        with self.lock:
            self._drop_prefetch()
            self._cursor = self._cursor.with_state(state, self.n)
            self._entropy = int(state.get("entropy", self._entropy))

    def close(self) -> None:
        """Stop the worker threads now (they also stop when the iterator is garbage-collected)."""
        with self.lock:
            self._drop_prefetch()
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _rngs(self) -> list[np.random.Generator]:
        """Shuffle, augmentation and file-name Generators of batch number total_batches_seen."""
        seeds = np.random.SeedSequence([self._entropy, self.total_batches_seen]).spawn(3)
        return [np.random.default_rng(s) for s in seeds]

    def _new_order(self, rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def _serve(self, key: tuple):
        with self.lock:
            job = self._take_prefetch(key)
            if job is None:
                job = self._start(self._plan(key))
            self._last_key = key
            if key[0] == "next" or key[1] + 1 < len(self):
                self._prefetch(("next",) if key[0] == "next" else ("item", key[1] + 1))
        return self._finish(job)

    def _plan(self, key: tuple) -> Job:
        """Move the cursor as Keras moves its counters, and draw the batch's randomness."""
        shuffle_rng, augment_rng, save_rng = self._rngs()
        new_order = functools.partial(self._new_order, shuffle_rng)  # drawn only when needed
        if key[0] == "item":
            self._cursor, start = self._cursor.item(key[1], self.batch_size, new_order)
        else:
            self._cursor, start = self._cursor.next(self.n, self.batch_size, new_order)
        indices = self.index_array[start:start + self.batch_size]
        batch_x = np.zeros((len(indices), *self._sample_shape()), dtype=self.dtype)
        return Job(indices, self._draw_params(len(indices), augment_rng), save_rng, batch_x)

    def _draw_params(self, n: int, rng: np.random.Generator) -> list:
        """Every sample's parameters, in index order (a duck-typed generator, one at a time)."""
        generator = self.image_data_generator
        if generator is None:
            return [None] * n
        shape = self._sample_shape()
        if hasattr(generator, "draw_transforms"):
            return generator.draw_transforms(shape, rng, n)
        return [generator.draw_transform(shape, rng) for _ in range(n)]

    def _start(self, job: Job) -> Job:
        if self.workers > 0:
            pool = self._worker_pool()
            job.futures = [pool.submit(self._load_chunk, job, lo, hi)
                           for lo, hi in batch_jobs.chunks(len(job.indices), self.workers)]
        return job

    def _finish(self, job: Job):
        if job.futures is None:
            skipped = self._load_chunk(job, 0, len(job.indices))
        else:
            skipped = [s for future in job.futures for s in future.result()]
        self._note_skipped([s for _, s in skipped])
        indices, batch_x = batch_jobs.without_skipped(job, skipped)
        batch = self._assemble(indices, batch_x)
        self._save_batch(batch[0] if isinstance(batch, tuple) else batch, indices, job.save_rng)
        return batch

    def _prefetch(self, key: tuple) -> None:
        """Plan and start batch `key` now, but leave the cursor where it is until the batch is
        asked for (so `total_batches_seen` counts batches handed out, never one ahead)."""
        if self.workers > 0:
            before = self._cursor
            job = self._start(self._plan(key))
            self._pending = _Prefetch(key, before, self._cursor, job)
            self._cursor = before

    def _take_prefetch(self, key: tuple) -> Job | None:
        """The prefetched job if it is the batch asked for and the cursor has not moved since
        (`reset`, `on_epoch_end`, `set_state` or an assignment, e.g. when resuming a run)."""
        pending = self._pending
        if pending is not None and pending.key == key and pending.before is self._cursor:
            self._pending = None
            self._cursor = pending.after
            return pending.job
        self._drop_prefetch()
        return None

    def _drop_prefetch(self) -> None:
        if self._pending is not None:
            self._pending.job.cancel()
            self._pending = None

    def _worker_pool(self) -> WorkerPool:
        """The iterator's threads, remade when `workers` changed since they were started (the
        old ones finish the work they were given: a batch taken from a prefetch may be theirs)."""
        if self._pool is not None and self._pool.workers != self.workers:
            self._pool.close(wait=False, cancel_futures=False)
            self._pool = None
        if self._pool is None:
            self._pool = WorkerPool(self.workers, THREAD_NAME_PREFIX)
        return self._pool

    def _note_skipped(self, skipped: list[Skipped]) -> None:
        """Remember unreadable files and warn the first time, never once per image."""
        if not skipped:
            return
        first_time = not self._unreadable
        for s in skipped:
            self._unreadable.setdefault(s.path, s.error)
        if first_time:
            paths = self.skipped_filepaths
            names = ", ".join(repr(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
            warnings.warn(
                f"{type(self).__name__} skipped {len(paths)} unreadable image "
                f"file(s) so far: {names} ({skipped[0].error}). Their batches are that many "
                "images smaller; len() and all other samples are unchanged. This warning is "
                "shown once per iterator; `.skipped_filepaths` lists every skipped file. "
                "Delete or re-save the files.",
                UserWarning, stacklevel=5)

    def _save_batch(self, batch_x: np.ndarray, indices: np.ndarray, rng) -> None:
        """Write each augmented image as `{prefix}_{index}_{random}.{format}` (Keras' names)."""
        if not self.save_to_dir:
            return
        hashes = rng.integers(self.save_hash_range, size=len(indices))
        for x, j, h in zip(batch_x, indices, hashes):
            img = array_to_img(x, self.data_format, scale=True)
            name = f"{self.save_prefix}_{j}_{h}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, name))

    def _sample_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def _load_sample(self, j: int, params):
        raise NotImplementedError

    def _assemble(self, indices: np.ndarray, batch_x: np.ndarray):
        raise NotImplementedError
