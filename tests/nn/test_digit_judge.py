import numpy as np
import pytest

from dlbook.errors import ShapeError
from dlbook.nn.digit_judge import DigitJudge
from dlbook.nn.gan import digits_for_gan
from dlbook.scratch import frechet_distance, inception_score, train_test_split


@pytest.fixture(scope="module")
def digits():
    X, y = digits_for_gan()
    return X.numpy(), y.numpy()


@pytest.fixture(scope="module")
def judge(digits):
    return DigitJudge(*digits)


def test_judge_follows_chapter_24_recipe(digits, judge):
    from sklearn.linear_model import LogisticRegression

    X, y = digits[0].reshape(len(digits[0]), -1), digits[1]
    X_j, X_rest, y_j, y_rest = train_test_split(X, y, test_size=0.5, seed=0)
    X_ref, X_real, _, _ = train_test_split(X_rest, y_rest, test_size=0.5, seed=1)
    clf = LogisticRegression(max_iter=3000).fit(X_j, y_j)
    assert judge.n_eval == len(X_real)
    np.testing.assert_allclose(judge.X_real_, X_real)
    assert judge.inception_score(X_real) == pytest.approx(inception_score(clf.predict_proba(X_real)))
    assert judge.frechet_distance(X_real) == pytest.approx(
        frechet_distance(clf.decision_function(X_real), clf.decision_function(X_ref)))


def test_real_digits_score_better_than_noise(judge):
    rng = np.random.default_rng(0)
    real = judge.scores(judge.X_real_)
    noise = judge.scores(rng.uniform(-1, 1, (judge.n_eval, 1, 8, 8)))
    assert real["inception_score"] > noise["inception_score"]
    assert real["frechet_distance"] < noise["frechet_distance"]
    assert (judge.predict(judge.X_real_) == judge.y_real_).mean() > 0.9


def test_judge_rejects_images_of_the_wrong_size(judge):
    with pytest.raises(ShapeError, match="64"):
        judge.scores(np.zeros((5, 28 * 28)))
