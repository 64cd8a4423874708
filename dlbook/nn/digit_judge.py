"""Chapter 24's judge of generated 8×8 digits, as a reusable object.

Inception-v3 knows nothing about 8×8 digits, so chapter 24 judges samples with a small stand-in:
a logistic regression trained on **half** of scikit-learn's real digits (``train_test_split``
with ``test_size=0.5, seed=0``). The unseen half is split again (``seed=1``): one quarter is the
*reference set* (the role of the real data in FID), one quarter "real images to compare".
Inception Score uses the judge's class probabilities, the Fréchet distance its 10 logits
(``decision_function``), both with :mod:`dlbook.scratch.gan_metrics`. Always compare sets of
the same size: the Fréchet distance depends on the number of samples.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import ShapeError, check_array
from dlbook.scratch.gan_metrics import frechet_distance, inception_score
from dlbook.scratch.preprocessing import train_test_split

__all__ = ["DigitJudge"]


class DigitJudge:
    """Fit the judge on real digits ``images`` (any shape with 64 values per image, in
    [−1, 1] like ``digits_for_gan``) and ``labels``.

    Attributes after construction: ``classifier_`` (scikit-learn ``LogisticRegression``),
    ``X_reference_``, ``X_real_``, ``y_real_`` (flat arrays), ``reference_features_``,
    ``n_eval`` (size of the real comparison set).
    """

    def __init__(self, images, labels, seed: int = 0, max_iter: int = 3000):
        from sklearn.linear_model import LogisticRegression

        if hasattr(images, "detach"):
            images = images.detach().cpu().numpy()
        X = np.asarray(images).reshape(len(images), -1)
        check_array(X, "images", ndim=2)  # validates; the judge fits on the data's own dtype (as chapter 24)
        y = check_array(labels, "labels", ndim=1, dtype="int")
        if len(X) != len(y):
            raise ShapeError(f"`images` ({len(X)}) và `labels` ({len(y)}) phải có cùng số mẫu.")
        X_judge, X_rest, y_judge, y_rest = train_test_split(X, y, test_size=0.5, seed=seed)
        self.X_reference_, self.X_real_, _, self.y_real_ = train_test_split(X_rest, y_rest, test_size=0.5,
                                                                            seed=seed + 1)
        self.classifier_ = LogisticRegression(max_iter=max_iter).fit(X_judge, y_judge)
        self.reference_features_ = self.classifier_.decision_function(self.X_reference_)
        self.n_features = X.shape[1]
        self.n_eval = len(self.X_real_)

    def _flat(self, samples) -> np.ndarray:
        if hasattr(samples, "detach"):
            samples = samples.detach().cpu().numpy()
        X = np.asarray(samples)
        X = X.reshape(len(X), -1)
        if X.shape[1] != self.n_features:
            raise ShapeError(f"Mỗi ảnh mẫu phải có {self.n_features} giá trị, nhưng có {X.shape[1]}.")
        check_array(X, "samples", ndim=2)
        return X

    def inception_score(self, samples) -> float:
        """``exp(mean KL(p(y|x) ‖ p(y)))`` with the judge's probabilities (1 to 10)."""
        return float(inception_score(self.classifier_.predict_proba(self._flat(samples))))

    def frechet_distance(self, samples) -> float:
        """Fréchet distance between the judge's logits on ``samples`` and on the reference set."""
        return float(frechet_distance(self.classifier_.decision_function(self._flat(samples)),
                                      self.reference_features_))

    def predict(self, samples) -> np.ndarray:
        """The digit the judge reads in each sample."""
        return self.classifier_.predict(self._flat(samples))

    def scores(self, samples) -> dict:
        """``{"inception_score": …, "frechet_distance": …}`` of ``samples``."""
        return {"inception_score": self.inception_score(samples),
                "frechet_distance": self.frechet_distance(samples)}
