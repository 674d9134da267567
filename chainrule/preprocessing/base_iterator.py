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

Threads. Each batch is planned in the calling thread (indices, then every image's parameters,
drawn in index order), and only then are the images decoded, augmented and standardized, a
chunk of images per task, by a small pool of worker threads (Pillow and the warp release the
GIL), straight into the batch array (see `batch_jobs`). After a batch is handed out, the next
one (`it[i + 1]`, or the next `next(it)`) is planned and started in the background. A different
request (or a changed state) throws that prefetch away; since a prefetch does not advance the
visible state until it is used, prefetching never changes what you get. `workers=0` runs
everything in the calling thread.

Unreadable files. An empty, truncated or non-image file is skipped: its batch is smaller by
one image, `len()` and every other sample are unchanged, and the iterator warns once (the first
time it meets one), listing the files; `skipped_filepaths` lists all found so far.
"""
from __future__ import annotations

import operator
import os
import threading
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from chainrule import config
from chainrule.preprocessing import batch_jobs
from chainrule.preprocessing.batch_jobs import Job, Skipped
from chainrule.preprocessing.image_io import array_to_img

THREAD_NAME_PREFIX = "chainrule-image-worker"


def default_workers() -> int:
    """Worker threads per iterator: a few, since decoding saturates long before many cores."""
    return min(4, os.cpu_count() or 1)


@dataclass
class _Prefetch:
    """A batch started ahead of time: valid only while the iterator is still in `before`."""
    key: tuple
    before: tuple
    after: tuple
    job: Job = field(repr=False)

    def planned_from(self, state: tuple) -> bool:
        return self.before[:2] == state[:2] and self.before[2] is state[2]


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
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
    data_format = "channels_last"
    save_to_dir = None
    save_prefix = ""
    save_format = "png"
    save_hash_range = 10**7

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None):
        self.n = n
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle = shuffle
        self.seed = _check_seed(seed)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.lock = threading.RLock()
        self.workers = default_workers()
        self._unreadable: dict[str, str] = {}
        self._entropy = self.seed if self.seed is not None else int(
            config.make_rng().integers(2**63))
        self._pending: _Prefetch | None = None
        self._last_key: tuple | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0
        self._finalizer = None

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
        """Rebuild the index array: a fresh permutation if `shuffle`, else 0..n-1."""
        with self.lock:
            self._drop_prefetch()
            self._set_index_array(self._rngs()[0])
            if self._last_key is not None and self._last_key[0] == "item" and len(self):
                self._prefetch(("item", 0))

    def reset(self) -> None:
        """Start the `next()` stream over at the beginning of a (reshuffled) pass."""
        with self.lock:
            self._drop_prefetch()
            self.batch_index = 0

    def close(self) -> None:
        """Stop the worker threads now (they also stop when the iterator is garbage-collected)."""
        with self.lock:
            self._drop_prefetch()
            if self._pool is not None:
                self._finalizer.detach()
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _rngs(self) -> list[np.random.Generator]:
        """Shuffle, augmentation and file-name Generators of batch number total_batches_seen."""
        seeds = np.random.SeedSequence([self._entropy, self.total_batches_seen]).spawn(3)
        return [np.random.default_rng(s) for s in seeds]

    def _set_index_array(self, rng: np.random.Generator) -> None:
        self.index_array = rng.permutation(self.n) if self.shuffle else np.arange(self.n)

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
        """Advance the state exactly as Keras does and draw the batch's randomness."""
        shuffle_rng, augment_rng, save_rng = self._rngs()
        if key[0] == "item":
            if self.index_array is None:
                self._set_index_array(shuffle_rng)
            start = self.batch_size * key[1]
        else:
            if self.batch_index == 0:
                self._set_index_array(shuffle_rng)
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            more = self.n > start + self.batch_size
            self.batch_index = self.batch_index + 1 if more else 0
        self.total_batches_seen += 1
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
            pool = self._executor()
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

    def _state(self) -> tuple:
        return self.batch_index, self.total_batches_seen, self.index_array

    def _set_state(self, state: tuple) -> None:
        self.batch_index, self.total_batches_seen, self.index_array = state

    def _prefetch(self, key: tuple) -> None:
        """Plan and start batch `key` now, but leave the visible state as it is until it is
        asked for (so `total_batches_seen` counts batches handed out, never one ahead)."""
        if self.workers > 0:
            before = self._state()
            job = self._start(self._plan(key))
            self._pending = _Prefetch(key, before, self._state(), job)
            self._set_state(before)

    def _take_prefetch(self, key: tuple) -> Job | None:
        """The prefetched job if it is the batch asked for and nothing changed the state since
        (`reset`, `on_epoch_end` or a direct assignment, e.g. when resuming a run)."""
        pending = self._pending
        if pending is not None and pending.key == key and pending.planned_from(self._state()):
            self._pending = None
            self._set_state(pending.after)
            return pending.job
        self._drop_prefetch()
        return None

    def _drop_prefetch(self) -> None:
        if self._pending is not None:
            self._pending.job.cancel()
            self._pending = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is not None and self._pool_size != self.workers:
            self._finalizer.detach()
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix=THREAD_NAME_PREFIX)
            self._pool_size = self.workers
            # Shut the threads down with the iterator; the callback must not hold `self`.
            self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False,
                                               cancel_futures=True)
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
