"""Augmentation pipeline throughput: chainrule's flow_from_directory vs Keras' legacy one.

The lecture's configuration: ImageDataGenerator(rescale=1/255, rotation_range=40,
width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2, zoom_range=0.2,
horizontal_flip=True, fill_mode='nearest'), 300x300 PNGs resized to 150x150, batch 128,
categorical labels. The PNGs (gradients, ellipses and noise, so decoding is not trivial) are
generated deterministically into a temporary folder.

Both sides are measured in one run: Keras in this interpreter when TensorFlow imports here,
otherwise in `--peer-python`'s interpreter (a venv with tensorflow 2.12 and Pillow), which runs
this same file with `--keras-only`:

    .venv/bin/python benchmarks/augment_pipeline.py --peer-python /work/venvs/tf/bin/python

Reported: images/s over `--batches` consecutive batches after one warm-up batch, for chainrule
with its worker threads (decode + augment in parallel, next batch prefetched) and with
`workers = 0` (everything in the calling thread, as Keras does).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

LECTURE = dict(rescale=1 / 255, rotation_range=40, width_shift_range=0.2,
               height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True,
               fill_mode="nearest")
CLASSES = ("paper", "rock", "scissors")


def make_pngs(root: str, count: int, size: int = 300, seed: int = 0, mode: str = "RGB") -> None:
    """`count` deterministic PNGs (RGB, or RGBA with an opaque alpha channel, as the lecture's
    rock-paper-scissors and horse-or-human files are) spread over three class folders."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for i in range(count):
        folder = os.path.join(root, CLASSES[i % 3])
        os.makedirs(folder, exist_ok=True)
        base = np.stack([yy * rng.uniform(50, 200), xx * rng.uniform(50, 200),
                         (xx + yy) * rng.uniform(30, 120)], -1) + rng.uniform(0, 55, 3)
        base += rng.normal(0, 6, base.shape)
        img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        for _ in range(4):
            x0, y0 = (int(v) for v in rng.integers(0, size - 80, 2))
            w, h = (int(v) for v in rng.integers(20, 80, 2))
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=tuple(int(v) for v in
                                                                rng.integers(0, 255, 3)))
        img.convert(mode).save(os.path.join(folder, f"{CLASSES[i % 3]}{i:04d}.png"))


def images_per_second(iterator, batches: int) -> float:
    """Throughput of `batches` consecutive next() calls after one warm-up batch."""
    next(iterator)
    start, seen = time.perf_counter(), 0
    for _ in range(batches):
        seen += len(next(iterator)[0])
    return seen / (time.perf_counter() - start)


def measure_keras(root: str, batch_size: int, batches: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    gen = tf.keras.preprocessing.image.ImageDataGenerator(**LECTURE)
    it = gen.flow_from_directory(root, target_size=(150, 150), batch_size=batch_size, seed=0)
    return {"name": f"Keras {tf.keras.__version__} ImageDataGenerator (1 thread)",
            "img_s": images_per_second(it, batches)}


def measure_chainrule(root: str, batch_size: int, batches: int) -> list[dict]:
    """The lecture's pipeline and a rescale-only one, in one thread and with the workers; then
    the augmenting one without Numba (the base install: Pillow decodes, NumPy warps)."""
    from chainrule import config as chainrule_config
    from chainrule.preprocessing.base_iterator import default_workers
    from chainrule.preprocessing.image import ImageDataGenerator

    chainrule_config.set_kernels(chainrule_config.kernels())  # load Numba now, if installed
    numba = chainrule_config.kernels() == "numba"
    threads = default_workers()
    rows = []
    for label, config, workers, kernels in [
            ("augment, workers=0 (1 thread)", LECTURE, 0, "numba"),
            (f"augment, workers={threads} + prefetch", LECTURE, threads, "numba"),
            ("rescale only, workers=0 (decode + resize)", {"rescale": 1 / 255}, 0, "numba"),
            (f"rescale only, workers={threads} + prefetch", {"rescale": 1 / 255}, threads,
             "numba"),
            (f"augment, workers={threads}, no Numba", LECTURE, threads, "numpy")]:
        if kernels == "numba" and not numba:
            label += ", no Numba"
        chainrule_config.set_kernels(kernels if numba else "numpy")
        it = ImageDataGenerator(**config).flow_from_directory(
            root, target_size=(150, 150), batch_size=batch_size, seed=0)
        it.workers = workers
        rows.append({"name": f"chainrule {label}", "img_s": images_per_second(it, batches)})
        it.close()
    return rows


def keras_rows(args, root: str) -> list[dict]:
    """Keras measured here if TensorFlow imports, else in the peer interpreter."""
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        if not args.peer_python:
            print("Keras peer missing: tensorflow does not import in this interpreter. Rerun "
                  "with --peer-python /path/to/tf-venv/bin/python (tensorflow 2.12 + pillow).")
            return []
        command = [args.peer_python, os.path.abspath(__file__), "--keras-only", "--dir", root,
                   "--batch-size", str(args.batch_size), "--batches", str(args.batches)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return [json.loads(done.stdout.strip().splitlines()[-1])]
    return [measure_keras(root, args.batch_size, args.batches)]


def print_table(rows: list[dict], images: int, mode: str) -> None:
    keras = next((r["img_s"] for r in rows if r["name"].startswith("Keras")), None)
    print(f"\n{images} {mode} PNGs 300x300 -> 150x150, batch 128, lecture augmentation, "
          f"{os.cpu_count()} CPUs")
    print(f"| {'pipeline':<58} | {'img/s':>7} | {'ms/img':>6} | {'vs Keras':>8} |")
    print(f"|{'-' * 60}|{'-' * 9}|{'-' * 8}|{'-' * 10}|")
    for r in rows:
        ratio = f"{r['img_s'] / keras:.2f}x" if keras else "n/a"
        print(f"| {r['name']:<58} | {r['img_s']:>7.0f} | {1e3 / r['img_s']:>6.2f} | "
              f"{ratio:>8} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=384, help="PNGs to generate")
    parser.add_argument("--batches", type=int, default=6, help="timed batches per pipeline")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--peer-python", help="interpreter with tensorflow, for the Keras row")
    parser.add_argument("--mode", choices=["RGB", "RGBA"], default="RGB",
                        help="colour mode of the generated PNGs")
    parser.add_argument("--dir", help="use this image folder instead of generating one")
    parser.add_argument("--keras-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.keras_only:
        print(json.dumps(measure_keras(args.dir, args.batch_size, args.batches)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or tmp
        if not args.dir:
            make_pngs(root, args.images, mode=args.mode)
        rows = measure_chainrule(root, args.batch_size, args.batches)
        rows += keras_rows(args, root)
        count = sum(len(files) for _, _, files in os.walk(root))
    print_table(rows, count, "given" if args.dir else args.mode)


if __name__ == "__main__":
    main()
