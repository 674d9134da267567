"""`import chainrule as keras` works as `from tensorflow import keras` for the names programs use.
"""
import importlib

import pytest

import chainrule

SUBMODULES = ["layers", "models", "optimizers", "losses", "metrics", "callbacks", "utils",
              "datasets", "backend", "regularizers", "constraints", "initializers", "activations",
              "applications", "preprocessing", "math", "nn", "random", "data", "image", "version",
              "compat", "train"]


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_are_attributes_and_importable(name):
    assert getattr(chainrule, name) is importlib.import_module(f"chainrule.{name}")


def test_top_level_names():
    from chainrule import Input, Model, Sequential, layers
    from chainrule.models import Sequential as S

    assert Sequential is S and Model is chainrule.models.Model and layers.Dense
    assert Input((3,)).shape == (None, 3)
    for name in chainrule.__all__:
        assert hasattr(chainrule, name), name
    assert chainrule.preprocessing.image_dataset_from_directory is \
        chainrule.utils.image_dataset_from_directory


def test_regularizers_and_constraints_are_usable():
    import numpy as np

    from chainrule import constraints, regularizers

    w = np.array([[3.0, -4.0]])
    assert float(regularizers.l2(0.5)(w)) == 12.5 and float(regularizers.L1L2(1.0)(w)) == 7.0
    assert isinstance(regularizers.get("l1"), regularizers.L1)
    assert constraints.NonNeg()(w).tolist() == [[3.0, 0.0]]
    np.testing.assert_allclose(constraints.MaxNorm(2, axis=1)(w), [[1.2, -1.6]], rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown regularizer"):
        regularizers.get("l3")


def test_utils_names_are_the_preprocessing_functions():
    from chainrule.preprocessing import image_io

    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(chainrule.utils, name) is getattr(image_io, name)
        assert getattr(chainrule.preprocessing.image, name) is getattr(image_io, name)
    for name in ("to_categorical", "normalize", "get_file", "set_random_seed", "Sequence",
                 "PyDataset", "plot_model", "image_dataset_from_directory"):
        assert callable(getattr(chainrule.utils, name))
