"""Keras-compatible layers. Import as `from chainrule import layers` or `chainrule.layers.X`."""
from chainrule.layers import experimental
from chainrule.layers.activation import ELU, LeakyReLU, PReLU
from chainrule.layers.augmentation import (RandomBrightness, RandomContrast, RandomCrop,
                                           RandomFlip, RandomRotation, RandomTranslation,
                                           RandomZoom)
from chainrule.layers.convolutional import Conv2D
from chainrule.layers.convolutional_1d import Conv1D
from chainrule.layers.convolutional_transpose import Conv2DTranspose, SeparableConv2D
from chainrule.layers.core import (Activation, Dense, Dropout, Embedding, Input, InputLayer, ReLU,
                                   Rescaling, Softmax)
from chainrule.layers.depthwise import DepthwiseConv2D
from chainrule.layers.input_spec import InputSpec
from chainrule.layers.lambda_layer import Lambda
from chainrule.layers.layer import Layer
from chainrule.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                      Subtract, add, average, concatenate, dot, maximum, minimum,
                                      multiply, subtract)
from chainrule.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout2D
from chainrule.layers.normalization import BatchNormalization, LayerNormalization
from chainrule.layers.pooling import (AveragePooling2D, GlobalAveragePooling2D,
                                      GlobalMaxPooling2D, MaxPooling2D)
from chainrule.layers.pooling_1d import (AveragePooling1D, GlobalAveragePooling1D,
                                         GlobalMaxPooling1D, MaxPooling1D)
from chainrule.layers.preprocessing import CenterCrop, Normalization, Resizing
from chainrule.layers.recurrent import GRU, LSTM, SimpleRNN
from chainrule.layers.reshaping import (Cropping2D, Flatten, Permute, RepeatVector, Reshape,
                                        UpSampling2D, ZeroPadding1D, ZeroPadding2D)
from chainrule.layers.variable import Variable

Conv2d = Convolution2D = Conv2D
Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D

__all__ = ["Activation", "Add", "CenterCrop", "Normalization", "RandomBrightness",
           "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
           "RandomZoom", "Resizing", "experimental", "AlphaDropout", "Average", "AveragePooling1D",
           "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization", "Concatenate",
           "Conv1D", "Conv2D", "Conv2DTranspose", "Conv2d", "Convolution1D", "Convolution2D",
           "Convolution2DTranspose", "Cropping2D", "Dense", "DepthwiseConv2D", "Dot", "Dropout",
           "ELU", "Embedding", "Flatten", "GRU", "GaussianDropout", "GaussianNoise",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D",
           "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "Input", "InputLayer", "InputSpec", "LSTM", "Lambda", "Layer",
           "LayerNormalization", "LeakyReLU", "MaxPool1D", "MaxPool2D", "MaxPooling1D",
           "MaxPooling2D", "Maximum", "Minimum", "Multiply", "PReLU", "Permute", "ReLU",
           "RepeatVector", "Rescaling", "Reshape", "SeparableConv2D", "SeparableConvolution2D",
           "SimpleRNN", "Softmax", "SpatialDropout2D", "Subtract", "UpSampling2D", "Variable",
           "ZeroPadding1D", "ZeroPadding2D", "add", "average", "concatenate", "dot", "maximum",
           "minimum", "multiply", "subtract"]
