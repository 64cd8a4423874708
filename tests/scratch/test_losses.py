"""Losses and their gradients: against torch.nn.functional (value and autograd gradient) and
against central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy_with_logits,
    gradient_check,
    huber_loss,
    mae_loss,
    mse_loss,
    one_hot,
)

rng = np.random.default_rng(3)
PRED = rng.standard_normal((5, 3)) * 2
TARGET = rng.standard_normal((5, 3)) * 2
PROB = rng.uniform(0.05, 0.95, size=(8, 1))
LABEL01 = rng.integers(0, 2, size=(8, 1)).astype(float)
LOGITS = rng.standard_normal((6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 0])


def _torch_value_and_grad(fn, pred, *args):
    t = torch.tensor(pred, requires_grad=True)
    loss = fn(t, *args)
    loss.backward()
    return loss.item(), t.grad.numpy()


REGRESSION = {
    "mse": (mse_loss, lambda t, y: F.mse_loss(t, y)),
    "mae": (mae_loss, lambda t, y: F.l1_loss(t, y)),
    "huber_1": (huber_loss, lambda t, y: F.huber_loss(t, y, delta=1.0)),
    "huber_0.5": (lambda p, y: huber_loss(p, y, delta=0.5), lambda t, y: F.huber_loss(t, y, delta=0.5)),
}


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_loss_and_gradient_match_torch(name):
    ours, ref = REGRESSION[name]
    loss, grad = ours(PRED, TARGET)
    ref_loss, ref_grad = _torch_value_and_grad(ref, PRED, torch.tensor(TARGET))
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_loss_gradient_matches_central_differences(name):
    ours, _ = REGRESSION[name]
    x = PRED.copy()
    assert gradient_check(lambda p: ours(p, TARGET)[0], x, ours(PRED, TARGET)[1]) < 1e-6


def test_half_mse_halves_the_loss_and_the_gradient():
    full, g_full = mse_loss(PRED, TARGET)
    half, g_half = mse_loss(PRED, TARGET, half=True)
    assert half == pytest.approx(full / 2)
    np.testing.assert_allclose(g_half, g_full / 2)


def test_binary_cross_entropy_matches_torch():
    loss, grad = binary_cross_entropy(PROB, LABEL01)
    ref_loss, ref_grad = _torch_value_and_grad(F.binary_cross_entropy, PROB, torch.tensor(LABEL01))
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10)
    x = PROB.copy()
    assert gradient_check(lambda p: binary_cross_entropy(p, LABEL01)[0], x, grad) < 1e-6


def test_binary_cross_entropy_with_logits_matches_torch_and_is_stable():
    z = LOGITS[:, :1] * 10
    y = LABEL01[:6]
    loss, grad = binary_cross_entropy_with_logits(z, y)
    ref_loss, ref_grad = _torch_value_and_grad(F.binary_cross_entropy_with_logits, z, torch.tensor(y))
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)
    x = z.copy()
    assert gradient_check(lambda p: binary_cross_entropy_with_logits(p, y)[0], x, grad) < 1e-6
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big, g = binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), np.array([0.0, 1.0]))
    assert big == pytest.approx(1000.0) and np.all(np.isfinite(g))


def test_cross_entropy_with_integer_labels_matches_torch():
    loss, grad = cross_entropy_with_logits(LOGITS, LABELS)
    ref_loss, ref_grad = _torch_value_and_grad(F.cross_entropy, LOGITS, torch.tensor(LABELS))
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)
    x = LOGITS.copy()
    assert gradient_check(lambda z: cross_entropy_with_logits(z, LABELS)[0], x, grad) < 1e-6


def test_cross_entropy_with_one_hot_and_soft_targets_matches_torch():
    soft = rng.dirichlet(np.ones(4), size=6)
    for target in (one_hot(LABELS, 4), soft):
        loss, grad = cross_entropy_with_logits(LOGITS, target)
        ref_loss, ref_grad = _torch_value_and_grad(F.cross_entropy, LOGITS, torch.tensor(target))
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = cross_entropy_with_logits(z, np.array([2]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [[1.0, 0.0, -1.0]])


def test_one_hot_of_five_has_the_one_at_index_five():
    # the seeds print the vector of 6 for the digit 5
    np.testing.assert_array_equal(one_hot([5], 10)[0], [0, 0, 0, 0, 0, 1, 0, 0, 0, 0])


def test_loss_errors_are_in_vietnamese():
    with pytest.raises(ShapeError, match="cùng kích thước"):
        mse_loss(np.zeros(3), np.zeros(4))
    with pytest.raises(DlbookError, match="nằm trong"):
        cross_entropy_with_logits(LOGITS, np.array([0, 1, 2, 3, 4, 5]))
    with pytest.raises(DlbookError, match="logit"):
        binary_cross_entropy(np.array([2.0]), np.array([1.0]))
    with pytest.raises(ShapeError, match="2 chiều"):
        cross_entropy_with_logits(np.zeros(4), np.array([0]))
