"""OpenBLAS runs one thread inside the op threads' parallel region and its own count after."""
import pytest

from chainrule.ops import blas


@pytest.fixture
def openblas():
    calls = blas._openblas()
    if not calls:
        pytest.skip("NumPy is not linked against OpenBLAS here")
    return calls


def test_single_threaded_sets_one_thread_and_restores_the_count(openblas):
    get, set_ = openblas
    before = get()
    set_(2)
    try:
        with blas.single_threaded():
            assert get() == 1
            with blas.single_threaded():       # nested: the outer region restores
                assert get() == 1
            assert get() == 1
        assert get() == 2
    finally:
        set_(before)


def test_single_threaded_restores_after_an_exception(openblas):
    get, set_ = openblas
    before = get()
    with pytest.raises(RuntimeError):
        with blas.single_threaded():
            raise RuntimeError("op failed")
    assert get() == before
