"""How long does one training step of each single layer take, against PyTorch on the CPU?

    python benchmarks/layers.py [--threads 2] [--steps 7] [--warm 2] [--batch 32]
                                [--layers NAME ...] [--set slowest3] [--only slowest [--top 3]]

One step = the layer's forward in training mode, then backward with a fixed random upstream
gradient, to the input and to the weights (Embedding: to the weights only). Shapes: images
64x64x32 for conv-like layers and merges, sequences 100x64 for 1-D, recurrent and
normalisation layers, 150x150x3 images in 0-255 for the preprocessing layers; batch 32. The
PyTorch side (2.x CPU, eager; `pip install -e '.[bench]'`) runs the closest equivalent op on
the same shapes in its own layout (NCHW images, (N, C, T) for Conv1D and the 1-D pools); the
last column names it and says where it is approximate. Each framework runs all its layers in
its own process with `--threads` BLAS/OpenMP threads; times are medians of `--steps` steps
after `--warm` warm-up steps, and the ratio is chainrule's time over PyTorch's from the same
run. `--only slowest` prints only the `--top` rows with the highest ratio; `--set slowest3`
times only the named set (the slowest three layers of the last recorded run, README.md).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

SETS = {"slowest3": ["ELU", "Normalization", "RepeatVector"]}   # README.md, 2026-12-03 run
INPUTS = {"image": ((64, 64, 32), "nchw"), "seq": ((100, 64), None), "seq_cf": ((100, 64), "ncl"),
          "vector": ((64,), None), "ids": ((100,), None), "rgb": ((150, 150, 3), "nchw")}
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


def chainrule_layers(layers) -> dict:
    """name -> (input kind, number of inputs, builder of the chainrule layer)."""
    import numpy as np

    mean, var = np.array([120.0, 110.0, 100.0]), np.array([3600.0, 3000.0, 2500.0])
    cases = {
        "Conv2DTranspose": ("image", 1, lambda: layers.Conv2DTranspose(32, 3, 2, "same")),
        "SeparableConv2D": ("image", 1, lambda: layers.SeparableConv2D(32, 3, padding="same")),
        "UpSampling2D nearest": ("image", 1, lambda: layers.UpSampling2D(2)),
        "UpSampling2D bilinear": ("image", 1,
                                  lambda: layers.UpSampling2D(2, interpolation="bilinear")),
        "Conv1D": ("seq_cf", 1, lambda: layers.Conv1D(64, 3)),
        "MaxPooling1D": ("seq_cf", 1, lambda: layers.MaxPooling1D(2)),
        "AveragePooling1D": ("seq_cf", 1, lambda: layers.AveragePooling1D(2)),
        "GlobalAveragePooling1D": ("seq", 1, layers.GlobalAveragePooling1D),
        "GlobalMaxPooling1D": ("seq", 1, layers.GlobalMaxPooling1D),
        "Cropping2D": ("image", 1, lambda: layers.Cropping2D(((4, 4), (4, 4)))),
        "ZeroPadding1D": ("seq", 1, lambda: layers.ZeroPadding1D(2)),
        "SpatialDropout2D": ("image", 1, lambda: layers.SpatialDropout2D(0.5)),
        "LeakyReLU": ("image", 1, layers.LeakyReLU),
        "PReLU": ("image", 1, layers.PReLU),
        "ELU": ("image", 1, layers.ELU),
        "GaussianNoise": ("image", 1, lambda: layers.GaussianNoise(0.1)),
        "GaussianDropout": ("image", 1, lambda: layers.GaussianDropout(0.3)),
        "AlphaDropout": ("image", 1, lambda: layers.AlphaDropout(0.3)),
        "LayerNormalization": ("seq", 1, layers.LayerNormalization),
        "Embedding": ("ids", 1, lambda: layers.Embedding(1000, 64)),
        "Permute": ("seq", 1, lambda: layers.Permute((2, 1))),
        "RepeatVector": ("vector", 1, lambda: layers.RepeatVector(100)),
        "Dot": ("seq", 2, lambda: layers.Dot(axes=2)),
        "SimpleRNN": ("seq", 1, lambda: layers.SimpleRNN(64)),
        "LSTM": ("seq", 1, lambda: layers.LSTM(64)),
        "GRU": ("seq", 1, lambda: layers.GRU(64)),
        "Resizing": ("rgb", 1, lambda: layers.Resizing(128, 128)),
        "CenterCrop": ("rgb", 1, lambda: layers.CenterCrop(128, 128)),
        "RandomCrop": ("rgb", 1, lambda: layers.RandomCrop(128, 128, seed=1)),
        "RandomFlip": ("rgb", 1, lambda: layers.RandomFlip(seed=1)),
        "RandomRotation": ("rgb", 1, lambda: layers.RandomRotation(0.2, seed=1)),
        "RandomZoom": ("rgb", 1, lambda: layers.RandomZoom(0.2, seed=1)),
        "RandomTranslation": ("rgb", 1, lambda: layers.RandomTranslation(0.2, 0.2, seed=1)),
        "RandomContrast": ("rgb", 1, lambda: layers.RandomContrast(0.2, seed=1)),
        "RandomBrightness": ("rgb", 1, lambda: layers.RandomBrightness(0.2, seed=1)),
        "Normalization": ("rgb", 1, lambda: layers.Normalization(mean=mean, variance=var)),
    }
    for name in MERGES:
        cases[name] = ("image", 2, getattr(layers, name))
    return cases


def inputs_for(kind, count, batch, torch_layout: bool) -> list:
    """`count` random float32 inputs of `kind` (int ids for 'ids'), in either layout."""
    import numpy as np

    rng = np.random.default_rng(0)
    shape, layout = INPUTS[kind]
    if kind == "ids":
        return [rng.integers(0, 1000, (batch, *shape))]
    scale = 255.0 if kind == "rgb" else 1.0
    arrays = [(scale * rng.random((batch, *shape))).astype(np.float32) for _ in range(count)]
    if torch_layout and layout == "nchw":
        arrays = [np.ascontiguousarray(a.transpose(0, 3, 1, 2)) for a in arrays]
    if torch_layout and layout == "ncl":
        arrays = [np.ascontiguousarray(a.transpose(0, 2, 1)) for a in arrays]
    return arrays


def chainrule_step(name, batch):
    """A closure running one training step of layer `name` in chainrule."""
    import numpy as np

    from chainrule import Tensor, layers

    kind, count, build = chainrule_layers(layers)[name]
    layer = build()
    xs = [Tensor(a, requires_grad=kind != "ids") for a in inputs_for(kind, count, batch, False)]
    arg = xs if count > 1 else xs[0]
    out_shape = layer(arg, training=True).shape
    grad = np.random.default_rng(1).standard_normal(out_shape).astype(np.float32)

    def step():
        for t in [*xs, *layer.trainable_weights]:
            t.grad = None
        layer(arg, training=True).backward(grad)

    return step


def torch_ops(torch) -> dict:
    """name -> (builder of (fn of the inputs, parameters), how the op matches Keras')."""
    from torch import nn
    from torch.nn import functional as F  # noqa: N812

    def module(make, note=""):
        return lambda: _module(make(), note)

    def plain(fn, note=""):
        return lambda: (fn, [], note)

    cases = {
        "Conv2DTranspose": module(lambda: nn.ConvTranspose2d(32, 32, 3, 2, 1, output_padding=1)),
        "SeparableConv2D": module(lambda: nn.Sequential(
            nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.Conv2d(32, 32, 1)),
            "depthwise Conv2d(groups=32) + 1x1 Conv2d"),
        "UpSampling2D nearest": plain(lambda x: F.interpolate(x, scale_factor=2)),
        "UpSampling2D bilinear": plain(lambda x: F.interpolate(
            x, scale_factor=2, mode="bilinear", align_corners=False)),
        "Conv1D": module(lambda: nn.Conv1d(64, 64, 3)),
        "MaxPooling1D": plain(lambda x: F.max_pool1d(x, 2)),
        "AveragePooling1D": plain(lambda x: F.avg_pool1d(x, 2)),
        "GlobalAveragePooling1D": plain(lambda x: x.mean(1)),
        "GlobalMaxPooling1D": plain(lambda x: x.amax(1)),
        "Cropping2D": plain(lambda x: x[:, :, 4:-4, 4:-4]),
        "ZeroPadding1D": plain(lambda x: F.pad(x, (0, 0, 2, 2))),
        "SpatialDropout2D": plain(lambda x: F.dropout2d(x, 0.5, training=True)),
        "LeakyReLU": plain(lambda x: F.leaky_relu(x, 0.3)),
        "PReLU": lambda: _prelu(torch),
        "ELU": plain(F.elu),
        "GaussianNoise": plain(lambda x: x + 0.1 * torch.randn_like(x)),
        "GaussianDropout": plain(lambda x: x * (1 + (0.3 / 0.7) ** 0.5 * torch.randn_like(x))),
        "AlphaDropout": plain(lambda x: F.alpha_dropout(x, 0.3, training=True)),
        "LayerNormalization": module(lambda: nn.LayerNorm(64, eps=1e-3)),
        "Embedding": module(lambda: nn.Embedding(1000, 64)),
        "Permute": plain(lambda x: x.permute(0, 2, 1)),
        "RepeatVector": plain(lambda x: x[:, None, :].expand(-1, 100, -1)),
        "Dot": plain(lambda a, b: torch.bmm(a, b.transpose(1, 2)), "bmm"),
        "SimpleRNN": lambda: _last_output(nn.RNN(64, 64, batch_first=True), "nn.RNN, 2 biases"),
        "LSTM": lambda: _last_output(nn.LSTM(64, 64, batch_first=True), "nn.LSTM"),
        "GRU": lambda: _last_output(nn.GRU(64, 64, batch_first=True), "nn.GRU (reset_after)"),
        "Resizing": plain(lambda x: F.interpolate(x, size=(128, 128), mode="bilinear",
                                                  align_corners=False)),
        "CenterCrop": plain(lambda x: x[:, :, 11:139, 11:139]),
        "RandomCrop": plain(lambda x: _random_crop(torch, x), "slice at a random offset"),
        "RandomFlip": plain(lambda x: _random_flip(torch, x), "where(flip) per image"),
        "RandomContrast": plain(lambda x: _contrast(torch, x)),
        "RandomBrightness": plain(lambda x: (x + 51 * (2 * torch.rand(x.shape[0], 1, 1, 1) - 1))
                                  .clamp(0, 255)),
        "Normalization": plain(lambda x: (x - torch.tensor([120.0, 110.0, 100.0])[:, None, None])
                               / torch.tensor([60.0, 54.8, 50.0])[:, None, None]),
    }
    for name in ("RandomRotation", "RandomZoom", "RandomTranslation"):
        cases[name] = plain(lambda x, name=name: _warp(torch, x, name),
                            "affine_grid + grid_sample (reflection): approximate")
    merges = {"Add": torch.add, "Subtract": torch.sub, "Multiply": torch.mul,
              "Average": lambda a, b: (a + b) / 2, "Maximum": torch.maximum,
              "Minimum": torch.minimum, "Concatenate": lambda a, b: torch.cat([a, b], 1)}
    cases.update({name: plain(fn) for name, fn in merges.items()})
    return cases


def _module(m, note):
    return m, list(m.parameters()), note


def _last_output(rnn, note):
    return (lambda x: rnn(x)[0][:, -1]), list(rnn.parameters()), note


def _prelu(torch):
    alpha = torch.zeros(32, 64, 64, requires_grad=True)
    return (lambda x: torch.where(x > 0, x, alpha * x)), [alpha], "where(x > 0, x, alpha x)"


def _random_crop(torch, x):
    top, left = torch.randint(0, 23, (2,)).tolist()
    return x[:, :, top:top + 128, left:left + 128]


def _random_flip(torch, x):
    n = x.shape[0]
    x = torch.where(torch.rand(n, 1, 1, 1) < 0.5, x.flip(3), x)
    return torch.where(torch.rand(n, 1, 1, 1) < 0.5, x.flip(2), x)


def _contrast(torch, x):
    mean = x.mean((2, 3), keepdim=True)
    factor = 0.8 + 0.4 * torch.rand(x.shape[0], 1, 1, 1)
    return ((x - mean) * factor + mean).clamp(0, 255)


def _warp(torch, x, name):
    """Per-image rotation (0.2 of a turn), zoom or translation (0.2) with affine_grid."""
    n = x.shape[0]
    u = 2 * torch.rand(n) - 1
    theta = torch.zeros(n, 2, 3)
    if name == "RandomRotation":
        angle = u * 0.2 * 2 * torch.pi
        theta[:, 0, 0], theta[:, 0, 1] = angle.cos(), -angle.sin()
        theta[:, 1, 0], theta[:, 1, 1] = angle.sin(), angle.cos()
    elif name == "RandomZoom":
        theta[:, 0, 0] = theta[:, 1, 1] = 1 + 0.2 * u
    else:
        theta[:, 0, 0] = theta[:, 1, 1] = 1
        theta[:, 0, 2], theta[:, 1, 2] = 0.4 * u, 0.4 * (2 * torch.rand(n) - 1)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, padding_mode="reflection",
                                           align_corners=False)


def torch_step(name, batch):
    """A closure running one training step of `name`'s PyTorch equivalent, and its note."""
    import numpy as np
    import torch

    from chainrule import layers

    kind, count, _ = chainrule_layers(layers)[name]
    fn, params, note = torch_ops(torch)[name]()
    xs = [torch.from_numpy(a) for a in inputs_for(kind, count, batch, True)]
    if kind != "ids":
        xs = [x.requires_grad_() for x in xs]
    shape = fn(*xs).shape
    grad = torch.from_numpy(np.random.default_rng(1).standard_normal(shape).astype(np.float32))

    def step():
        for t in [*xs, *params]:
            t.grad = None
        fn(*xs).backward(grad)

    return step, note


def worker(framework, names, threads, steps, warm, batch):
    """Runs in a child process: time each layer's step, print one JSON line per layer."""
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
    for name in names:
        try:
            if framework == "torch":
                step, note = torch_step(name, batch)
            else:
                step, note = chainrule_step(name, batch), ""
            for _ in range(warm):
                step()
            times = [timed(step) for _ in range(steps)]
            row = {"name": name, "ms": 1000 * statistics.median(times), "note": note}
        except Exception as error:  # one layer failing must not lose the others' numbers
            row = {"name": name, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(row), flush=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_child(framework, names, args) -> dict:
    """Time `names` in one child process of `framework`: {name: row}."""
    threads = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
               MKL_NUM_THREADS=threads)
    cmd = [sys.executable, __file__, "--worker", framework, "--threads", threads, "--steps",
           str(args.steps), "--warm", str(args.warm), "--batch", str(args.batch), "--layers",
           *names]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {framework}: {last}", file=sys.stderr)
    return {row["name"]: row for row in rows}


def print_table(names, ours, peer, args) -> None:
    """One row per layer: both times, the ratio (above 2 flagged), the PyTorch op used."""
    def ratio(name):
        a, b = ours.get(name, {}).get("ms"), peer.get(name, {}).get("ms")
        return a / b if a and b else float("nan")

    rows = sorted(names, key=lambda n: -1 if ratio(n) != ratio(n) else ratio(n), reverse=True)
    rows = rows[:args.top] if args.only == "slowest" else rows
    print(f"# {time.strftime('%Y-%m-%d')} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {args.threads} threads, batch {args.batch}, "
          f"median of {args.steps} steps after {args.warm}")
    print("| layer | input | chainrule ms | PyTorch ms | ratio | PyTorch equivalent |")
    print("|---|---|---|---|---|---|")
    for name in rows:
        a, b = ours.get(name, {}), peer.get(name, {})
        kind = INPUTS[CASE_KINDS[name]][0]
        cells = [f"{r['ms']:.2f}" if "ms" in r else r.get("error", "n/a")[:60] for r in (a, b)]
        flag = " **>2x**" if ratio(name) > 2 else ""
        print(f"| {name} | {'x'.join(map(str, (args.batch, *kind)))} | {cells[0]} | {cells[1]} "
              f"| {ratio(name):.2f}{flag} | {b.get('note', '')} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--warm", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--layers", nargs="+", help="time only these layers (names as printed)")
    ap.add_argument("--set", choices=list(SETS), help="time only a named set of layers")
    ap.add_argument("--only", choices=["slowest"], help="print only the highest ratios")
    ap.add_argument("--top", type=int, default=3, help="rows that --only slowest prints")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    names = args.layers or (SETS[args.set] if args.set else list(CASE_KINDS))
    unknown = sorted(set(names) - set(CASE_KINDS))
    if unknown:
        ap.error(f"unknown layers {unknown}; expected some of {list(CASE_KINDS)}")
    if args.worker:
        worker(args.worker, names, args.threads, args.steps, args.warm, args.batch)
        return
    ours = run_child("chainrule", names, args)
    peer = run_child("torch", names, args)
    print_table(names, ours, peer, args)


class _Names:
    """The layers' names and input kinds without importing chainrule's layers eagerly."""

    def __init__(self):
        self._kinds = None

    def _load(self) -> dict:
        if self._kinds is None:
            from chainrule import layers

            self._kinds = {k: v[0] for k, v in chainrule_layers(layers).items()}
        return self._kinds

    def __getitem__(self, name):
        return self._load()[name]

    def __iter__(self):
        return iter(self._load())


CASE_KINDS = _Names()

if __name__ == "__main__":
    main()
