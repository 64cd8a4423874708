"""count_parameters and parameter_table (the layer tables the book prints)."""

import pytest
import torch

from dlbook import nn as dnn


def test_count_parameters_counts_weights_and_biases():
    assert dnn.count_parameters(torch.nn.Linear(3, 2)) == 3 * 2 + 2


def test_count_parameters_trainable_only_skips_frozen_layers():
    model = dnn.mlp([4, 8, 2])
    for p in model[0].parameters():
        p.requires_grad_(False)
    assert dnn.count_parameters(model) == (4 * 8 + 8) + (8 * 2 + 2)
    assert dnn.count_parameters(model, trainable_only=True) == 8 * 2 + 2


def test_count_parameters_rejects_non_module():
    with pytest.raises(TypeError, match="nn.Module"):
        dnn.count_parameters([1, 2, 3])


def test_alexnet_table_has_curriculum_shapes_and_counts():
    with torch.device("meta"):
        table = dnn.parameter_table(dnn.alexnet(), (3, 227, 227))
    rows = {r["Tầng"]: r for _, r in table.iterrows()}
    assert rows["conv1"]["Kích thước đầu ra"] == (96, 55, 55)
    assert rows["conv1"]["Số tham số"] == 96 * (11 * 11 * 3) + 96
    assert rows["pool5"]["Kích thước đầu ra"] == (256, 6, 6)
    assert rows["fc6"]["Số tham số"] == 9216 * 4096 + 4096
    assert table["Số tham số"].sum() == table.attrs["total"] == 62_378_344


def test_vgg16_table_ends_with_7x7x512_and_sums_to_total():
    with torch.device("meta"):
        table = dnn.parameter_table(dnn.vgg16(), (3, 224, 224))
    convs = table[table["Loại"] == "Conv2d"]
    assert len(convs) == 13
    assert table[table["Tầng"] == "features.block5_pool"]["Kích thước đầu ra"].item() == (512, 7, 7)
    assert table["Số tham số"].sum() == table.attrs["total"] == 138_357_544


def test_parameter_table_hides_activations_unless_show_all():
    model = dnn.mlp([2, 3, 1], "sigmoid")
    short = dnn.parameter_table(model, (2,))
    full = dnn.parameter_table(model, (2,), show_all=True)
    assert list(short["Loại"]) == ["Linear", "Linear"]
    assert list(full["Loại"]) == ["Linear", "Sigmoid", "Linear"]


def test_parameter_table_depth_groups_rows():
    with torch.device("meta"):
        table = dnn.parameter_table(dnn.resnet18(), (3, 224, 224), depth=1)
    assert list(table["Tầng"]) == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert table["Số tham số"].sum() == 11_689_512


def test_parameter_table_keeps_training_mode_and_rejects_bad_shape():
    model = dnn.small_cnn().train()
    dnn.parameter_table(model, (1, 28, 28))
    assert model.training
    with pytest.raises(ValueError, match="input_shape"):
        dnn.parameter_table(model, (1, 0, 28))
