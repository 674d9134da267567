"""The Numba loader: loads at first use (or `load`), in the calling thread, never behind it."""
import threading

import numpy as np
import pytest

from chainrule import config
from chainrule.ops import conv
from chainrule.runtime import kernels


@pytest.fixture
def fresh_loader(monkeypatch):
    """kernels.compiled as in a new process: nothing loaded yet, Numba the default."""
    pytest.importorskip("numba")
    monkeypatch.setattr(kernels, "_loaded", {})
    monkeypatch.setattr(config, "_KERNELS", "numba")
    monkeypatch.setattr(config, "_KERNELS_REQUESTED", False)
    return monkeypatch


def test_the_first_use_loads_the_loops_in_the_calling_thread(fresh_loader):
    from chainrule.ops import numba_kernels

    before = threading.active_count()
    assert kernels.compiled(np, conv.LOOPS) is numba_kernels
    assert threading.active_count() == before          # no loader thread left behind
    assert kernels.compiled(np, conv.LOOPS) is numba_kernels


def test_load_ahead_of_time_serves_the_later_calls(fresh_loader):
    from chainrule.ops import numba_kernels

    assert kernels.load(conv.LOOPS) is numba_kernels
    assert kernels._loaded == {conv.LOOPS: numba_kernels}


def test_numpy_kernels_or_cupy_arrays_never_load(fresh_loader):
    class FakeCupy:
        __name__ = "cupy"

    assert kernels.compiled(FakeCupy(), conv.LOOPS) is None
    fresh_loader.setattr(config, "_KERNELS", "numpy")
    assert kernels.compiled(np, conv.LOOPS) is None
    assert kernels._loaded == {}


def test_a_failed_default_load_is_logged_once_and_leaves_numpy(fresh_loader, caplog):
    calls = []

    def broken(name):
        calls.append(name)
        raise ImportError("no LLVM here")

    fresh_loader.setattr(kernels.importlib, "import_module", broken)
    assert kernels.compiled(np, conv.LOOPS) is None
    assert kernels.compiled(np, conv.LOOPS) is None
    assert calls == [conv.LOOPS]
    assert "Numba kernels could not be loaded (no LLVM here)" in caplog.text


def test_a_failed_requested_load_raises(fresh_loader):
    fresh_loader.setattr(config, "_KERNELS_REQUESTED", True)

    def broken(name):
        raise ImportError("no LLVM here")

    fresh_loader.setattr(kernels.importlib, "import_module", broken)
    with pytest.raises(ImportError, match="no LLVM here"):
        kernels.compiled(np, conv.LOOPS)
