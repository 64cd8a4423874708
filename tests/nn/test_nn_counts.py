"""Parameter counts of the classic architectures, computed, against the published figures.

Counting happens on the ``meta`` device: the modules are built without allocating weights, so
even VGG-19 (143 M parameters) is counted in milliseconds.
"""

import pytest
import torch

from dlbook import nn as dnn

# Published figures (typed here as published; the models' counts are computed).
PUBLISHED = {
    # The curriculum's AlexNet layer table (single tower, 227×227 input, no grouping); the sum of
    # its layers. The seed notes print 62,387,344, a typo.
    "alexnet": 62_378_344,
    # torchvision.models documentation, "num_params" of the ImageNet weights of each model.
    "vgg11": 132_863_336,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "efficientnet_b0": 5_288_548,
    # LeNet-5 in its common modern form (LeCun et al. 1998 layer sizes: conv 6@5×5 and 16@5×5 on
    # a 32×32 input, FC 120, 84, 10, no trainable subsampling, full C3 connections).
    "lenet5": 61_706,
}


def _count_on_meta(builder, **kwargs):
    with torch.device("meta"):
        return dnn.count_parameters(builder(**kwargs))


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_parameter_count_matches_published_figure(name):
    assert _count_on_meta(getattr(dnn, name)) == PUBLISHED[name]


def test_googlenet_torchvision_variant_matches_torchvision_count():
    # torchvision.models.googlenet documentation (GoogLeNet_Weights.IMAGENET1K_V1, without the
    # auxiliary classifiers): 6,624,904.
    assert _count_on_meta(dnn.googlenet, torchvision_compat=True) == 6_624_904


def test_googlenet_with_5x5_branch_differs_from_torchvision_by_the_5x5_kernels_only():
    # Same network with batch norm; only the third branch's kernel differs (5×5 vs 3×3), so the
    # difference is sum over the 9 modules of c5_reduce·c5·(25 − 9).
    from dlbook.nn.googlenet import INCEPTION_CONFIG

    extra = sum(c5r * c5 * (25 - 9) for (_, _, _, c5r, c5, _) in INCEPTION_CONFIG.values())
    with_bn = _count_on_meta(dnn.googlenet, batch_norm=True)
    assert with_bn - 6_624_904 == extra == 380_928


def test_googlenet_paper_version_is_close_to_the_papers_6_8_million():
    # Szegedy et al. 2015, Table 1: the "params" column sums to about 6.8 M (rounded figures).
    count = _count_on_meta(dnn.googlenet)
    assert abs(count - 6.8e6) / 6.8e6 < 0.03


def test_inception_3a_matches_table_1_of_the_paper():
    # Table 1 of the paper gives 159K parameters for inception (3a) (K = 1024).
    block = dnn.InceptionBlock(192, 64, 96, 128, 16, 32, 32)
    assert round(dnn.count_parameters(block) / 1024) in (159, 160)


def test_steering_net_matches_layer_arithmetic_and_nvidia_figure():
    # Bojarski et al. 2016, Fig. 4: 66×200×3 input, conv 24/36/48 5×5 stride 2, conv 64/64 3×3,
    # FC 100/50/10/1; the paper: "about 250 thousand parameters".
    convs = 24 * (5 * 5 * 3 + 1) + 36 * (5 * 5 * 24 + 1) + 48 * (5 * 5 * 36 + 1)
    convs += 64 * (3 * 3 * 48 + 1) + 64 * (3 * 3 * 64 + 1)
    dense = (1152 * 100 + 100) + (100 * 50 + 50) + (50 * 10 + 10) + (10 + 1)
    count = _count_on_meta(dnn.steering_net)
    assert count == convs + dense == 252_219
    assert abs(count - 250_000) / 250_000 < 0.01


def test_lenet5_count_equals_layer_arithmetic():
    expected = 6 * (5 * 5 * 1 + 1) + 16 * (5 * 5 * 6 + 1) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert _count_on_meta(dnn.lenet5) == expected


def test_alexnet_head_size_follows_num_classes():
    assert _count_on_meta(dnn.alexnet) - _count_on_meta(dnn.alexnet, num_classes=10) == 4096 * 990 + 990


def test_small_cnn_count_equals_layer_arithmetic():
    # conv 32@3×3 (no bias, BN: 2 per channel), conv 64@3×3, FC 3136 → 128 → 10
    expected = (32 * 9 + 2 * 32) + (64 * 32 * 9 + 2 * 64) + (3136 * 128 + 128) + (128 * 10 + 10)
    assert _count_on_meta(dnn.small_cnn) == expected
