"""How long does one training step of the lecture's CNNs take, against PyTorch and TF on one CPU?

    python benchmarks/train_step.py [--threads 2] [--steps 7] [--models rps horse] [--profile]
                                    [--peer-python /path/to/tf-venv/bin/python]

One step = forward + backward + Adam on a batch of 32: the rock-paper-scissors CNN
(150x150x3) and the horse-or-human CNN (300x300x3). Each configuration runs in its own
process (so thread settings and peak memory are its own), all in this one run, and the table
gives each time over the fastest peer: PyTorch eager NCHW and channels_last (optional:
`pip install -e '.[bench]'`) and, with `--peer-python`, tf.keras with a @tf.function train
step run by that interpreter (a venv with tensorflow-cpu; this file needs nothing else there).
Default process settings everywhere (no allocator tweaks). Medians after warm-up steps.
Inference is one forward pass of the same batch without a graph. `--profile` adds chainrule's
per-layer forward/backward milliseconds. chainrule uses its Numba kernels when Numba is
installed (`[bench]` installs it), and then a `chainrule-numpy` row times the NumPy reference
path (CHAINRULE_KERNELS=numpy) too.
"""
import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict

MODELS = {"rps": (150, 3, [64, 64, 128, 128], [512]), "horse": (300, 2, [16, 32, 64, 64, 128],
                                                                  [128, 32])}


def chainrule_model(name, batch):
    """(model, train step closure, inference closure) for chainrule model `name`."""
    import numpy as np

    from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from chainrule.models import Sequential

    size, classes, convs, dense = MODELS[name]
    stack = []
    for i, filters in enumerate(convs):
        extra = {"input_shape": (size, size, 3)} if i == 0 else {}
        stack += [Conv2D(filters, (3, 3), activation="relu", **extra), MaxPooling2D(2, 2)]
    stack += [Flatten(), Dropout(0.5)] + [Dense(u, activation="relu") for u in dense]
    model = Sequential(stack + [Dense(classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((batch, size, size, 3), dtype=np.float32)
    y = rng.integers(0, classes, batch)
    return model, lambda: model.train_on_batch(x, y), lambda: model.predict_on_batch(x)


def torch_step(name, batch, channels_last):
    """The same model, loss and optimizer in PyTorch (NCHW or channels_last)."""
    import torch
    from torch import nn

    size, classes, convs, dense = MODELS[name]
    layers, cin, side = [], 3, size
    for filters in convs:
        layers += [nn.Conv2d(cin, filters, 3), nn.ReLU(), nn.MaxPool2d(2)]
        cin, side = filters, (side - 2) // 2
    width = cin * side * side
    layers += [nn.Flatten(), nn.Dropout(0.5)]
    for units in dense:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    net = nn.Sequential(*layers, nn.Linear(width, classes))
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            net.eval()
            net(x)
            net.train()

    return step, infer


def tf_step(name, batch, threads):
    """The same model in tf.keras with a @tf.function train step (GradientTape + Adam)."""
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    layers = tf.keras.layers
    size, classes, convs, dense = MODELS[name]
    stack = [tf.keras.Input((size, size, 3))]
    for filters in convs:
        stack += [layers.Conv2D(filters, 3, activation="relu"), layers.MaxPooling2D(2)]
    stack += [layers.Flatten(), layers.Dropout(0.5)]
    stack += [layers.Dense(u, activation="relu") for u in dense]
    net = tf.keras.Sequential(stack + [layers.Dense(classes, activation="softmax")])
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((batch, size, size, 3), dtype=np.float32))
    y = tf.constant(rng.integers(0, classes, batch))
    opt, loss_fn = tf.keras.optimizers.Adam(), tf.keras.losses.SparseCategoricalCrossentropy()

    @tf.function
    def train(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, net(xb, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables),
                                net.trainable_variables))
        return loss

    predict = tf.function(lambda xb: net(xb, training=False))
    return lambda: float(train(x, y)), lambda: predict(x).numpy()


def worker(framework, name, threads, steps, warm, batch):
    """Runs in a child process: time the steps, print one JSON line."""
    import resource
    import statistics

    if framework.startswith("chainrule"):
        step, infer = chainrule_model(name, batch)[1:]
    elif framework == "tf-function":
        step, infer = tf_step(name, batch, threads)
    else:
        import torch

        torch.set_num_threads(threads)
        step, infer = torch_step(name, batch, framework == "torch-channels_last")
    first = time.perf_counter()
    step()
    first = time.perf_counter() - first
    for _ in range(warm):
        step()
    train = [timed(step) for _ in range(steps)]
    infer = [timed(infer) for _ in range(steps)]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": 1000 * statistics.median(train), "first_ms": 1000 * first,
                      "infer_ms": 1000 * statistics.median(infer), "rss_mb": rss}))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def profile(name, batch, steps, warm):
    """Print chainrule's per-layer forward and backward ms (median over steps).

    Forward: each layer's `__call__`. Backward: each op's `backward`, charged to the layer
    whose call created the op. Ops the model runs between layers (ReLUs moved after a
    max-pool) are charged to the model, the loss's ops to 'loss', Adam to 'optimizer'.
    """
    from chainrule.autodiff import graph
    from chainrule.autodiff.function import Function
    from chainrule.layers.layer import Layer

    model, step, _ = chainrule_model(name, batch)
    totals, stack = defaultdict(float), ["loss"]
    saved = Layer.__call__, Function.__call__, graph._pass_on

    def charge(key, fn, *args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - start

    def layer_call(layer, *args, **kwargs):
        stack.append(layer.name)
        try:
            return charge((layer.name, "fwd"), saved[0], layer, *args, **kwargs)
        finally:
            stack.pop()

    def op_call(fn, *inputs):
        fn.profile_layer = stack[-1]
        return saved[1](fn, *inputs)

    Layer.__call__, Function.__call__ = layer_call, op_call
    graph._pass_on = lambda fn, gy, grads: charge(
        (getattr(fn, "profile_layer", "loss"), "bwd"), saved[2], fn, gy, grads)
    apply = model.optimizer.apply_gradients
    model.optimizer.apply_gradients = lambda pairs: charge(("optimizer", "bwd"), apply, pairs)
    for _ in range(warm):
        step()
    runs = []
    for _ in range(steps):
        totals.clear()
        runs.append((timed(step), dict(totals)))
    Layer.__call__, Function.__call__, graph._pass_on = saved
    print_profile(name, [la.name for la in model.layers] + [model.name], runs)


def print_profile(name, layer_names, runs):
    """The table: one row per layer, then the model's own ops, the loss and the optimizer."""
    import statistics

    def med(key):
        return 1000 * statistics.median(r[1].get(key, 0.0) for r in runs)

    *layers, model = layer_names
    step = 1000 * statistics.median(r[0] for r in runs)
    print(f"\n{name}: chainrule per-layer profile (median of {len(runs)} steps, "
          f"step {step:.0f} ms; the model row is the ReLUs it moved after max-pools)")
    print("| layer | forward ms | backward ms |")
    print("|---|---|---|")
    for layer in layers:
        print(f"| {layer} | {med((layer, 'fwd')):.0f} | {med((layer, 'bwd')):.0f} |")
    between = med((model, "fwd")) - sum(med((layer, "fwd")) for layer in layers)
    print(f"| {model} (between layers) | {between:.0f} | {med((model, 'bwd')):.0f} |")
    for row in ("loss", "optimizer"):
        print(f"| {row} | {med((row, 'fwd')):.0f} | {med((row, 'bwd')):.0f} |")


def print_rows(name, results) -> None:
    """One table row per framework; ratios are over the fastest peer configuration."""
    peers = [r for fw, r in results.items() if not fw.startswith("chainrule") and r]

    def ratio(r, key):
        best = min((p[key] for p in peers), default=None)
        return f"{r[key] / best:.2f}" if best else "n/a"

    for fw, r in results.items():
        if r is not None:
            print(f"| {name} | {fw} | {r['ms']:.0f} | {ratio(r, 'ms')} | {r['infer_ms']:.0f} "
                  f"| {ratio(r, 'infer_ms')} | {r['first_ms']:.0f} | {r['rss_mb']:.0f} |")


def run_child(framework, name, args, parse=True):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), TF_CPP_MIN_LOG_LEVEL="2",
               OPENBLAS_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    python = args.peer_python if framework == "tf-function" else sys.executable
    if framework == "chainrule-numpy":
        env["CHAINRULE_KERNELS"] = "numpy"      # the NumPy reference path, no Numba
    cmd = [python, __file__, "--worker", framework, name, "--threads", str(args.threads),
           "--steps", str(args.steps), "--warm", str(args.warm), "--batch", str(args.batch)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {framework} {name}: {last}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1]) if parse else done.stdout


def have_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--warm", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--profile", action="store_true", help="per-layer chainrule profile")
    ap.add_argument("--no-peers", action="store_true", help="time chainrule only")
    ap.add_argument("--peer-python", help="python of a venv with tensorflow: adds tf-function")
    ap.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker[0] == "profile":
            profile(args.worker[1], args.batch, args.steps, args.warm)
        else:
            worker(*args.worker, args.threads, args.steps, args.warm, args.batch)
        return
    peers = ["torch-nchw", "torch-channels_last"] if have_torch() and not args.no_peers else []
    peers += ["tf-function"] if args.peer_python and not args.no_peers else []
    own = ["chainrule-numpy"] if importlib.util.find_spec("numba") else []
    print(f"# {time.strftime('%Y-%m-%d')} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {args.threads} threads, batch {args.batch}, "
          f"median of {args.steps} steps; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print("| model | framework | train ms/step | ratio | inference ms | ratio | first step ms "
          "| peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models:
        results = {fw: run_child(fw, name, args) for fw in ["chainrule"] + own + peers}
        print_rows(name, results)
    if args.profile:
        for name in args.models:
            print(run_child("profile", name, args, parse=False) or "", end="")
    if not have_torch():
        print("PyTorch not installed: pip install -e '.[bench]' to add the peer columns.")


if __name__ == "__main__":
    main()
