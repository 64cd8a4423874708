"""Metrics against sklearn.metrics, plus the properties the book states."""

import itertools

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import (
    accuracy,
    adjusted_r2,
    auc,
    confusion_matrix,
    f1_score,
    mae,
    mape,
    mpe,
    mse,
    precision,
    r2_score,
    recall,
    rmse,
    roc_auc_score,
    roc_curve,
    tpr_fpr,
)

rng = np.random.default_rng(7)
Y = rng.uniform(1, 10, 50)
Y_PRED = Y + rng.normal(0, 1, 50)


def test_regression_metrics_match_sklearn():
    assert mse(Y, Y_PRED) == pytest.approx(skm.mean_squared_error(Y, Y_PRED))
    assert mae(Y, Y_PRED) == pytest.approx(skm.mean_absolute_error(Y, Y_PRED))
    assert rmse(Y, Y_PRED) == pytest.approx(np.sqrt(skm.mean_squared_error(Y, Y_PRED)))
    assert r2_score(Y, Y_PRED) == pytest.approx(skm.r2_score(Y, Y_PRED))
    assert mape(Y, Y_PRED) == pytest.approx(100 * skm.mean_absolute_percentage_error(Y, Y_PRED))


def test_r2_is_negative_when_worse_than_predicting_the_mean():
    bad = Y.mean() + (Y.mean() - Y) * 2
    assert r2_score(Y, bad) < 0
    assert r2_score(Y, bad) == pytest.approx(skm.r2_score(Y, bad))
    assert r2_score(Y, np.full_like(Y, Y.mean())) == pytest.approx(0.0)


def test_adjusted_r2_formula_and_penalty_for_features():
    r2 = skm.r2_score(Y, Y_PRED)
    n, k = len(Y), 3
    assert adjusted_r2(Y, Y_PRED, k) == pytest.approx(1 - (1 - r2) * (n - 1) / (n - k - 1))
    assert adjusted_r2(Y, Y_PRED, 10) < adjusted_r2(Y, Y_PRED, 1) < r2
    with pytest.raises(DlbookError, match="n > số đặc trưng"):
        adjusted_r2(Y[:3], Y_PRED[:3], 2)


def test_mpe_is_positive_when_the_model_predicts_too_low():
    y = np.array([100.0, 200.0, 400.0])
    assert mpe(y, y * 0.9) == pytest.approx(10.0)
    assert mpe(y, y * 1.2) == pytest.approx(-20.0)
    # errors of opposite sign cancel in MPE but not in MAPE
    assert mpe(y[:2], [110.0, 180.0]) == pytest.approx(0.0)
    assert mape(y[:2], [110.0, 180.0]) == pytest.approx(10.0)


def test_percentage_errors_refuse_zero_targets():
    with pytest.raises(DlbookError, match="bằng 0"):
        mape([0.0, 1.0], [1.0, 1.0])


Y_CLS = rng.integers(0, 3, 80)
P_CLS = np.where(rng.random(80) < 0.7, Y_CLS, rng.integers(0, 3, 80))
Y_BIN = (Y_CLS == 1).astype(int)
P_BIN = (P_CLS == 1).astype(int)


def test_confusion_matrix_matches_sklearn_including_label_order():
    np.testing.assert_array_equal(confusion_matrix(Y_CLS, P_CLS), skm.confusion_matrix(Y_CLS, P_CLS))
    np.testing.assert_array_equal(confusion_matrix(Y_CLS, P_CLS, labels=[2, 0, 1]),
                                  skm.confusion_matrix(Y_CLS, P_CLS, labels=[2, 0, 1]))
    names = np.array(["mèo", "chó"])[Y_BIN]
    pred_names = np.array(["mèo", "chó"])[P_BIN]
    np.testing.assert_array_equal(confusion_matrix(names, pred_names),
                                  skm.confusion_matrix(names, pred_names))


def test_binary_confusion_matrix_layout_is_tn_fp_fn_tp():
    (tn, fp), (fn, tp) = confusion_matrix([0, 0, 1, 1, 1], [0, 1, 0, 1, 1])
    assert (tn, fp, fn, tp) == (1, 1, 1, 2)


@pytest.mark.parametrize("average", ["binary", "macro", "micro", "weighted"])
def test_precision_recall_f1_match_sklearn(average):
    y, p = (Y_BIN, P_BIN) if average == "binary" else (Y_CLS, P_CLS)
    assert precision(y, p, average=average) == pytest.approx(skm.precision_score(y, p, average=average))
    assert recall(y, p, average=average) == pytest.approx(skm.recall_score(y, p, average=average))
    assert f1_score(y, p, average=average) == pytest.approx(skm.f1_score(y, p, average=average))
    assert accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))


def test_precision_is_zero_when_nothing_is_predicted_positive():
    assert precision([1, 0, 1], [0, 0, 0]) == 0.0
    assert f1_score([1, 0, 1], [0, 0, 0]) == 0.0


def test_tpr_fpr_from_the_confusion_matrix():
    tpr, fpr = tpr_fpr(Y_BIN, P_BIN)
    (tn, fp), (fn, tp) = skm.confusion_matrix(Y_BIN, P_BIN)
    assert tpr == pytest.approx(tp / (tp + fn))
    assert fpr == pytest.approx(fp / (fp + tn))


SCORES = np.round(rng.random(60), 1)  # rounded: many ties
Y_SCORE = (rng.random(60) < SCORES).astype(int)


@pytest.mark.parametrize("drop", [True, False])
def test_roc_curve_matches_sklearn(drop):
    fpr, tpr, thr = roc_curve(Y_SCORE, SCORES, drop_intermediate=drop)
    rfpr, rtpr, rthr = skm.roc_curve(Y_SCORE, SCORES, drop_intermediate=drop)
    np.testing.assert_allclose(fpr, rfpr)
    np.testing.assert_allclose(tpr, rtpr)
    np.testing.assert_allclose(thr, rthr)


def test_auc_and_roc_auc_match_sklearn():
    fpr, tpr, _ = roc_curve(Y_SCORE, SCORES)
    assert auc(fpr, tpr) == pytest.approx(skm.auc(fpr, tpr))
    assert roc_auc_score(Y_SCORE, SCORES) == pytest.approx(skm.roc_auc_score(Y_SCORE, SCORES))
    names = np.where(Y_SCORE == 1, "đỗ", "trượt")
    assert roc_auc_score(names, SCORES, pos_label="đỗ") == pytest.approx(
        skm.roc_auc_score(Y_SCORE, SCORES))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), min_size=2, max_size=30))
def test_roc_auc_is_the_probability_a_positive_outranks_a_negative(pairs):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float)
    if y.min() == y.max():
        return
    pos, neg = s[y == 1], s[y == 0]
    wins = sum((a > b) + 0.5 * (a == b) for a, b in itertools.product(pos, neg))
    assert roc_auc_score(y, s) == pytest.approx(wins / (len(pos) * len(neg)))


def test_metric_errors_are_in_vietnamese():
    with pytest.raises(ShapeError, match="cùng kích thước"):
        mse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="cùng số mẫu"):
        accuracy([1, 0], [1])
    with pytest.raises(DlbookError, match="cả mẫu dương lẫn mẫu âm"):
        roc_curve([1, 1], [0.2, 0.4])
    with pytest.raises(DlbookError, match="average"):
        precision(Y_CLS, P_CLS, average="sum")
