"""Saving and loading: weights and whole models in Keras 2's legacy HDF5 layout.

    model.save_weights("tmp_checkpoint.ckpt")     # one HDF5 file at exactly that path
    model.load_weights("tmp_checkpoint.ckpt")     # also reads Keras' .h5 weight files
    model.save("model.h5")                        # architecture + weights + optimizer
    model = chainrule.models.load_model("model.h5")

Every write is atomic: a crash mid-save never destroys the previous file.
"""
from chainrule.saving.model_io import load_model, save_model
from chainrule.saving.serialization import (custom_object_scope, deserialize_layer,
                                            serialize_layer)
from chainrule.saving.weights import load_weights, save_weights

__all__ = ["custom_object_scope", "deserialize_layer", "load_model", "load_weights",
           "save_model", "save_weights", "serialize_layer"]
