"""Differentiable primitives: one small Function and one lower-case wrapper each.

Find an op's forward and backward in the module named after what it does:
arithmetic, reduction, shape, selection, linalg, activation, special, loss, conv,
conv_transpose, cropping, depthwise, pool, upsampling, normalization, layer_norm, dropout,
resize and projective (the image warps of the preprocessing layers), recurrent.
Window geometry is in windows.py, the im2col copies around conv in im2col.py; the array maths
of image resizing and warping in resize_weights.py and image_transform.py.
"""
from chainrule.ops.activation import (elu, leaky_relu, log_softmax, relu, sigmoid, softmax,
                                      softplus, tanh)
from chainrule.ops.arithmetic import (abs, add, clip, div, exp, log, maximum, mul, neg, power,
                                      sqrt, square, sub)
from chainrule.ops.conv import conv2d, conv_output_length, same_padding
from chainrule.ops.conv_transpose import conv2d_transpose, deconv_output_length
from chainrule.ops.cropping import crop
from chainrule.ops.depthwise import depthwise_conv2d
from chainrule.ops.dropout import dropout
from chainrule.ops.layer_norm import normalize
from chainrule.ops.linalg import matmul
from chainrule.ops.loss import (sigmoid_cross_entropy, softmax_cross_entropy,
                                sparse_softmax_cross_entropy)
from chainrule.ops.normalization import batch_norm
from chainrule.ops.pool import avg_pool2d, max_pool2d
from chainrule.ops.projective import projective_transform
from chainrule.ops.reduction import max, mean, sum
from chainrule.ops.recurrent import gru, lstm, simple_rnn
from chainrule.ops.resize import resize
from chainrule.ops.shape import cast, concat, flatten, getitem, pad, reshape, stack, transpose
from chainrule.ops.special import erf
from chainrule.ops.upsampling import upsampling2d

__all__ = ["abs", "add", "avg_pool2d", "batch_norm", "cast", "clip", "concat", "conv2d",
           "conv_output_length", "depthwise_conv2d", "div", "dropout", "elu", "exp", "flatten",
           "getitem",
           "leaky_relu", "log", "log_softmax", "matmul", "max", "max_pool2d", "maximum", "mean",
           "mul", "neg", "pad", "power", "relu", "reshape", "same_padding", "sigmoid",
           "sigmoid_cross_entropy", "softmax", "softmax_cross_entropy", "softplus",
           "sparse_softmax_cross_entropy", "sqrt", "square", "stack", "sub", "sum", "tanh",
           "transpose"]
__all__ += ["conv2d_transpose", "crop", "deconv_output_length", "erf", "normalize",
            "upsampling2d"]
__all__ += ["projective_transform", "resize"]
__all__ += ["gru", "lstm", "simple_rnn"]
