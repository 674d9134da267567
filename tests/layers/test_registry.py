"""The layer registry: chainrule's classes by name, user classes only through custom objects."""
import pytest

from chainrule import layers, models
from chainrule.layers.layer import Layer
from chainrule.layers.registry import builtin_class, custom_object_scope, find_class


def test_every_public_layer_class_is_found_by_its_class_name():
    classes = {getattr(layers, name) for name in layers.__all__}
    for cls in classes:
        if isinstance(cls, type) and issubclass(cls, Layer):
            assert find_class(cls.__name__) is cls


def test_models_register_themselves_and_model_means_functional():
    assert builtin_class("Sequential") is models.Sequential
    assert builtin_class("Functional") is models.Functional
    assert builtin_class("Model") is models.Functional      # older Keras files


def test_a_user_subclass_is_not_registered():
    class Doubler(layers.Dense):
        pass

    with pytest.raises(ValueError, match="Unknown layer: 'Doubler'"):
        find_class("Doubler")
    with custom_object_scope({"Doubler": Doubler}):
        assert find_class("Doubler") is Doubler
