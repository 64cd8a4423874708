"""gradient_check: it must accept correct gradients and catch wrong ones."""

import numpy as np
import pytest

from dlbook.errors import DTypeError
from dlbook.scratch import Dense, check_layer_gradients, gradient_check, numerical_gradient


def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    num = numerical_gradient(lambda z: float(np.sum(z ** 3)), x.copy())
    np.testing.assert_allclose(num, 3 * x ** 2, rtol=1e-8)


def test_numerical_gradient_restores_the_input():
    x = np.array([0.3, -0.7, 1.1])
    before = x.copy()
    numerical_gradient(lambda z: float(np.sum(np.sin(z))), x)
    np.testing.assert_array_equal(x, before)


def test_gradient_check_accepts_the_right_gradient_and_flags_a_wrong_one():
    x = np.random.default_rng(0).standard_normal(10)
    f = lambda z: float(np.sum(z ** 3))  # noqa: E731
    assert gradient_check(f, x.copy(), 3 * x ** 2) < 1e-8
    assert gradient_check(f, x.copy(), 2 * x ** 2) > 0.1


class _BrokenDense(Dense):
    """dW forgot a transpose-free sum over the batch: uses only the first sample."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["W"] = np.outer(self.cache[0], dout[0])
        return dx


def test_check_layer_gradients_catches_a_wrong_backward():
    x = np.random.default_rng(1).standard_normal((4, 3))
    good = check_layer_gradients(Dense(3, 2, seed=1), x)
    bad = check_layer_gradients(_BrokenDense(3, 2, seed=1), x)
    assert max(good.values()) < 1e-7
    assert bad["W"] > 1e-2 and bad["x"] < 1e-7


def test_gradient_check_refuses_float32_and_integers():
    with pytest.raises(DTypeError, match="float64"):
        numerical_gradient(lambda z: 0.0, np.zeros(3, dtype=np.float32))
    with pytest.raises(DTypeError, match="số thực"):
        numerical_gradient(lambda z: 0.0, np.zeros(3, dtype=int))
