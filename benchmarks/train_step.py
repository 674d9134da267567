"""How long does one training step of the lecture's CNNs take, against PyTorch on the same CPU?

    python benchmarks/train_step.py [--threads 2] [--steps 7] [--models rps horse]

One step = forward + backward + Adam on a batch of 32: the rock-paper-scissors CNN
(150x150x3) and the horse-or-human CNN (300x300x3). Each configuration runs in its own
process (so thread settings and peak memory are its own), all in this one run, and the table
gives chainrule's time over the faster PyTorch configuration (eager NCHW or channels_last).
PyTorch is optional: `pip install -e '.[bench]'`. Default process settings everywhere (no
allocator tweaks). Medians after warm-up steps.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

MODELS = {"rps": (150, 3, [64, 64, 128, 128], [512]), "horse": (300, 2, [16, 32, 64, 64, 128],
                                                                  [128, 32])}


def chainrule_step(name, batch):
    """A closure running one chainrule training step of model `name`."""
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
    return lambda: model.train_on_batch(x, y)


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

    return step


def worker(framework, name, threads, steps, warm, batch):
    """Runs in a child process: time the steps, print one JSON line."""
    import resource
    import statistics

    if framework == "chainrule":
        step = chainrule_step(name, batch)
    else:
        import torch

        torch.set_num_threads(threads)
        step = torch_step(name, batch, framework == "torch-channels_last")
    first = time.perf_counter()
    step()
    first = time.perf_counter() - first
    for _ in range(warm):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": 1000 * statistics.median(times), "first_ms": 1000 * first,
                      "rss_mb": rss}))


def run_child(framework, name, args) -> dict | None:
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    cmd = [sys.executable, __file__, "--worker", framework, name, "--threads", str(args.threads),
           "--steps", str(args.steps), "--warm", str(args.warm), "--batch", str(args.batch)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {framework} {name}: {last}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def have_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--warm", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker, args.threads, args.steps, args.warm, args.batch)
        return
    peers = ["torch-nchw", "torch-channels_last"] if have_torch() else []
    print(f"# {time.strftime('%Y-%m-%d')} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {args.threads} threads, batch {args.batch}, "
          f"median of {args.steps} steps; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print("| model | framework | ms/step | first step ms | peak RSS MB | ratio vs best peer |")
    print("|---|---|---|---|---|---|")
    for name in args.models:
        results = {fw: run_child(fw, name, args) for fw in ["chainrule"] + peers}
        best = min((r["ms"] for fw, r in results.items() if fw != "chainrule" and r), default=None)
        for fw, r in results.items():
            if r is None:
                continue
            ratio = f"{r['ms'] / best:.2f}" if best else "n/a (no peer)"
            print(f"| {name} | {fw} | {r['ms']:.0f} | {r['first_ms']:.0f} | {r['rss_mb']:.0f} "
                  f"| {ratio} |")
    if not peers:
        print("PyTorch not installed: pip install -e '.[bench]' to add the peer columns.")


if __name__ == "__main__":
    main()
