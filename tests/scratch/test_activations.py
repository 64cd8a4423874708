"""Activations and their derivatives: against PyTorch and against central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DTypeError
from dlbook.scratch import (
    ACTIVATIONS,
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    linear,
    linear_grad,
    numerical_gradient,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    swish,
    swish_grad,
    tanh,
    tanh_grad,
)

X = np.random.default_rng(1).standard_normal((6, 5)) * 3
# (numpy function, numpy derivative, torch reference)
CASES = {
    "sigmoid": (sigmoid, sigmoid_grad, torch.sigmoid),
    "tanh": (tanh, tanh_grad, torch.tanh),
    "relu": (relu, relu_grad, F.relu),
    "leaky_relu": (lambda x: leaky_relu(x, 0.1), lambda x: leaky_relu_grad(x, 0.1),
                   lambda t: F.leaky_relu(t, 0.1)),
    "elu": (lambda x: elu(x, 0.7), lambda x: elu_grad(x, 0.7), lambda t: F.elu(t, 0.7)),
    "swish": (swish, swish_grad, F.silu),
    "linear": (linear, linear_grad, lambda t: t),
}


@pytest.mark.parametrize("name", CASES)
def test_activation_forward_and_derivative_match_torch_autograd(name):
    f, f_grad, ref = CASES[name]
    t = torch.tensor(X, requires_grad=True)
    out = ref(t)
    out.sum().backward()
    np.testing.assert_allclose(f(X), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f_grad(X), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_activation_derivative_matches_central_differences(name):
    f, f_grad, _ = CASES[name]
    x = X.copy()
    num = numerical_gradient(lambda z: float(np.sum(f(z))), x)
    np.testing.assert_allclose(f_grad(X), num, rtol=1e-6, atol=1e-8)


def test_kink_conventions_follow_pytorch():
    zero = np.zeros(3)
    assert np.all(relu_grad(zero) == 0)
    assert np.all(leaky_relu_grad(zero, 0.2) == 0.2)
    t = torch.zeros(3, requires_grad=True)
    F.leaky_relu(t, 0.2).sum().backward()
    np.testing.assert_allclose(leaky_relu_grad(zero, 0.2), t.grad.numpy())


def test_sigmoid_derivative_peaks_at_one_quarter():
    x = np.linspace(-10, 10, 2001)
    assert sigmoid_grad(x).max() == pytest.approx(0.25)
    assert np.argmax(sigmoid_grad(x)) == 1000


def test_sigmoid_and_softmax_do_not_overflow_on_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        p = softmax(np.array([[1000.0, 1001.0, 1002.0]]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(p, softmax(np.array([[0.0, 1.0, 2.0]])))


def test_float32_input_stays_float32():
    x = X.astype(np.float32)
    for name, (f, f_grad) in ACTIVATIONS.items():
        if name != "softmax":
            assert f(x).dtype == np.float32, name
            assert f_grad(x).dtype == np.float32, name


def test_softmax_matches_torch_and_rows_sum_to_one():
    p = softmax(X, axis=1)
    np.testing.assert_allclose(p, torch.softmax(torch.tensor(X), dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(X, axis=0), torch.softmax(torch.tensor(X), 0).numpy())


def test_softmax_grad_is_the_jacobian_computed_by_torch():
    z = X[:3]
    J = softmax_grad(z)
    assert J.shape == (3, 5, 5)
    for n in range(3):
        ref = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0),
                                                 torch.tensor(z[n]))
        np.testing.assert_allclose(J[n], ref.numpy(), rtol=1e-10, atol=1e-12)


def test_activations_dict_holds_function_and_derivative_pairs():
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish",
                                "linear", "softmax"}
    f, f_grad = ACTIVATIONS["tanh"]
    assert f is tanh and f_grad is tanh_grad


def test_universal_approximation_six_relu_sum_is_piecewise_linear():
    # the curriculum's Z(x) = −n1 − n2 − n3 + n4 + n5 + n6 (chương 7)
    x = np.linspace(-3, 3, 601)
    n = [relu(-5 * x - 7.7), relu(-1.2 * x - 1.3), relu(1.2 * x + 1), relu(1.2 * x - 0.2),
         relu(2 * x - 1.1), relu(5 * x - 5)]
    z = -n[0] - n[1] - n[2] + n[3] + n[4] + n[5]
    # slope changes only at the kinks −7.7/5, −1.3/1.2, −1/1.2, 0.2/1.2, 1.1/2, 1
    slopes = np.diff(z) / np.diff(x)
    changes = np.flatnonzero(np.abs(np.diff(slopes)) > 1e-6)
    assert len(changes) <= 12  # two grid cells around each of the 6 kinks
    assert z[300] == pytest.approx(-1.0)  # at x = 0 only n3 = ReLU(1) is active


def test_activation_rejects_text_input_in_vietnamese():
    with pytest.raises(DTypeError, match="phải chứa số thực"):
        relu(np.array(["a", "b"]))
