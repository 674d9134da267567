"""Shared fixtures: a seeded Generator for every test, and a fresh naming session."""
import numpy as np
import pytest

import chainrule
from chainrule.ops import conv
from chainrule.preprocessing.fast import png, warping
from chainrule.runtime import kernels

# Fixture scripts need TensorFlow or Keras 3 (a side venv): run by hand only, never collected.
collect_ignore_glob = ["fixtures/make_*.py"]


@pytest.fixture
def rng():
    """Randomness for tests comes from here, never from NumPy's global state."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session", autouse=True)
def _compiled_loops_loaded():
    """Load every Numba module (compiling them on a cold cache) before the first test.

    Loaded at first use instead, a module could be compiled on an image iterator's worker
    thread while a test runs, and Numba's compiler uses `warnings.catch_warnings`, which saves
    and later restores the process-wide warning filters: that can undo a test's own filter
    (`pytest.mark.filterwarnings`) midway. Loading here also keeps compile time out of tests.
    """
    if chainrule.config.kernels() == "numba":
        for name in (conv.LOOPS, warping.LOOPS, png.LOOPS):
            kernels.load(name)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts as a new Keras session (names conv2d, dense, ...) with a fixed seed,
    so weight initialisation does not depend on which tests ran before."""
    chainrule.clear_session()
    chainrule.set_random_seed(1234)
    yield


KERNEL_PATHS = ["numpy"] + (["numba"] if chainrule.config.kernels() == "numba" else [])


@pytest.fixture(params=KERNEL_PATHS)
def each_kernel_path(request):
    """Run a test once per kernel path: the NumPy reference and, when Numba is installed,
    the compiled loops (`chainrule.config.set_kernels`). Modules whose numbers must hold on
    every path use it with `pytestmark = pytest.mark.usefixtures("each_kernel_path")`."""
    default = chainrule.config.kernels()
    chainrule.config.set_kernels(request.param)
    yield request.param
    chainrule.config.set_kernels(default)
