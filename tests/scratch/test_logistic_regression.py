"""Logistic and softmax regression against sklearn's LogisticRegression (no penalty and L2)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.linear_model import LogisticRegression

from dlbook.errors import DlbookError
from dlbook.scratch import LogisticRegressionGD, SoftmaxRegressionGD, StandardScaler

rng = np.random.default_rng(1)
# study hours / sleep hours → pass (1) or fail (0), with overlap so the optimum is finite
STUDY = rng.uniform(0, 10, 120)
SLEEP = rng.uniform(4, 9, 120)
PASS = (0.8 * STUDY + 0.6 * SLEEP - 7 + rng.normal(0, 1.5, 120) > 0).astype(int)
X = StandardScaler().fit_transform(np.column_stack([STUDY, SLEEP]))


def test_logistic_regression_matches_sklearn_without_penalty():
    ours = LogisticRegressionGD(lr=1.0, max_epochs=20_000, tol=1e-9).fit(X, PASS)
    # C = ∞ is scikit-learn ≥ 1.8's spelling of penalty=None
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, PASS)
    assert ours.stop_reason_ == "grad_norm"
    np.testing.assert_allclose(ours.coef_, ref.coef_[0], rtol=1e-5)
    assert ours.intercept_ == pytest.approx(ref.intercept_[0], rel=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_logistic_regression_l2_matches_sklearn_c():
    l2 = 0.05
    ours = LogisticRegressionGD(lr=1.0, max_epochs=20_000, tol=1e-10, l2=l2).fit(X, PASS)
    # sklearn minimises ½‖w‖² + C·Σ loss; ours mean loss + (l2/2)‖w‖²  ⇒  C = 1/(l2·N)
    ref = LogisticRegression(C=1 / (l2 * len(X)), tol=1e-12, max_iter=10_000).fit(X, PASS)
    np.testing.assert_allclose(ours.coef_, ref.coef_[0], rtol=1e-5)
    assert ours.intercept_ == pytest.approx(ref.intercept_[0], rel=1e-5)


def test_threshold_labels_and_decision_function():
    labels = np.where(PASS == 1, "đỗ", "trượt")
    model = LogisticRegressionGD(lr=1.0, max_epochs=500).fit(X, labels)
    assert list(model.classes_) == ["trượt", "đỗ"]  # sorted, like sklearn
    p = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(model.predict(X), np.where(p >= 0.5, model.classes_[1], model.classes_[0]))
    np.testing.assert_array_equal(model.decision_function(X) > 0, p > 0.5)
    strict = model.predict(X, threshold=0.9)
    assert np.sum(strict == model.classes_[1]) <= np.sum(model.predict(X) == model.classes_[1])


def test_loss_history_decreases():
    model = LogisticRegressionGD(lr=0.5, max_epochs=200).fit(X, PASS)
    assert len(model.history_) == 201
    assert np.all(np.diff(model.history_) < 1e-12)


def test_softmax_regression_matches_sklearn_multinomial_on_iris():
    Xi, yi = load_iris(return_X_y=True)
    Xi = StandardScaler().fit_transform(Xi)
    l2 = 0.01
    ours = SoftmaxRegressionGD(lr=1.0, max_epochs=30_000, tol=1e-9, l2=l2).fit(Xi, yi)
    ref = LogisticRegression(C=1 / (l2 * len(Xi)), tol=1e-12, max_iter=10_000).fit(Xi, yi)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-4)
    np.testing.assert_allclose(ours.predict_proba(Xi), ref.predict_proba(Xi), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(Xi), ref.predict(Xi))
    assert ours.coef_.shape == (3, 4) and ours.intercept_.shape == (3,)


def test_softmax_regression_without_penalty_gives_sklearn_probabilities():
    # overlapping blobs: no separating plane, so the unpenalised optimum is finite
    Xi, yi = make_blobs(n_samples=150, centers=[[0, 0], [2, 0], [1, 1.5]], cluster_std=1.0,
                        random_state=0)
    ours = SoftmaxRegressionGD(lr=1.0, max_epochs=20_000, tol=1e-9).fit(Xi, yi)
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(Xi, yi)
    np.testing.assert_allclose(ours.predict_proba(Xi), ref.predict_proba(Xi), atol=1e-5)


def test_binary_model_refuses_three_classes():
    with pytest.raises(DlbookError, match="SoftmaxRegressionGD"):
        LogisticRegressionGD().fit(X, np.arange(len(X)) % 3)
