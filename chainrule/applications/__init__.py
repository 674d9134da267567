"""Ready-made image models with Keras' names and weight files (`keras.applications`).

    from chainrule.applications import VGG16
    base = VGG16(weights="imagenet", include_top=False, input_shape=(150, 150, 3))
    base.trainable = False            # freeze before compile; summary() shows the counts

Each model comes with its `preprocess_input` and `decode_predictions`
(`chainrule.applications.vgg16.preprocess_input`), and `extract_features` runs a frozen
base once over a dataset so that only a small head needs training.
"""
from chainrule.applications import imagenet_utils, mobilenet_v2, resnet, vgg16, vgg19
from chainrule.applications.feature_extraction import extract_features
from chainrule.applications.mobilenet_v2 import MobileNetV2
from chainrule.applications.resnet import ResNet50
from chainrule.applications.vgg16 import VGG16
from chainrule.applications.vgg19 import VGG19

__all__ = ["MobileNetV2", "ResNet50", "VGG16", "VGG19", "extract_features", "imagenet_utils",
           "mobilenet_v2", "resnet", "vgg16", "vgg19"]
