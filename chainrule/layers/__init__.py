"""Keras-compatible layers. Import as `from chainrule import layers` or `chainrule.layers.X`."""
from chainrule.layers.convolutional import Conv2D
from chainrule.layers.core import (Activation, Dense, Dropout, Input, InputLayer, ReLU, Rescaling,
                                   Softmax)
from chainrule.layers.depthwise import DepthwiseConv2D
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.layer import Layer
from chainrule.layers.merging import Add, Concatenate
from chainrule.layers.normalization import BatchNormalization
from chainrule.layers.pooling import (AveragePooling2D, GlobalAveragePooling2D,
                                      GlobalMaxPooling2D, MaxPooling2D)
from chainrule.layers.reshaping import Flatten, Reshape, ZeroPadding2D
from chainrule.layers.variable import Variable

Conv2d = Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D

__all__ = ["Activation", "Add", "AveragePooling2D", "AvgPool2D", "BatchNormalization",
           "Concatenate", "Conv2D", "Conv2d", "Convolution2D", "Dense", "DepthwiseConv2D",
           "Dropout", "Flatten",
           "GlobalAvgPool2D", "GlobalAveragePooling2D", "GlobalMaxPool2D", "GlobalMaxPooling2D",
           "Input", "InputLayer", "InputSpec", "Layer", "MaxPool2D", "MaxPooling2D", "ReLU",
           "Rescaling", "Reshape", "Softmax", "Variable", "ZeroPadding2D"]
