"""Shared fixtures: a seeded Generator for every test, and a fresh naming session."""
import numpy as np
import pytest

import chainrule

collect_ignore = ["fixtures/make_keras_reference.py"]  # needs TensorFlow; run by hand only


@pytest.fixture
def rng():
    """Randomness for tests comes from here, never from NumPy's global state."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts as a new Keras session (names conv2d, dense, ...) with a fixed seed,
    so weight initialisation does not depend on which tests ran before."""
    chainrule.clear_session()
    chainrule.set_random_seed(1234)
    yield
