"""From-scratch layers with ``forward``/``backward`` (one layer per module)."""

from dlbook.scratch.layers.activation import (
    Activation,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from dlbook.scratch.layers.avgpool2d import AvgPool2D
from dlbook.scratch.layers.base import Layer
from dlbook.scratch.layers.batchnorm import BatchNorm
from dlbook.scratch.layers.conv2d import (
    Conv2D,
    conv2d_backward_im2col,
    conv2d_backward_naive,
    conv2d_im2col,
    conv2d_naive,
)
from dlbook.scratch.layers.dense import Dense
from dlbook.scratch.layers.dropout import Dropout
from dlbook.scratch.layers.flatten import Flatten
from dlbook.scratch.layers.layernorm import LayerNorm, layer_norm_backward, layer_norm_forward
from dlbook.scratch.layers.im2col import col2im, conv_output_size, im2col
from dlbook.scratch.layers.maxpool2d import MaxPool2D
from dlbook.scratch.layers.softmax_cross_entropy import SoftmaxCrossEntropy
from dlbook.scratch.layers.transposed_conv import ConvTranspose2D

__all__ = [
    "Activation",
    "AvgPool2D",
    "BatchNorm",
    "Conv2D",
    "ConvTranspose2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "LayerNorm",
    "layer_norm_backward",
    "layer_norm_forward",
    "LeakyReLU",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Tanh",
    "col2im",
    "conv2d_backward_im2col",
    "conv2d_backward_naive",
    "conv2d_im2col",
    "conv2d_naive",
    "conv_output_size",
    "im2col",
]
