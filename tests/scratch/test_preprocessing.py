"""Scalers and train_test_split against scikit-learn."""

import numpy as np
import pytest
import sklearn.model_selection as skms
import sklearn.preprocessing as skp

from dlbook.errors import DlbookError, NotFittedError
from dlbook.scratch import MinMaxScaler, StandardScaler, train_test_split

rng = np.random.default_rng(0)
X = rng.normal(5, 3, (40, 3))
X[:, 2] = 7.0  # a constant feature


@pytest.mark.parametrize("ours, ref", [(MinMaxScaler, skp.MinMaxScaler),
                                       (StandardScaler, skp.StandardScaler)])
def test_scalers_match_sklearn_fit_on_train_only(ours, ref):
    train, test = X[:30], X[30:]
    a = ours().fit(train)
    b = ref().fit(train)
    np.testing.assert_allclose(a.transform(test), b.transform(test), atol=1e-12)
    np.testing.assert_allclose(a.inverse_transform(a.transform(test)), test, atol=1e-12)
    np.testing.assert_allclose(a.scale_, b.scale_)


def test_minmax_feature_range_and_one_dimensional_input():
    s = MinMaxScaler(feature_range=(-1, 1)).fit(np.array([160.0, 165.0, 170.0]))
    np.testing.assert_allclose(s.transform(np.array([160.0, 165.0, 170.0])), [-1, 0, 1])


def test_split_equals_sklearn_split_with_the_same_seed():
    y = np.arange(40)
    ours = train_test_split(X, y, test_size=0.25, seed=3)
    ref = skms.train_test_split(X, y, test_size=0.25, random_state=3)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    Xs = np.arange(100)[:, None]
    X_train, X_test, y_train, y_test = train_test_split(Xs, y, test_size=0.2, seed=0, stratify=y)
    assert np.bincount(y_test).tolist() == [10, 6, 4]
    assert sorted(np.r_[X_train[:, 0], X_test[:, 0]].tolist()) == list(range(100))


def test_preprocessing_errors_are_in_vietnamese():
    with pytest.raises(NotFittedError, match="fit"):
        StandardScaler().transform(X)
    with pytest.raises(DlbookError, match="test_size"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(DlbookError, match="3 đặc trưng"):
        StandardScaler().fit(X).transform(np.zeros((2, 4)))
