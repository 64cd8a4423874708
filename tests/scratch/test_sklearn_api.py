"""The from-scratch estimators follow scikit-learn's contract: get_params/set_params, clone,
GridSearchCV and Pipeline work on them, and the shared gradient-descent loop behaves as stated."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from dlbook.scratch import (
    PCA,
    KMeans,
    KNNClassifier,
    LinearRegressionGD,
    LogisticRegressionGD,
    SoftmaxRegressionGD,
    StandardScaler,
)
from dlbook.scratch.gradient_descent import gradient_descent

ESTIMATORS = [
    LinearRegressionGD(lr=0.05, max_epochs=300),
    LogisticRegressionGD(lr=0.2, max_epochs=300, l2=0.01),
    SoftmaxRegressionGD(lr=0.2, max_epochs=300),
    KNNClassifier(k=3, metric="manhattan"),
    KMeans(n_clusters=4, seed=1),
    PCA(n_components=2),
]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y_reg = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=120)
    y_bin = (X[:, 0] - X[:, 1] > 0).astype(int)
    y_multi = np.digitize(X[:, 0], [-0.5, 0.5])
    return X, y_reg, y_bin, y_multi


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_get_params_returns_the_constructor_arguments(est):
    params = est.get_params()
    rebuilt = type(est)(**params)
    assert rebuilt.get_params() == params


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_copies_hyperparameters_but_not_learned_state(est, data):
    X, y_reg, y_bin, y_multi = data
    y = {LinearRegressionGD: y_reg, LogisticRegressionGD: y_bin}.get(type(est), y_multi)
    fitted = clone(est).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == est.get_params()
    assert not [k for k in vars(copy) if k.endswith("_") and not k.startswith("_")]


def test_set_params_changes_the_model_that_is_fitted(data):
    X, y_reg, _, _ = data
    model = LinearRegressionGD(lr=0.05, max_epochs=300)
    assert model.set_params(max_epochs=3) is model
    assert model.fit(X, y_reg).n_epochs_ == 3


def test_grid_search_picks_the_k_that_scores_best(data):
    X, _, y_bin, _ = data
    search = GridSearchCV(KNNClassifier(), {"k": [1, 5, 15]}, cv=3).fit(X, y_bin)
    means = search.cv_results_["mean_test_score"]
    assert search.best_params_["k"] == [1, 5, 15][int(np.argmax(means))]
    assert search.best_estimator_.k == search.best_params_["k"]


def test_grid_search_over_learning_rate_of_gd_classifier(data):
    X, _, _, y_multi = data
    search = GridSearchCV(SoftmaxRegressionGD(max_epochs=200), {"lr": [1e-4, 0.5]}, cv=3)
    search.fit(X, y_multi)
    assert search.best_params_ == {"lr": 0.5}  # 200 steps of 1e-4 barely move from zero


def test_pipeline_of_scaler_pca_and_logistic_regression(data):
    X, _, y_bin, _ = data
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=3)),
                     ("clf", LogisticRegressionGD(lr=0.5, max_epochs=500))])
    pipe.fit(X, y_bin)
    Z = PCA(n_components=3).fit_transform(StandardScaler().fit_transform(X))
    by_hand = LogisticRegressionGD(lr=0.5, max_epochs=500).fit(Z, y_bin)
    np.testing.assert_array_equal(pipe.predict(X), by_hand.predict(Z))
    assert pipe.score(X, y_bin) == by_hand.score(Z, y_bin) > 0.75
    assert pipe.set_params(pca__n_components=2).fit(X, y_bin).named_steps["pca"].components_.shape == (2, 4)


def test_pipeline_with_kmeans_distances_as_features(data):
    X, y_reg, _, _ = data
    pipe = Pipeline([("km", KMeans(n_clusters=5, seed=0)), ("reg", LinearRegressionGD(lr=0.05))])
    assert pipe.fit(X, y_reg).predict(X).shape == (120,)


def test_gradient_descent_minimises_a_quadratic_and_stops_on_the_gradient_norm():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    run = gradient_descent(lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, np.zeros(2),
                           lr=0.2, max_epochs=10_000, tol=1e-10)
    assert run.stop_reason == "grad_norm"
    np.testing.assert_allclose(run.w, np.linalg.solve(A, b), atol=1e-9)
    assert len(run.losses) == run.n_epochs + 1 == len(run.weights)
    assert np.all(np.diff(run.losses) <= 1e-12)  # monotone up to rounding


def test_gradient_descent_reports_divergence_with_a_warning():
    with pytest.warns(RuntimeWarning, match="phân kỳ"):
        run = gradient_descent(lambda w: float(w @ w), lambda w: 2 * w, np.ones(3),
                               lr=10.0, max_epochs=1000, tol=0.0)
    assert run.stop_reason == "diverged" and run.n_epochs < 1000


def test_gradient_descent_without_history_keeps_start_and_end():
    run = gradient_descent(lambda w: float(w @ w), lambda w: 2 * w, np.ones(2), lr=0.1,
                           max_epochs=5, tol=0.0, record_history=False)
    assert run.losses.shape == (2,) and run.n_epochs == 5
    np.testing.assert_allclose(run.losses[-1], 2 * 0.8 ** 10)
