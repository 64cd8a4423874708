"""Inverted dropout: expectation preserved, the same mask in backward, identity in eval mode."""

import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError
from dlbook.scratch import Dropout, check_layer_gradients


def test_dropout_zeroes_a_fraction_p_and_rescales_the_rest():
    x = np.ones((200, 500))
    out = Dropout(0.3, seed=0).forward(x)
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(out[out != 0], 1 / 0.7)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # inverted: the expectation is kept


def test_dropout_statistics_match_torch_dropout():
    x = np.ones((400, 400))
    ours = Dropout(0.5, seed=1).forward(x)
    torch.manual_seed(0)
    ref = torch.nn.functional.dropout(torch.tensor(x), 0.5, training=True).numpy()
    assert set(np.unique(ours)) == set(np.unique(ref)) == {0.0, 2.0}
    assert abs(np.mean(ours == 0) - np.mean(ref == 0)) < 0.01


def test_dropout_backward_uses_the_forward_mask():
    layer = Dropout(0.5, seed=2)
    x = np.random.default_rng(0).standard_normal((10, 10))
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[dx != 0], 2.0)
    assert check_layer_gradients(Dropout(0.4, seed=3), x)["x"] < 1e-8


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero():
    x = np.random.default_rng(1).standard_normal((5, 5))
    layer = Dropout(0.5).eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)
    np.testing.assert_array_equal(Dropout(0.0).forward(x), x)
    assert np.all(Dropout(1.0).forward(x) == 0)


def test_dropout_is_reproducible_with_a_seed():
    x = np.ones((20, 20))
    np.testing.assert_array_equal(Dropout(0.5, seed=7).forward(x), Dropout(0.5, seed=7).forward(x))
    assert not np.array_equal(Dropout(0.5, seed=7).forward(x), Dropout(0.5, seed=8).forward(x))


def test_dropout_rejects_a_probability_outside_0_1():
    with pytest.raises(DlbookError, match=r"\[0, 1\]"):
        Dropout(1.5)
