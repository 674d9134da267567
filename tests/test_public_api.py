"""Every name in every `__all__` imports, and the flat API is what the docs promise."""
import importlib

import pytest

import chainrule

MODULES = ["chainrule", "chainrule.layers", "chainrule.ops", "chainrule.autodiff",
           "chainrule.callbacks", "chainrule.models", "chainrule.utils",
           "chainrule.applications", "chainrule.data", "chainrule.datasets",
           "chainrule.preprocessing", "chainrule.preprocessing.image"]


@pytest.mark.parametrize("module_name", MODULES)
def test_every_name_in_all_imports(module_name):
    module = importlib.import_module(module_name)
    assert module.__all__, f"{module_name}.__all__ is empty"
    assert len(set(module.__all__)) == len(module.__all__), "duplicate names"
    namespace = {}
    exec(f"from {module_name} import {', '.join(module.__all__)}", namespace)   # noqa: S102
    missing = [name for name in module.__all__ if name not in namespace]
    assert not missing


@pytest.mark.parametrize("module_name", MODULES)
def test_star_import_gives_exactly_all(module_name):
    namespace = {}
    exec(f"from {module_name} import *", namespace)                           # noqa: S102
    module = importlib.import_module(module_name)
    assert set(namespace) - {"__builtins__"} == set(module.__all__)


def test_top_level_shortcuts():
    assert chainrule.Tensor is chainrule.autodiff.Tensor
    assert chainrule.no_grad is chainrule.autodiff.no_grad
    assert chainrule.clear_session is chainrule.utils.clear_session
    assert chainrule.set_random_seed is chainrule.utils.set_random_seed
    assert isinstance(chainrule.__version__, str)


def test_keras_style_imports():
    from chainrule.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from chainrule.models import Sequential

    model = Sequential([Conv2D(2, 3, input_shape=(6, 6, 1)), MaxPooling2D(), Flatten(), Dense(3)])
    assert model.count_params() == (3 * 3 * 1 + 1) * 2 + (2 * 2 * 2 + 1) * 3
