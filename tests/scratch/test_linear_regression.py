"""Linear regression by gradient descent, normal equation and pseudo-inverse, against
sklearn.linear_model.LinearRegression; the stopping rules."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from dlbook.errors import DlbookError, NotFittedError, ShapeError
from dlbook.scratch import (
    LinearRegressionGD,
    LinearRegressionNormal,
    StandardScaler,
    add_bias_column,
    normal_equation,
)

rng = np.random.default_rng(0)
X = rng.standard_normal((100, 2))
Y = 2 * X[:, 0] + 3 * X[:, 1] + 4 + rng.normal(0, 0.1, 100)  # y = 2x₀ + 3x₁ + 4 + noise
REF = LinearRegression().fit(X, Y)


@pytest.mark.parametrize("method", ["solve", "pinv"])
def test_closed_form_matches_sklearn(method):
    model = LinearRegressionNormal(method=method).fit(X, Y)
    np.testing.assert_allclose(model.coef_, REF.coef_, rtol=1e-10)
    assert model.intercept_ == pytest.approx(REF.intercept_, rel=1e-10)
    np.testing.assert_allclose(model.predict(X), REF.predict(X), rtol=1e-10)
    assert model.score(X, Y) == pytest.approx(REF.score(X, Y))


def test_normal_equation_with_bias_column():
    w = normal_equation(add_bias_column(X), Y)
    np.testing.assert_allclose(w, np.r_[REF.intercept_, REF.coef_], rtol=1e-10)
    np.testing.assert_array_equal(add_bias_column([[2.0], [3.0]]), [[1, 2], [1, 3]])


def test_gradient_descent_converges_to_the_least_squares_solution():
    model = LinearRegressionGD(lr=0.1, max_epochs=5000, tol=1e-8).fit(X, Y)
    assert model.stop_reason_ == "grad_norm"
    assert model.n_epochs_ < 5000
    np.testing.assert_allclose(model.coef_, REF.coef_, atol=1e-6)
    assert model.intercept_ == pytest.approx(REF.intercept_, abs=1e-6)
    assert model.coef_ == pytest.approx([2, 3], abs=0.05)
    assert np.all(np.diff(model.history_) <= 1e-15)  # a good learning rate never increases J
    assert model.weights_history_.shape == (model.n_epochs_ + 1, 3)
    np.testing.assert_array_equal(model.weights_history_[0], [0, 0, 0])


def test_max_epochs_stops_early_and_a_too_large_rate_diverges_with_a_warning():
    slow = LinearRegressionGD(lr=0.001, max_epochs=10).fit(X, Y)
    assert slow.stop_reason_ == "max_epochs" and slow.n_epochs_ == 10
    assert len(slow.history_) == 11
    with pytest.warns(RuntimeWarning, match="phân kỳ"):
        wild = LinearRegressionGD(lr=2.5, max_epochs=10_000).fit(X, Y)
    assert wild.stop_reason_ == "diverged"
    assert wild.history_[-1] > wild.history_[0]


def test_gradient_is_xt_residual_over_n():
    # one step from zero weights moves w by lr·Xᵀy/N (the gradient of J = ‖Xw − y‖²/2N)
    model = LinearRegressionGD(lr=0.5, max_epochs=1, tol=0).fit(X, Y)
    Xb = add_bias_column(X)
    np.testing.assert_allclose(model.weights_history_[1], 0.5 * Xb.T @ Y / len(Y))


def test_unscaled_data_needs_scaling_for_gradient_descent():
    area = rng.uniform(30, 150, 50)[:, None]  # m²
    price = 20 * area[:, 0] + 100 + rng.normal(0, 10, 50)
    with pytest.warns(RuntimeWarning):
        LinearRegressionGD(lr=0.1, max_epochs=100).fit(area, price)
    scaled = StandardScaler().fit_transform(area)
    model = LinearRegressionGD(lr=0.1, max_epochs=5000, tol=1e-9).fit(scaled, price)
    assert model.score(scaled, price) > 0.99


def test_singular_features_need_the_pseudo_inverse():
    Xdup = np.column_stack([X[:, 0], X[:, 0]])
    with pytest.raises(DlbookError, match="pinv"):
        LinearRegressionNormal(method="solve").fit(Xdup, Y)
    model = LinearRegressionNormal(method="pinv").fit(Xdup, Y)
    np.testing.assert_allclose(model.coef_[0], model.coef_[1])  # minimum-norm solution
    np.testing.assert_allclose(model.predict(Xdup), LinearRegression().fit(Xdup, Y).predict(Xdup))


def test_one_outlier_pulls_the_least_squares_line():
    height = np.linspace(150, 180, 12)
    weight = 0.9 * height - 100
    clean = LinearRegressionNormal().fit(height, weight)
    dirty = LinearRegressionNormal().fit(np.r_[height, 150], np.r_[weight, 90])
    assert clean.coef_[0] == pytest.approx(0.9)
    assert dirty.coef_[0] < 0.9 - 0.1


def test_l1_loss_is_less_pulled_by_the_outlier_than_l2():
    height = np.linspace(-1, 1, 12)  # standardised heights
    weight = 0.9 * height
    Xo, yo = np.r_[height, -1.0][:, None], np.r_[weight, 3.0]  # one short, very heavy person
    l2 = LinearRegressionGD(lr=0.1, max_epochs=3000, loss="mse").fit(Xo, yo)
    l1 = LinearRegressionGD(lr=0.02, max_epochs=6000, loss="mae").fit(Xo, yo)
    huber = LinearRegressionGD(lr=0.1, max_epochs=6000, loss="huber", delta=0.1).fit(Xo, yo)
    assert abs(l2.coef_[0] - 0.9) > 0.5
    assert abs(l1.coef_[0] - 0.9) < 0.05
    assert abs(huber.coef_[0] - 0.9) < 0.15
    assert l1.stop_reason_ == "max_epochs"
    np.testing.assert_allclose(l2.coef_, LinearRegression().fit(Xo, yo).coef_, atol=1e-5)


def test_linear_regression_errors_are_in_vietnamese():
    with pytest.raises(NotFittedError, match="fit"):
        LinearRegressionGD().predict(X)
    with pytest.raises(ShapeError, match="cùng số mẫu"):
        LinearRegressionGD().fit(X, Y[:10])
    model = LinearRegressionNormal().fit(X, Y)
    with pytest.raises(DlbookError, match="2 đặc trưng"):
        model.predict(np.zeros((3, 5)))
