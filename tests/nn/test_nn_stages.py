"""The classic architectures stage by stage, against the tables of their papers.

torchvision (the usual reference) has no CPU build here, so each network is checked against the
published architecture tables instead: the output size (channels × height × width) after every
stage for a 224×224 input, and the parameter count of every stage, either as printed in the paper
(GoogLeNet's Table 1) or worked out from the table's layer list (kernel sizes and widths) with
the arithmetic written out below, independently of dlbook's code. Forward passes run on the
``meta`` device (shapes only, no weights allocated).
"""

from __future__ import annotations

import pytest
import torch

from dlbook import nn as dnn


def _stage_outputs(model: torch.nn.Module, stages: dict[str, torch.nn.Module], size=224):
    """Output shape (C, H, W) of each named stage for one `size`×`size` RGB image."""
    shapes: dict[str, tuple] = {}
    hooks = [m.register_forward_hook(lambda mod, args, out, name=name: shapes.__setitem__(
        name, tuple(out.shape[1:]))) for name, m in stages.items()]
    with torch.device("meta"):
        model.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return shapes


def _meta(builder, **kwargs) -> torch.nn.Module:
    """The model with its parameters on the meta device (sizes only)."""
    with torch.device("meta"):
        return builder(**kwargs)


def conv(c_in, c_out, k, bias=True):
    return c_in * c_out * k * k + (c_out if bias else 0)


def bn(c):
    return 2 * c


def linear(n_in, n_out):
    return n_in * n_out + n_out


# --- AlexNet: the curriculum's layer table (single tower, 227×227 input) -----------------------

def test_alexnet_layer_by_layer():
    model = _meta(dnn.alexnet)
    layers = {name: getattr(model, name) for name in ("conv1", "conv2", "conv3", "conv4", "conv5",
                                                       "fc6", "fc7", "fc8")}
    shapes = _stage_outputs(model, {k: v for k, v in layers.items() if k.startswith("conv")}, 227)
    assert shapes == {"conv1": (96, 55, 55), "conv2": (256, 27, 27), "conv3": (384, 13, 13),
                      "conv4": (384, 13, 13), "conv5": (256, 13, 13)}
    expected = {"conv1": conv(3, 96, 11), "conv2": conv(96, 256, 5), "conv3": conv(256, 384, 3),
                "conv4": conv(384, 384, 3), "conv5": conv(384, 256, 3),
                "fc6": linear(256 * 6 * 6, 4096), "fc7": linear(4096, 4096), "fc8": linear(4096, 1000)}
    assert {k: dnn.count_parameters(v) for k, v in layers.items()} == expected
    assert expected["conv1"] == 34_944 and expected["fc6"] == 37_752_832  # the table's rows


# --- VGG-16: Simonyan & Zisserman 2015, Table 1, configuration D ------------------------------

def _vgg_blocks(model):
    """The five conv blocks of `features`, each ending with its max pooling."""
    return {f"block{b}": [m for n, m in model.features.named_children() if n.startswith(f"block{b}_")]
            for b in range(1, 6)}


def test_vgg16_block_by_block():
    model = _meta(dnn.vgg16)
    blocks = _vgg_blocks(model)
    shapes = _stage_outputs(model, {b: layers[-1] for b, layers in blocks.items()})
    assert shapes == {"block1": (64, 112, 112), "block2": (128, 56, 56), "block3": (256, 28, 28),
                      "block4": (512, 14, 14), "block5": (512, 7, 7)}
    widths = {"block1": (3, 64, 64), "block2": (64, 128, 128), "block3": (128, 256, 256, 256),
              "block4": (256, 512, 512, 512), "block5": (512, 512, 512, 512)}
    expected = {b: sum(conv(a, c, 3) for a, c in zip(w, w[1:])) for b, w in widths.items()}
    counted = {b: sum(dnn.count_parameters(m) for m in layers) for b, layers in blocks.items()}
    assert counted == expected
    assert sum(expected.values()) == 14_714_688  # the convolutional part of VGG-16
    fc = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert [dnn.count_parameters(m) for m in fc] == [linear(512 * 7 * 7, 4096), linear(4096, 4096),
                                                    linear(4096, 1000)]


# --- ResNet: He et al. 2016, Table 1 ---------------------------------------------------------

def basic_block(c_in, c, projection):
    return conv(c_in, c, 3, False) + bn(c) + conv(c, c, 3, False) + bn(c) + (
        conv(c_in, c, 1, False) + bn(c) if projection else 0)


def bottleneck(c_in, c, projection):
    return (conv(c_in, c, 1, False) + bn(c) + conv(c, c, 3, False) + bn(c)
            + conv(c, 4 * c, 1, False) + bn(4 * c)
            + (conv(c_in, 4 * c, 1, False) + bn(4 * c) if projection else 0))


def resnet_stage_params(block, expansion, blocks):
    """Parameters of conv2_x … conv5_x from Table 1: widths 64, 128, 256, 512 and the block counts."""
    out, c_in = [], 64
    for c, n in zip((64, 128, 256, 512), blocks):
        total = 0
        for j in range(n):
            total += block(c_in, c, projection=j == 0 and (c_in != c * expansion or c != 64))
            c_in = c * expansion
        out.append(total)
    return out


@pytest.mark.parametrize("builder, block, expansion, blocks", [
    (dnn.resnet18, basic_block, 1, [2, 2, 2, 2]),
    (dnn.resnet34, basic_block, 1, [3, 4, 6, 3]),
    (dnn.resnet50, bottleneck, 4, [3, 4, 6, 3]),
], ids=["resnet18", "resnet34", "resnet50"])
def test_resnet_stage_by_stage(builder, block, expansion, blocks):
    model = _meta(builder)
    stages = {"conv1": model.stem[2], "conv2_x": model.layer1, "conv3_x": model.layer2,
              "conv4_x": model.layer3, "conv5_x": model.layer4}
    shapes = _stage_outputs(model, stages)
    widths = [64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion]
    assert shapes == {"conv1": (64, 112, 112), "conv2_x": (widths[0], 56, 56),
                      "conv3_x": (widths[1], 28, 28), "conv4_x": (widths[2], 14, 14),
                      "conv5_x": (widths[3], 7, 7)}
    assert dnn.count_parameters(model.stem) == conv(3, 64, 7, False) + bn(64)
    counted = [dnn.count_parameters(s) for s in (model.layer1, model.layer2, model.layer3, model.layer4)]
    assert counted == resnet_stage_params(block, expansion, blocks)
    assert dnn.count_parameters(model.head) == linear(512 * expansion, 1000)


# --- MobileNet v2 (Sandler et al. 2018, Table 2) and EfficientNet-B0 (Tan & Le 2019, Table 1) --
# One row of each table is a stage: the stem convolution, the rows of bottleneck blocks (n blocks
# each), the final 1×1 convolution; `ends` is the index of a row's last module in `features`.
# EfficientNet's table gives each stage's input resolution: a stage's output is the next's input.

@pytest.mark.parametrize("builder, ends, outputs", [
    (dnn.mobilenet_v2, [0, 1, 3, 6, 10, 13, 16, 17, 18],  # n = 1, 2, 3, 4, 3, 3, 1
     [(32, 112), (16, 112), (24, 56), (32, 28), (64, 14), (96, 14), (160, 7), (320, 7), (1280, 7)]),
    (dnn.efficientnet_b0, [0, 1, 3, 5, 8, 11, 15, 16, 17],  # n = 1, 2, 2, 3, 3, 4, 1
     [(32, 112), (16, 112), (24, 56), (40, 28), (80, 14), (112, 14), (192, 7), (320, 7), (1280, 7)]),
], ids=["mobilenet_v2", "efficientnet_b0"])
def test_mobile_networks_row_by_row(builder, ends, outputs):
    model = _meta(builder)
    features = model[0]
    assert len(features) == ends[-1] + 1
    shapes = _stage_outputs(model, {f"row{i}": features[e] for i, e in enumerate(ends)})
    assert list(shapes.values()) == [(c, size, size) for c, size in outputs]


def inverted_residual(c_in, c_out, t, k=3):
    hidden = c_in * t
    expand = conv(c_in, hidden, 1, False) + bn(hidden) if t != 1 else 0
    return expand + hidden * k * k + bn(hidden) + conv(hidden, c_out, 1, False) + bn(c_out)


def test_mobilenet_v2_blocks_have_the_tables_parameters():
    features = _meta(dnn.mobilenet_v2)[0]
    rows = [(1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3), (6, 160, 3), (6, 320, 1)]
    expected, c_in = [conv(3, 32, 3, False) + bn(32)], 32
    for t, c, n in rows:
        for _ in range(n):
            expected.append(inverted_residual(c_in, c, t))
            c_in = c
    expected.append(conv(320, 1280, 1, False) + bn(1280))
    assert [dnn.count_parameters(m) for m in features] == expected


# --- GoogLeNet: Szegedy et al. 2015, Table 1 -----------------------------------------------

GOOGLENET_TABLE = {  # name: output (channels, size); widths #1×1, #3×3 reduce, #3×3, #5×5 reduce,
    # #5×5, pool proj; the "params" column (K = 1024 weights, biases not counted)
    "3a": (256, 28, (64, 96, 128, 16, 32, 32), 159),
    "3b": (480, 28, (128, 128, 192, 32, 96, 64), 380),
    "4a": (512, 14, (192, 96, 208, 16, 48, 64), 364),
    "4b": (512, 14, (160, 112, 224, 24, 64, 64), 437),
    "4c": (512, 14, (128, 128, 256, 24, 64, 64), 463),
    "4d": (528, 14, (112, 144, 288, 32, 64, 64), 580),
    "4e": (832, 14, (256, 160, 320, 32, 128, 128), 840),
    "5a": (832, 7, (256, 160, 320, 32, 128, 128), 1072),
    "5b": (1024, 7, (384, 192, 384, 48, 128, 128), 1388),
}
# The column does not follow from the table's own widths in two rows: 4c's widths give 497.5 K
# (printed 463 K) and 5a's 1,018 K (printed 1,072 K). Those two rows are checked by the widths.
INCONSISTENT_ROWS = {"4c", "5a"}


def inception_weights(c_in, c1, c3r, c3, c5r, c5, proj):
    return c_in * c1 + c_in * c3r + 9 * c3r * c3 + c_in * c5r + 25 * c5r * c5 + c_in * proj


def test_googlenet_module_by_module():
    model = _meta(dnn.googlenet)
    blocks = [m for m in model.inception if isinstance(m, dnn.InceptionBlock)]
    named = dict(zip(GOOGLENET_TABLE, blocks))
    shapes = _stage_outputs(model, {"stem": model.stem, **named})
    assert shapes["stem"] == (192, 28, 28)
    c_in = 192
    for name, (channels, size, widths, params_k) in GOOGLENET_TABLE.items():
        assert shapes[name] == (channels, size, size), name
        weights = sum(p.numel() for n, p in named[name].named_parameters() if n.endswith("weight"))
        assert weights == inception_weights(c_in, *widths), name
        if name not in INCONSISTENT_ROWS:
            assert abs(weights / 1024 - params_k) <= 0.02 * params_k, (name, weights / 1024)
        c_in = channels
    assert dnn.count_parameters(model.head) == linear(1024, 1000)  # the table's "linear 1000K"


def test_the_two_inconsistent_rows_of_googlenets_table_really_are():
    c_in = {"4c": 512, "5a": 832}
    for name in INCONSISTENT_ROWS:
        _, _, widths, params_k = GOOGLENET_TABLE[name]
        assert abs(inception_weights(c_in[name], *widths) / 1024 - params_k) > 0.04 * params_k
