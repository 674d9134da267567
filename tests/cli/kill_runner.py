"""The `chainrule` command, killed with SIGKILL (as by `kill -9` or a power cut) at a named
point of its sequence of writes; for tests/cli/test_kill_resume.py.

    python tests/cli/kill_runner.py POINT N SIGNAL ARGS...

runs `chainrule ARGS...` and sends itself SIGNAL (KILL, or INT: a Ctrl-C) the N-th time
(1-based) it reaches POINT; if it never does, it exits as the command does. The points are the
windows between two writes, and the end of a training batch:

    before-rename:NAME   a temporary file for NAME is complete, not yet renamed over NAME
    renamed:NAME         NAME was just replaced (for last.h5: an epoch was just committed)
    after:CLASS          CLASS.on_epoch_end returned: ModelCheckpoint (best.weights.h5
                         written) or CSVLogger (a history.csv row appended)
    mid-write            last.h5's temporary file holds the weights, not yet the optimizer
    batch                a training batch ended
"""
import os
import signal
import sys

from chainrule.callbacks import CSVLogger, ModelCheckpoint
from chainrule.saving import model_io

COUNTS: dict[str, int] = {}


def reached(point: str) -> None:
    """Count `point`; signal this process at the asked-for time."""
    COUNTS[point] = COUNTS.get(point, 0) + 1
    if point == sys.argv[1] and COUNTS[point] == int(sys.argv[2]):
        os.kill(os.getpid(), getattr(signal, f"SIG{sys.argv[3]}"))


def watch_renames() -> None:
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        name = os.path.basename(os.fspath(dst))
        reached(f"before-rename:{name}")
        real(src, dst, *args, **kwargs)
        reached(f"renamed:{name}")

    os.replace = replace


def watch_after(owner, method: str, point: str) -> None:
    real = getattr(owner, method)

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        reached(point)
        return result

    setattr(owner, method, wrapper)


def watch_mid_write() -> None:
    real = model_io._write_optimizer_weights

    def wrapper(group, *args, **kwargs):
        group.file.flush()
        reached("mid-write")
        return real(group, *args, **kwargs)

    model_io._write_optimizer_weights = wrapper


if __name__ == "__main__":
    watch_renames()
    watch_after(ModelCheckpoint, "on_epoch_end", "after:ModelCheckpoint")
    watch_after(CSVLogger, "on_epoch_end", "after:CSVLogger")
    watch_mid_write()
    from chainrule.cli.main import main
    from chainrule.cli.train import StopOnNonFiniteLoss

    watch_after(StopOnNonFiniteLoss, "on_train_batch_end", "batch")
    sys.exit(main(sys.argv[4:]))
