"""Every architecture runs a forward pass on a small batch and gives the expected output shape."""

import pytest
import torch

from dlbook import nn as dnn


def _forward(model, shape):
    model.eval()
    with torch.no_grad():
        return model(torch.rand(shape))


@pytest.mark.parametrize(
    "builder, kwargs, in_shape, out_shape",
    [
        (dnn.lenet5, {}, (2, 1, 32, 32), (2, 10)),
        (dnn.lenet5, {"input_size": 28, "activation": "relu", "pooling": "max"}, (2, 1, 28, 28), (2, 10)),
        (dnn.alexnet, {"num_classes": 10}, (1, 3, 227, 227), (1, 10)),
        (dnn.vgg11, {"num_classes": 5}, (1, 3, 224, 224), (1, 5)),
        (dnn.googlenet, {"num_classes": 7}, (1, 3, 224, 224), (1, 7)),
        (dnn.googlenet, {"num_classes": 7, "torchvision_compat": True}, (1, 3, 224, 224), (1, 7)),
        (dnn.resnet18, {}, (1, 3, 224, 224), (1, 1000)),
        (dnn.resnet18, {"num_classes": 10, "small_input": True}, (2, 3, 32, 32), (2, 10)),
        (dnn.resnet50, {"num_classes": 4}, (1, 3, 224, 224), (1, 4)),
        (dnn.mobilenet_v2, {"num_classes": 3}, (1, 3, 224, 224), (1, 3)),
        (dnn.efficientnet_b0, {"num_classes": 3}, (1, 3, 224, 224), (1, 3)),
        (dnn.steering_net, {}, (2, 3, 66, 200), (2, 1)),
        (dnn.steering_net, {"input_shape": (3, 64, 128)}, (2, 3, 64, 128), (2, 1)),
        (dnn.small_cnn, {}, (4, 1, 28, 28), (4, 10)),
        (dnn.small_cnn, {"in_channels": 3, "num_classes": 2, "batch_norm": False}, (4, 3, 28, 28), (4, 2)),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_forward_gives_expected_output_shape(builder, kwargs, in_shape, out_shape):
    torch.manual_seed(0)
    assert tuple(_forward(builder(**kwargs), in_shape).shape) == out_shape


@pytest.mark.parametrize("builder", [dnn.vgg16, dnn.vgg19])
def test_big_vgg_forward_shape_on_meta_device(builder):
    # 138 M / 143 M weights: the forward pass runs on the meta device (shapes only).
    with torch.device("meta"):
        out = builder()(torch.zeros(2, 3, 224, 224))
    assert tuple(out.shape) == (2, 1000)


def test_alexnet_conv1_gives_55x55_on_227_but_not_on_224():
    conv1 = dnn.alexnet().conv1
    with torch.device("meta"):
        assert tuple(conv1(torch.zeros(1, 3, 227, 227)).shape) == (1, 96, 55, 55)
        assert tuple(conv1(torch.zeros(1, 3, 224, 224)).shape) == (1, 96, 54, 54)


def test_inception_block_concatenates_branches_and_keeps_size():
    block = dnn.InceptionBlock(192, 64, 96, 128, 16, 32, 32)
    out = _forward(block, (2, 192, 28, 28))
    assert block.out_channels == 256
    assert tuple(out.shape) == (2, 256, 28, 28)


def test_basic_block_uses_identity_shortcut_only_when_shape_is_kept():
    same = dnn.BasicBlock(64, 64)
    down = dnn.BasicBlock(64, 128, stride=2)
    assert isinstance(same.shortcut, torch.nn.Identity)
    assert not isinstance(down.shortcut, torch.nn.Identity)
    assert tuple(_forward(down, (1, 64, 16, 16)).shape) == (1, 128, 8, 8)


def test_residual_block_adds_its_input():
    block = dnn.BasicBlock(8, 8)
    for p in block.residual.parameters():  # F(x) = 0 → out = ReLU(x)
        torch.nn.init.zeros_(p)
    x = torch.randn(1, 8, 5, 5)
    with torch.no_grad():
        out = block.eval()(x)
    assert torch.allclose(out, torch.relu(x))


def test_bottleneck_expands_channels_by_four():
    block = dnn.Bottleneck(256, 64)
    assert isinstance(block.shortcut, torch.nn.Identity)
    assert tuple(_forward(dnn.Bottleneck(64, 64), (1, 64, 8, 8)).shape) == (1, 256, 8, 8)


def test_inverted_residual_uses_depthwise_convolution_and_shortcut():
    block = dnn.InvertedResidual(24, 24, stride=1, expand_ratio=6)
    depthwise = [m for m in block.modules() if isinstance(m, torch.nn.Conv2d) and m.groups > 1]
    assert len(depthwise) == 1 and depthwise[0].groups == 24 * 6
    assert block.use_shortcut
    assert not dnn.InvertedResidual(24, 32, stride=2, expand_ratio=6).use_shortcut


def test_squeeze_excitation_scales_each_channel_by_a_value_in_0_1():
    se = dnn.SqueezeExcitation(16, 4).eval()
    x = torch.rand(2, 16, 6, 6) + 0.1
    ratio = se(x) / x
    per_channel = ratio.flatten(2)
    assert torch.allclose(per_channel, per_channel[..., :1].expand_as(per_channel), atol=1e-6)
    assert ((ratio > 0) & (ratio < 1)).all()


def test_steering_net_flattens_1152_features_for_66x200():
    model = dnn.steering_net()
    fc1 = [m for m in model if isinstance(m, torch.nn.Linear)][0]
    assert fc1.in_features == 64 * 1 * 18 == 1152


def test_steering_net_rejects_too_small_images_in_vietnamese():
    with pytest.raises(ValueError, match="quá nhỏ"):
        dnn.steering_net(input_shape=(3, 32, 64))


def test_pixel_normalize_maps_0_255_to_minus1_1():
    norm = dnn.PixelNormalize()
    out = norm(torch.tensor([0.0, 127.5, 255.0]))
    assert torch.allclose(out, torch.tensor([-1.0, 0.0, 1.0]))


def test_lenet5_rejects_unknown_input_size():
    with pytest.raises(ValueError, match="input_size"):
        dnn.lenet5(input_size=64)
