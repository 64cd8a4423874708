"""Bad input is stopped at the door with a Vietnamese message that says what was expected and
what came in (one case per public entry point that takes arrays)."""

import numpy as np
import pytest

from dlbook.errors import DlbookError, DTypeError, NotFittedError, ShapeError
from dlbook.scratch import (
    PCA,
    SGD,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    KMeans,
    KNNClassifier,
    LinearRegressionGD,
    LogisticRegressionGD,
    MaxPool2D,
    Sequential,
    SoftmaxRegressionGD,
    confusion_matrix,
    conv2d_im2col,
    convolve2d,
    cross_entropy_with_logits,
    im2col,
    mse_loss,
    one_hot,
    optimize_2d,
    r2_score,
    relu,
    rotate,
    to_grayscale,
)

X4 = np.zeros((2, 3, 8, 8))

CASES = [
    # (what, callable, exception, pattern that names expected and received)
    ("Dense, sai số đặc trưng", lambda: Dense(4, 2).forward(np.zeros((3, 5))), ShapeError,
     r"\(N, 4\).*\(3, 5\)"),
    ("Dense, số chiều không nguyên", lambda: Dense(2.5, 3), DTypeError, "số nguyên"),
    ("Conv2D, sai số kênh", lambda: Conv2D(1, 4, 3).forward(X4), ShapeError, r"1 kênh.*\(2, 3, 8, 8\)"),
    ("Conv2D, kernel_size là chuỗi", lambda: Conv2D(1, 4, "3"), DTypeError, "kernel_size"),
    ("Conv2D, padding âm", lambda: Conv2D(1, 4, 3, padding=-1), DlbookError, "không âm"),
    ("conv2d_im2col, w 3 chiều", lambda: conv2d_im2col(X4, np.zeros((4, 3, 3))), ShapeError,
     "4 chiều"),
    ("im2col, ảnh 2 chiều", lambda: im2col(np.zeros((8, 8)), 3), ShapeError, r"\(N, C, H, W\)"),
    ("MaxPool2D, pool_size 0", lambda: MaxPool2D(0), DlbookError, "dương"),
    ("AvgPool2D, đầu vào 2 chiều", lambda: AvgPool2D(2).forward(np.zeros((4, 4))), ShapeError,
     r"\(4, 4\)"),
    ("BatchNorm, sai số kênh", lambda: BatchNorm(3).forward(np.zeros((4, 5))), ShapeError,
     r"\(N, 3\).*\(4, 5\)"),
    ("relu, chuỗi", lambda: relu("abc"), DTypeError, "mảng số.*chuỗi 'abc'"),
    ("mse_loss, khác kích thước", lambda: mse_loss(np.zeros(3), np.zeros(5)), ShapeError,
     r"\(3,\).*\(5,\)"),
    ("cross_entropy, nhãn thiếu", lambda: cross_entropy_with_logits(np.zeros((3, 2)), [0, 1]),
     ShapeError, "3 nhãn"),
    ("cross_entropy, nhãn không nguyên", lambda: cross_entropy_with_logits(np.zeros((2, 2)), [0.5, 1]),
     DTypeError, "nguyên"),
    ("one_hot, nhãn vượt số lớp", lambda: one_hot([3], 3), DlbookError, r"\[0, 2\]"),
    ("r2_score, NaN", lambda: r2_score([1.0, np.nan], [1.0, 2.0]), DlbookError, "NaN"),
    ("confusion_matrix, 2 chiều", lambda: confusion_matrix(np.zeros((2, 2)), np.zeros((2, 2))),
     ShapeError, "1 chiều"),
    ("LinearRegressionGD, X 3 chiều", lambda: LinearRegressionGD().fit(np.zeros((2, 2, 2)), [1, 2]),
     ShapeError, "1 hoặc 2 chiều"),
    ("LinearRegressionGD, lr âm", lambda: LinearRegressionGD(lr=-1).fit(np.zeros((2, 1)), [1, 2]),
     DlbookError, "dương"),
    ("LogisticRegressionGD, chưa fit", lambda: LogisticRegressionGD().predict(np.zeros((2, 2))),
     NotFittedError, "fit"),
    ("SoftmaxRegressionGD, y 2 chiều", lambda: SoftmaxRegressionGD().fit(np.zeros((2, 2)), np.zeros((2, 2))),
     DlbookError, "1 chiều"),
    ("KNN, sai số đặc trưng",
     lambda: KNNClassifier(1).fit(np.zeros((3, 2)), [0, 1, 0]).predict(np.zeros((1, 3))),
     DlbookError, "2 đặc trưng"),
    ("KMeans, tâm ban đầu sai kích thước",
     lambda: KMeans(2, init=np.zeros((3, 2))).fit(np.random.default_rng(0).random((10, 2))),
     ShapeError, r"\(2, 2\).*\(3, 2\)"),
    ("PCA, sai số đặc trưng",
     lambda: PCA(1).fit(np.random.default_rng(0).random((5, 3))).transform(np.zeros((2, 4))),
     ShapeError, r"\(N, 3\).*\(2, 4\)"),
    ("Sequential.fit, X chứa NaN",
     lambda: Sequential(Dense(2, 2)).fit(np.array([[np.nan, 1.0]]), [0], progress=False),
     DlbookError, "NaN"),
    ("optimize_2d, không phải optimizer", lambda: optimize_2d("adam", lambda p: p, (0, 0)), DTypeError,
     "bộ tối ưu"),
    ("SGD.step, thiếu gradient", lambda: SGD(0.1).step({"W": np.zeros(2)}, {"b": np.zeros(2)}),
     DlbookError, "W"),
    ("convolve2d, kernel 1 chiều", lambda: convolve2d(np.zeros((5, 5)), np.ones(3)), ShapeError,
     "2 chiều"),
    ("to_grayscale, ảnh 4 chiều", lambda: to_grayscale(np.zeros((1, 4, 4, 3))), ShapeError,
     "2 hoặc 3 chiều"),
    ("rotate, chuỗi", lambda: rotate(np.array([["a"]]), 10), DTypeError, "ảnh số"),
]


@pytest.mark.parametrize("what, call, exc, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_vietnamese_error_naming_expected_and_received(what, call, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert isinstance(info.value, DlbookError)
