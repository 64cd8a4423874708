"""Optimisers: the same steps as torch.optim on the same parameters and gradients, the
Nesterov convention, optimize_2d trajectories."""

import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError, DTypeError, ShapeError
from dlbook.scratch import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    RMSprop,
    optimize_2d,
)

rng = np.random.default_rng(0)
A = rng.standard_normal((4, 4))
A = A @ A.T + np.eye(4)  # positive definite: a convex quadratic loss ½θᵀAθ − bᵀθ
B = rng.standard_normal(4)
START = {"w": rng.standard_normal((2, 2)), "b": rng.standard_normal(4)}


def _grad(theta):
    return A @ theta - B


PAIRS = {  # ours, torch constructor
    "sgd": (lambda: SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    "momentum": (lambda: Momentum(0.05, beta=0.9),
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "nesterov": (lambda: Nesterov(0.05, beta=0.9),
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: Adagrad(0.3, eps=1e-10), lambda p: torch.optim.Adagrad(p, lr=0.3, eps=1e-10)),
    "adadelta": (lambda: Adadelta(rho=0.9, eps=1e-6),
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)),
    "rmsprop": (lambda: RMSprop(0.01, beta=0.9, eps=1e-8),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "adam": (lambda: Adam(0.1, beta1=0.9, beta2=0.999, eps=1e-8),
             lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8)),
    "sgd_weight_decay": (lambda: SGD(0.05, weight_decay=0.1),
                         lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1)),
    "adam_weight_decay": (lambda: Adam(0.1, weight_decay=0.1),
                          lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", PAIRS)
def test_optimizer_steps_match_torch_optim(name):
    make_ours, make_torch = PAIRS[name]
    params = {k: v.copy() for k, v in START.items()}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in START.items()}
    ours, ref = make_ours(), make_torch(list(tparams.values()))
    for _ in range(8):
        # gradients depend on the current parameters, so a wrong step changes later ones too
        theta = params["w"].ravel()
        grads = {"w": _grad(theta).reshape(2, 2), "b": np.tanh(params["b"]) * 2}
        tw = tparams["w"].detach().numpy().ravel()
        tparams["w"].grad = torch.tensor(_grad(tw).reshape(2, 2))
        tparams["b"].grad = torch.tanh(tparams["b"].detach()) * 2
        w_before = params["w"]
        ours.step(params, grads)
        ref.step()
        assert params["w"] is w_before  # updated in place
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_nesterov_torch_form_is_the_classic_lookahead_method():
    """Classic NAG: u ← βu − η∇f(θ + βu), θ ← θ + u. The torch form stores φ = θ + βu."""
    lr, beta = 0.05, 0.9
    theta, u = START["b"].copy(), np.zeros(4)
    phi = {"p": START["b"].copy()}
    opt = Nesterov(lr, beta)
    for _ in range(30):
        u = beta * u - lr * _grad(theta + beta * u)
        theta = theta + u
        opt.step(phi, {"p": _grad(phi["p"])})
        np.testing.assert_allclose(phi["p"], theta + beta * u, rtol=1e-10, atol=1e-12)


def test_momentum_with_lr_inside_the_velocity_gives_the_same_trajectory():
    lr, beta = 0.05, 0.9
    theta, v = START["b"].copy(), np.zeros(4)
    params = {"p": START["b"].copy()}
    opt = Momentum(lr, beta)
    for _ in range(20):
        v = beta * v + lr * _grad(theta)
        theta = theta - v
        opt.step(params, {"p": _grad(params["p"])})
    np.testing.assert_allclose(params["p"], theta, rtol=1e-10)


@pytest.mark.parametrize("opt", [SGD(0.05), Momentum(0.05), Nesterov(0.05), Adagrad(0.5),
                                 Adadelta(), RMSprop(0.05), Adam(0.1)])
def test_optimize_2d_returns_a_trajectory_that_approaches_the_minimum(opt):
    # elongated bowl f(x, y) = x² + 10 y², minimum at (0, 0)
    path = optimize_2d(opt, lambda p: np.array([2 * p[0], 20 * p[1]]), start=(-4.0, 2.0), steps=400)
    assert path.shape == (401, 2)
    np.testing.assert_array_equal(path[0], [-4.0, 2.0])
    f = lambda p: p[..., 0] ** 2 + 10 * p[..., 1] ** 2  # noqa: E731
    limit = 36.0 * 0.9 if isinstance(opt, Adadelta) else 1e-2  # Adadelta starts very slowly
    assert f(path[-1]) < limit


def test_sgd_at_twice_the_inverse_curvature_oscillates_forever():
    # along y the curvature is 20: lr = 0.1 = 2/20 flips the sign of y at every step
    path = optimize_2d(SGD(0.1), lambda p: np.array([2 * p[0], 20 * p[1]]), start=(-4.0, 2.0), steps=5)
    np.testing.assert_allclose(path[:, 1], [2, -2, 2, -2, 2, -2])


def test_adam_first_step_has_size_lr_whatever_the_gradient_scale():
    for scale in (1e-3, 1.0, 1e3):
        p = {"x": np.array([1.0])}
        Adam(0.1).step(p, {"x": np.array([scale])})
        assert p["x"][0] == pytest.approx(0.9, abs=1e-5)  # ε = 1e-8 only matters when |g| ~ ε


def test_optimizer_errors_are_in_vietnamese():
    with pytest.raises(DlbookError, match="Thiếu gradient"):
        SGD(0.1).step({"w": np.zeros(2)}, {})
    with pytest.raises(ShapeError, match="kích thước"):
        SGD(0.1).step({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(DTypeError, match="cập nhật tại chỗ"):
        SGD(0.1).step({"w": [0.0, 1.0]}, {"w": np.zeros(2)})
    with pytest.raises(DlbookError, match="dương"):
        Adam(lr=-1.0)
    with pytest.raises(DlbookError, match=r"\[0, 1\)"):
        Momentum(0.1, beta=1.5)
    with pytest.raises(ShapeError, match="2 toạ độ"):
        optimize_2d(SGD(0.1), lambda p: p, start=(1.0, 2.0, 3.0), steps=3)
