"""Issue 14, class 9: `chainrule train` killed with SIGKILL at any moment, then continued with
`--resume`, ends with the files of an uninterrupted run, weights bit for bit.

The kills land in every window between two writes of an epoch's end and of the start and the
report (named points of tests/cli/kill_runner.py), and at random (seeded) wall-clock moments.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from chainrule.cli.main import main
from tests.image_folders import shape_folder

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("kill_runner.py")
ARGS = ["--model", "mlp", "--image-size", "8", "--batch-size", "4", "--epochs", "3",
        "--augment", "lecture", "--seed", "5"]

# Each scenario: the kills of successive sessions, as (point, n: the n-th time it is reached).
NAMED = {
    "after the start, before any epoch": [("renamed:config.json", 1)],
    "best.weights.h5 new, the epoch not committed": [("after:ModelCheckpoint", 2)],
    "history.csv has a row of an uncommitted epoch": [("after:CSVLogger", 1)],
    "half a temporary last.h5": [("mid-write", 2)],
    "a whole temporary last.h5, not renamed": [("before-rename:last.h5", 2)],
    "an epoch just committed": [("renamed:last.h5", 1)],
    "all epochs committed, no report yet": [("renamed:last.h5", 3)],
    "during the report": [("before-rename:metrics.json", 1)],
    "killed again while resuming": [("after:CSVLogger", 2), ("renamed:history.csv", 1)],
}
RANDOM_KILLS = 3
SEED = 14


def command(data: Path, out: Path) -> list[str]:
    return ["train", str(data), "--out", str(out), *ARGS]


def subprocess_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """(data folder, the run trained without interruption, seconds from its config.json to
    its report.md: the time it wrote and trained)."""
    root = tmp_path_factory.mktemp("kill")
    data = shape_folder(root / "data", per_class=6, size=30)
    done = subprocess.run([sys.executable, "-m", "chainrule.cli.main",
                           *command(data, root / "straight")], env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    run = root / "straight"
    return data, run, (run / "report.md").stat().st_mtime - (run / "config.json").stat().st_mtime


def kill_at(point: str, n: int, argv: list[str], how: str = "KILL") -> int:
    """Run `chainrule argv` in a new process that sends itself SIG`how` at the n-th `point`;
    returns its exit status (a kill is checked to have happened)."""
    done = subprocess.run([sys.executable, str(RUNNER), point, str(n), how, *argv],
                          env=subprocess_env(), capture_output=True, text=True, timeout=300)
    if how == "KILL":
        assert done.returncode == -signal.SIGKILL, (point, n, done.returncode, done.stderr)
    return done.returncode


def kill_after(seconds: float, argv: list[str], started: Path) -> bool:
    """Run `chainrule argv` in a new process and kill it `seconds` after the file `started`
    appears; False if it ended first."""
    process = subprocess.Popen([sys.executable, "-m", "chainrule.cli.main", *argv],
                               env=subprocess_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        while not started.exists() and process.poll() is None:
            time.sleep(0.005)
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def continue_run(data: Path, out: Path, capsys) -> None:
    """What a user does after a kill: `--resume` (which says when the run had finished), or
    the command again if the run had not started (no config.json: `--resume` says so)."""
    if (out / "config.json").exists():
        code = main(["train", "--resume", str(out)])
        err = capsys.readouterr().err
        assert code == 0 or "has already trained 3 of 3 epochs" in err, err   # killed at exit
    else:
        assert main(["train", "--resume", str(out)]) == 2
        err = capsys.readouterr().err
        assert "start a run with" in err or "no such run directory" in err, err
        assert main(command(data, out)) == 0, capsys.readouterr().err


def h5_arrays(path: Path) -> dict:
    """Every dataset of an HDF5 file: dtype, shape and bytes."""
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: found.__setitem__(name, _exact(item[()]))
                     if isinstance(item, h5py.Dataset) else None)
    return found


def _exact(value):
    array = np.asarray(value)
    return array.dtype.str, array.shape, array.tobytes()


def assert_same_run(expected: Path, got: Path) -> None:
    """The same files; same bytes, and for the .h5 files the same arrays bit for bit."""
    names = sorted(p.name for p in expected.iterdir())
    assert sorted(p.name for p in got.iterdir()) == names        # no .tmp, no .report-pending
    for name in names:
        if name.endswith(".h5"):
            a, b = h5_arrays(expected / name), h5_arrays(got / name)
            assert a.keys() == b.keys() and a, name
            assert [k for k in a if a[k] != b[k]] == [], name
        else:
            assert (expected / name).read_bytes() == (got / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(NAMED))
def test_a_kill_in_each_window_then_resume_gives_the_uninterrupted_run(straight, tmp_path,
                                                                       capsys, scenario):
    data, expected, _ = straight
    out = tmp_path / "run"
    argv = command(data, out)
    for point, n in NAMED[scenario]:
        kill_at(point, n, argv if not out.exists() else ["train", "--resume", str(out)])
    continue_run(data, out, capsys)
    assert_same_run(expected, out)


@pytest.mark.slow
def test_ctrl_c_in_an_epoch_then_resume_gives_the_uninterrupted_run(straight, tmp_path,
                                                                     capsys):
    """The epoch cut short by Ctrl-C is not committed: --resume trains it again in full."""
    data, expected, _ = straight
    out = tmp_path / "run"
    assert kill_at("batch", 6, command(data, out), how="INT") == 0    # epoch 2, batch 2
    assert "stopped early by Ctrl-C" in (out / "report.md").read_text()
    assert main(["train", "--resume", str(out)]) == 0
    assert "after epoch 1." in capsys.readouterr().out                 # epoch 2 again
    assert_same_run(expected, out)


@pytest.mark.slow
@pytest.mark.parametrize("draw", range(RANDOM_KILLS))
def test_a_kill_at_a_random_moment_then_resume_gives_the_uninterrupted_run(straight, tmp_path,
                                                                           capsys, draw):
    data, expected, seconds = straight
    moment = np.random.default_rng([SEED, draw]).uniform(0.0, 0.9) * seconds
    out = tmp_path / "run"
    if kill_after(moment, command(data, out), started=out / "config.json"):
        continue_run(data, out, capsys)
    assert_same_run(expected, out)
