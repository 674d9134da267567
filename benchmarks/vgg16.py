"""VGG16 on the CPU: chainrule against PyTorch, for inference and for transfer learning.

    python benchmarks/vgg16.py [--batch 32] [--steps 1] [--warm 1] [--threads 2]
                               [--tasks forward frozen] [--torch-layout nchw|channels_last]

Tasks, on a batch of 224x224x3 images:
- forward: VGG16 without its top (13 convolutions, 14.7M weights), inference only;
- frozen:  one training step of the transfer-learning model: the frozen VGG16 base, then
           Flatten, Dense(256, relu), Dense(2, softmax); Adam and sparse cross-entropy. Only
           the head (6.4M weights) trains, so no gradient flows into the base at all.
Each (task, framework) runs in its own process with `--threads` BLAS/OpenMP threads, weights
random (the timing does not depend on them). The table gives the median of `--steps` runs
after `--warm` warm-up runs, and chainrule's time over PyTorch's (eager, NCHW;
`--torch-layout channels_last` for the other). With the defaults the whole run takes about
5 minutes on 2 cores; `--batch 8` is a quick look. PyTorch is optional:
`pip install -e '.[bench]'`.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

SIDE = 224
CONVS = (2, 2, 3, 3, 3)
FILTERS = (64, 128, 256, 512, 512)


def chainrule_task(task, batch):
    """A closure running the task once with chainrule."""
    import numpy as np

    from chainrule.applications import VGG16
    from chainrule.layers import Dense, Flatten
    from chainrule.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.random((batch, SIDE, SIDE, 3), dtype=np.float32)
    base = VGG16(weights=None, include_top=False, input_shape=(SIDE, SIDE, 3))
    if task == "forward":
        return lambda: base.predict_on_batch(x)
    base.trainable = False
    model = Sequential([base, Flatten(), Dense(256, activation="relu"),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = rng.integers(0, 2, batch)
    return lambda: model.train_on_batch(x, y)


def torch_task(task, batch, layout):
    """The same network in PyTorch: VGG16's features, then the same head for `frozen`."""
    import torch
    from torch import nn

    layers, cin = [], 3
    for convs, filters in zip(CONVS, FILTERS):
        for _ in range(convs):
            layers += [nn.Conv2d(cin, filters, 3, padding=1), nn.ReLU()]
            cin = filters
        layers.append(nn.MaxPool2d(2, 2))
    base = nn.Sequential(*layers)
    x = torch.rand(batch, 3, SIDE, SIDE)
    if layout == "channels_last":
        base = base.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if task == "forward":
        return lambda: _torch_inference(base, x)
    base.requires_grad_(False)
    head = nn.Sequential(nn.Flatten(), nn.Linear(512 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 2))
    net = nn.Sequential(base, head)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=1e-7)
    y = torch.randint(0, 2, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    return step


def _torch_inference(net, x):
    import torch

    with torch.inference_mode():
        return net(x)


def worker(framework, task, args):
    """Runs in a child process: time the task, print one JSON line."""
    import resource
    import statistics

    if framework == "chainrule":
        run = chainrule_task(task, args.batch)
    else:
        import torch

        torch.set_num_threads(args.threads)
        run = torch_task(task, args.batch, args.torch_layout)
    for _ in range(args.warm):                       # allocation, first-touch pages
        run()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": 1000 * statistics.median(times), "rss_mb": rss}))


def run_child(framework, task, args) -> dict | None:
    threads = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
               MKL_NUM_THREADS=threads)
    cmd = [sys.executable, __file__, "--worker", framework, task, "--threads", threads,
           "--steps", str(args.steps), "--warm", str(args.warm), "--batch", str(args.batch),
           "--torch-layout", args.torch_layout]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"  {framework} {task}: {last}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def have_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=1, help="timed runs per task (median)")
    ap.add_argument("--warm", type=int, default=1, help="untimed runs before timing")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", nargs="+", default=["forward", "frozen"],
                    choices=["forward", "frozen"])
    ap.add_argument("--torch-layout", default="nchw", choices=["nchw", "channels_last"])
    ap.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "TASK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker, args)
        return
    frameworks = ["chainrule"] + (["torch"] if have_torch() else [])
    print(f"# {time.strftime('%Y-%m-%d')} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {args.threads} threads, batch {args.batch} x {SIDE}x{SIDE}x3, "
          f"median of {args.steps} after {args.warm} warm-up; torch layout {args.torch_layout}")
    print("| task | framework | ms | images/s | peak RSS MB | chainrule / torch |")
    print("|---|---|---|---|---|---|")
    for task in args.tasks:
        results = {fw: run_child(fw, task, args) for fw in frameworks}
        peer = results.get("torch")
        for fw, r in results.items():
            if r is None:
                continue
            ratio = f"{r['ms'] / peer['ms']:.2f}" if fw == "chainrule" and peer else ""
            print(f"| {task} | {fw} | {r['ms']:.0f} | {1000 * args.batch / r['ms']:.1f} "
                  f"| {r['rss_mb']:.0f} | {ratio} |", flush=True)
    if "torch" not in frameworks:
        print("PyTorch not installed: pip install -e '.[bench]' to add the comparison.")


if __name__ == "__main__":
    main()
