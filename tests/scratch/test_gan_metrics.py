import numpy as np
import pytest
import scipy.linalg

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import frechet_distance, inception_score


def test_inception_score_is_number_of_classes_for_confident_balanced_predictions():
    probs = np.eye(10)[np.arange(100) % 10]
    assert inception_score(probs) == pytest.approx(10.0, rel=1e-6)


def test_inception_score_is_one_when_every_sample_gets_the_same_distribution():
    probs = np.tile([0.7, 0.2, 0.1], (50, 1))
    assert inception_score(probs) == pytest.approx(1.0)


def test_inception_score_is_one_when_confident_but_collapsed_to_one_class():
    probs = np.tile([0.0, 1.0, 0.0], (50, 1))
    assert inception_score(probs) == pytest.approx(1.0)


def test_inception_score_matches_the_kl_formula_on_random_probabilities():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=200)
    m = p.mean(axis=0)
    expected = np.exp(np.mean(np.sum(p * np.log(p / m), axis=1)))
    assert inception_score(p) == pytest.approx(expected, rel=1e-9)


def test_inception_score_rejects_rows_that_are_not_probabilities():
    with pytest.raises(DlbookError, match="xác suất"):
        inception_score(np.array([[0.5, 0.6], [0.2, 0.8]]))


def test_frechet_distance_of_one_dimensional_gaussians_is_mean_and_std_gap_squared():
    a = np.array([[0.0], [2.0], [4.0], [6.0]])  # mean 3, sample var 20/3
    b = 2 * a + 1  # mean 7, sample var 80/3
    sa, sb = np.sqrt(20 / 3), np.sqrt(80 / 3)
    assert frechet_distance(a, b) == pytest.approx((3 - 7) ** 2 + (sa - sb) ** 2)


def test_frechet_distance_matches_scipy_sqrtm_formula():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(300, 4))
    b = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4)) + 1.0
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca + cb - 2 * scipy.linalg.sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(2).normal(size=(100, 3))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_rejects_different_feature_dimensions():
    with pytest.raises(ShapeError):
        frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))
