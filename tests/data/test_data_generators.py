"""Toy-problem generators: seeded, the documented shapes, and the relations they are built on."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from dlbook.data import (
    make_area_price,
    make_gaussian_blobs,
    make_height_weight,
    make_housing,
    make_moons,
    make_spirals,
    make_study_sleep_pass,
    make_xor,
)

GENERATORS = [
    make_area_price,
    lambda seed: make_housing(200, seed=seed, as_frame=False),
    make_study_sleep_pass,
    make_height_weight,
    make_xor,
    make_moons,
    make_spirals,
    make_gaussian_blobs,
]


@pytest.mark.parametrize("gen", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(gen):
    a, b, c = gen(seed=1), gen(seed=1), gen(seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not (np.array_equal(a[0], c[0]) and np.array_equal(a[1], c[1]))
    assert a.source.startswith("generated:") and "sinh" in a.description


def test_area_price_follows_the_notes_grid_and_slope():
    X, y = data = make_area_price()
    assert X.shape == (30, 1) and y.shape == (30,)
    np.testing.assert_allclose(X[:3, 0], [30.0, 32.4138, 34.8276], atol=1e-4)
    fit = LinearRegression().fit(X, y)
    assert abs(fit.coef_[0] - data.true_slope) < 1.0


def test_housing_frame_has_usa_housing_like_columns_and_linear_prices():
    df = make_housing(3000)
    assert df.shape == (3000, 6) and df.attrs["source"] == "generated:housing"
    X, y = df.iloc[:, :5].to_numpy(), df["Giá"].to_numpy()
    assert 1.0e6 < y.mean() < 1.5e6
    fit = LinearRegression().fit(X, y)
    from dlbook.data.toy import HOUSING_COEF

    np.testing.assert_allclose(fit.coef_[[0, 1, 2, 4]], HOUSING_COEF[[0, 1, 2, 4]], rtol=0.1)


def test_study_sleep_pass_is_learnable_by_logistic_regression():
    X, y = data = make_study_sleep_pass(400, sharpness=3.0)
    assert X.shape == (400, 2) and set(np.unique(y)) == {0, 1}
    assert X[:, 0].min() >= 1 and X[:, 1].max() <= 10
    clf = LogisticRegression().fit(X, y)
    assert clf.score(X, y) > 0.85
    ratio = clf.coef_[0, 1] / clf.coef_[0, 0]
    assert abs(ratio - data.true_coef[1] / data.true_coef[0]) < 0.25


def test_height_weight_outlier_is_the_150cm_90kg_point():
    X, y = make_height_weight(13, outlier=True)
    assert X.shape == (14, 1) and (X[-1, 0], y[-1]) == (150.0, 90.0)
    assert 147 <= X[:-1].min() and X[:-1].max() <= 183


def test_xor_labels_follow_corners_and_no_line_separates_them():
    X, y = make_xor(400, noise=0.1)
    corners = np.round(X).astype(int).clip(0, 1)
    assert np.mean((corners[:, 0] ^ corners[:, 1]) == y) > 0.98
    assert LogisticRegression().fit(X, y).score(X, y) < 0.75


def test_moons_and_spirals_shapes():
    X, y = make_moons(100)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [50, 50]
    X, y = make_spirals(50, 4)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [50] * 4
    assert np.abs(X).max() <= 1.0 + 1e-12


def test_gaussian_blobs_points_are_nearest_their_own_centre():
    X, y = data = make_gaussian_blobs(300, centers=[[0, 0], [8, 0], [0, 8]], std=1.0)
    d = ((X[:, None, :] - data.centers[None]) ** 2).sum(-1)
    assert np.mean(d.argmin(1) == y) > 0.99
    assert np.bincount(y).tolist() == [100, 100, 100]


@pytest.mark.parametrize("call", [lambda: make_xor(0), lambda: make_spirals(10, 0), lambda: make_gaussian_blobs(10, std=-1)])
def test_generators_reject_bad_sizes_in_vietnamese(call):
    with pytest.raises(ValueError, match="phải là"):
        call()
