"""Shared fixtures: a seeded Generator for every test, and a fresh naming session."""
import numpy as np
import pytest

import chainrule


@pytest.fixture
def rng():
    """Randomness for tests comes from here, never from NumPy's global state."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts its auto layer names at conv2d, dense, ... as a new Keras session."""
    chainrule.clear_session()
    yield
