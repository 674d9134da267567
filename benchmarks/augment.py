"""Augmentation speed alone: draw + apply_transform per 150x150x3 float32 image, no decoding.

The lecture's configuration: rotation_range=40, width/height_shift_range=0.2,
shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode='nearest' (bilinear warp).
Each result is written into a fresh batch array of 32, as the iterators do. Reported: images/s
(median of `--repeat` runs over `--images` images after one warm-up run) for chainrule in
one thread and in `--threads` threads, and for Keras' `get_random_transform` +
`apply_transform` (scipy) when TensorFlow imports here or in `--peer-python`'s interpreter
(a venv with tensorflow 2.12 and scipy), which runs this file with `--keras-only`:

    .venv/bin/python benchmarks/augment.py --peer-python /work/venvs/tf/bin/python

Without a peer the Keras row is skipped. The whole-pipeline comparison (decoding included) is
`benchmarks/augment_pipeline.py`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LECTURE = {"rotation_range": 40, "width_shift_range": 0.2, "height_shift_range": 0.2,
           "shear_range": 0.2, "zoom_range": 0.2, "horizontal_flip": True, "fill_mode": "nearest"}
SHAPE = (150, 150, 3)
BATCH = 32


def make_images(count: int) -> np.ndarray:
    """Smooth gradients plus noise in 0..255, so every fill mode and blend does real work."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype(np.float32) / SHAPE[0]
    base = np.stack([yy * 200, xx * 180, (xx + yy) * 90], -1)
    return (base + rng.uniform(0, 55, (count, *SHAPE))).astype(np.float32)


def chainrule_augment(gen, images: np.ndarray, rng) -> None:
    """Fresh batch arrays of BATCH images, as the iterators allocate them."""
    for start in range(0, len(images), BATCH):
        batch = np.empty((BATCH, *SHAPE), np.float32)
        for i, x in enumerate(images[start:start + BATCH]):
            batch[i] = gen.apply_transform(x, gen.draw_transform(x.shape, rng))


def keras_augment(gen, images: np.ndarray, rng=None) -> None:
    for start in range(0, len(images), BATCH):
        batch = np.empty((BATCH, *SHAPE), np.float32)
        for i, x in enumerate(images[start:start + BATCH]):
            batch[i] = gen.apply_transform(x.copy(), gen.get_random_transform(x.shape))


def threaded(gen, images, threads: int) -> None:
    """Split the images over `threads` workers (NumPy releases the GIL in its loops)."""
    chunks = np.array_split(np.arange(len(images)), threads)
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(chainrule_augment, gen, images[c], np.random.default_rng(k))
                for k, c in enumerate(chunks)]
        for job in jobs:
            job.result()


def images_per_second(run, count: int, repeat: int) -> float:
    run()  # warm-up: freeing the first batch raises malloc's mmap threshold, as in training
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return count / statistics.median(times)


def measure_keras(count: int, repeat: int) -> float:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tensorflow import keras

    gen = keras.preprocessing.image.ImageDataGenerator(**LECTURE)
    images = make_images(count)
    np.random.seed(0)
    return images_per_second(lambda: keras_augment(gen, images), count, repeat)


def keras_rate(args) -> float | None:
    try:
        return measure_keras(args.images, args.repeat)
    except ImportError:
        pass
    if not args.peer_python:
        return None
    cmd = [args.peer_python, __file__, "--keras-only", "--images", str(args.images),
           "--repeat", str(args.repeat)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["keras"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--keras-only", action="store_true")
    args = parser.parse_args()
    if args.keras_only:
        print(json.dumps({"keras": measure_keras(args.images, args.repeat)}))
        return
    from chainrule.preprocessing.image import ImageDataGenerator

    gen = ImageDataGenerator(**LECTURE)
    images = make_images(args.images)
    rng = np.random.default_rng(0)
    rows = [("chainrule, 1 thread", images_per_second(
        lambda: chainrule_augment(gen, images, rng), args.images, args.repeat))]
    rows.append((f"chainrule, {args.threads} threads", images_per_second(
        lambda: threaded(gen, images, args.threads), args.images, args.repeat)))
    keras = keras_rate(args)
    if keras is not None:
        rows.append(("keras 2 (scipy), 1 thread", keras))
    header = "draw + apply_transform, 150x150x3"
    print(f"{header:34s} {'img/s':>8s} {'ms/img':>8s} {'vs keras':>9s}")
    for name, rate in rows:
        ratio = f"{rate / keras:8.2f}x" if keras else "        -"
        print(f"{name:34s} {rate:8.0f} {1e3 / rate:8.2f} {ratio}")


if __name__ == "__main__":
    main()
