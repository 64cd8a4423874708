"""Optimisers (Phần 5, chương 15).

Every optimiser has ``step(params, grads)``: ``params`` and ``grads`` are dicts of numpy arrays
with the same keys (unique across the whole network, e.g. ``"0.W"``); the parameters are
updated **in place** and the optimiser keeps its state (velocities, running averages) per key.

The update rules are written exactly as PyTorch's ``torch.optim`` implements them (the tests
run both on the same parameters and gradients), so the hyper-parameters mean the same thing:

- ``SGD``:       ``θ ← θ − η·g``
- ``Momentum``:  ``v ← β·v + g``;  ``θ ← θ − η·v``  (``torch.optim.SGD(momentum=β)``). The other
  common form ``v ← β·v + η·g``, ``θ ← θ − v`` is the same sequence of ``θ`` when ``η`` is
  constant (its ``v`` is ``η`` times this one).
- ``Nesterov``:  ``v ← β·v + g``;  ``θ ← θ − η·(g + β·v)``  (``nesterov=True``). This is the
  classic "look-ahead" method ``u ← β·u − η·∇f(θ + β·u)``, ``θ ← θ + u``, rewritten so that
  only the gradient at the stored point is needed: the stored ``θ`` *is* the look-ahead point
  ``θ + β·u`` of the classic form (the tests check the two trajectories coincide).
- ``Adagrad``:   ``G ← G + g²``;  ``θ ← θ − η·g / (√G + ε)``
- ``Adadelta``:  ``E[g²] ← ρ·E[g²] + (1 − ρ)·g²``;
  ``Δ = √(E[Δ²] + ε) / √(E[g²] + ε) · g``;  ``E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²``;  ``θ ← θ − lr·Δ``
  (Zeiler 2012 has no learning rate, i.e. ``lr = 1``, the default).
- ``RMSprop``:   ``E[g²] ← β·E[g²] + (1 − β)·g²``;  ``θ ← θ − η·g / (√E[g²] + ε)``
  (``torch.optim.RMSprop(alpha=β)``).
- ``Adam``:      ``m ← β₁m + (1 − β₁)g``;  ``v ← β₂v + (1 − β₂)g²``;
  ``m̂ = m/(1 − β₁ᵗ)``, ``v̂ = v/(1 − β₂ᵗ)``;  ``θ ← θ − η·m̂/(√v̂ + ε)``.

``weight_decay=λ`` adds ``λ·θ`` to every gradient first (L2 regularisation, as PyTorch does).
"""

from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_positive


class Optimizer:
    """Base class: validates the dicts and applies weight decay; subclasses define ``_update``."""

    def __init__(self, lr: float, weight_decay: float = 0.0):
        check_positive(lr, "lr")
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.state: Dict[str, dict] = {}
        self.t = 0  # number of steps taken

    def step(self, params: Dict[str, np.ndarray], grads: Dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place using ``grads`` (same keys)."""
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise DTypeError(
                "`params` và `grads` phải là dict tên → mảng numpy (ví dụ {'W': W, 'b': b})."
            )
        missing = set(params) - set(grads)
        if missing:
            raise DlbookError(f"Thiếu gradient cho các tham số: {sorted(missing)}.")
        self.t += 1
        for key, p in params.items():
            g = grads[key]
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise DTypeError(
                    f"Tham số `{key}` phải là mảng numpy số thực (để cập nhật tại chỗ), "
                    f"nhưng nhận được {type(p).__name__}."
                )
            if np.shape(g) != p.shape:
                raise ShapeError(
                    f"Gradient `{key}` có kích thước {np.shape(g)} nhưng tham số có {p.shape}."
                )
            g = np.asarray(g, dtype=p.dtype)
            if self.weight_decay:
                g = g + self.weight_decay * p
            self._update(key, p, g, self.state.setdefault(key, {}))

    def _update(self, key, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def _zeros(self, state, name, p):
        if name not in state:
            state[name] = np.zeros_like(p)
        return state[name]

    def __repr__(self):
        hp = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k not in ("state", "t"))
        return f"{type(self).__name__}({hp})"


class SGD(Optimizer):
    """Plain (stochastic) gradient descent ``θ ← θ − η·g``."""

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)

    def _update(self, key, p, g, state):
        p -= self.lr * g


class Momentum(Optimizer):
    """SGD with momentum: ``v ← β·v + g``, ``θ ← θ − η·v``."""

    def __init__(self, lr: float = 0.01, beta: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        _check_unit(beta, "beta")
        self.beta = float(beta)

    def _update(self, key, p, g, state):
        v = self._zeros(state, "v", p)
        v *= self.beta
        v += g
        p -= self.lr * v


class Nesterov(Momentum):
    """Nesterov accelerated gradient (PyTorch form): ``v ← β·v + g``, ``θ ← θ − η·(g + β·v)``."""

    def _update(self, key, p, g, state):
        v = self._zeros(state, "v", p)
        v *= self.beta
        v += g
        p -= self.lr * (g + self.beta * v)


class Adagrad(Optimizer):
    """Adagrad: each parameter's step is divided by the root of its summed squared gradients,
    so the effective learning rate only decreases."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        check_positive(eps, "eps")
        self.eps = float(eps)

    def _update(self, key, p, g, state):
        G = self._zeros(state, "sum_sq", p)
        G += g * g
        p -= self.lr * g / (np.sqrt(G) + self.eps)


class Adadelta(Optimizer):
    """Adadelta: Adagrad with running averages instead of sums, and a step size taken from the
    running average of past updates (units of θ, no learning rate needed)."""

    def __init__(self, rho: float = 0.9, eps: float = 1e-6, lr: float = 1.0,
                 weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        _check_unit(rho, "rho")
        check_positive(eps, "eps")
        self.rho = float(rho)
        self.eps = float(eps)

    def _update(self, key, p, g, state):
        Eg = self._zeros(state, "avg_sq_grad", p)
        Ed = self._zeros(state, "avg_sq_delta", p)
        Eg *= self.rho
        Eg += (1 - self.rho) * g * g
        delta = np.sqrt(Ed + self.eps) / np.sqrt(Eg + self.eps) * g
        Ed *= self.rho
        Ed += (1 - self.rho) * delta * delta
        p -= self.lr * delta


class RMSprop(Optimizer):
    """RMSprop: divide the step by the root of a running average of squared gradients."""

    def __init__(self, lr: float = 0.001, beta: float = 0.9, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        _check_unit(beta, "beta")
        check_positive(eps, "eps")
        self.beta = float(beta)
        self.eps = float(eps)

    def _update(self, key, p, g, state):
        s = self._zeros(state, "avg_sq", p)
        s *= self.beta
        s += (1 - self.beta) * g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam = momentum (first moment ``m``) + RMSprop (second moment ``v``), both
    bias-corrected because they start at 0."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        _check_unit(beta1, "beta1")
        _check_unit(beta2, "beta2")
        check_positive(eps, "eps")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, key, p, g, state):
        m = self._zeros(state, "m", p)
        v = self._zeros(state, "v", p)
        state["t"] = t = state.get("t", 0) + 1
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        # m̂/(√v̂ + ε) = m/(1 − β₁ᵗ) / (√v/√(1 − β₂ᵗ) + ε), computed in place (as PyTorch does)
        denom = np.sqrt(v)
        denom /= np.sqrt(1 - self.beta2 ** t)
        denom += self.eps
        np.divide(m, denom, out=denom)
        denom *= self.lr / (1 - self.beta1 ** t)
        p -= denom


def _check_unit(value, name):
    if not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < 1.0:
        raise DlbookError(f"`{name}` phải nằm trong [0, 1), nhưng nhận được {value!r}.")


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def optimize_2d(optimizer: Optimizer, grad_fn: Callable[[np.ndarray], np.ndarray], start,
                steps: int = 100) -> np.ndarray:
    """Run ``optimizer`` on a function of two variables from ``start`` for ``steps`` steps.

    ``grad_fn(point)`` takes a ``(2,)`` array and returns the gradient ``(2,)``. Returns the
    trajectory, an array of shape ``(steps + 1, 2)`` whose first row is ``start``, ready for
    ``dlbook.viz.plot_optimizer_trajectories``. The optimiser keeps its state, so pass a fresh
    one for each run.
    """
    if not isinstance(optimizer, Optimizer):
        raise DTypeError(
            f"`optimizer` phải là một bộ tối ưu của dlbook.scratch.optim, nhưng nhận được "
            f"{type(optimizer).__name__}."
        )
    check_positive(steps, "steps", integer=True, allow_zero=True)
    point = np.array(start, dtype=np.float64).reshape(-1)
    if point.shape != (2,):
        raise ShapeError(f"`start` phải có 2 toạ độ (x, y), nhưng nhận được {np.shape(start)}.")
    params = {"xy": point}
    path = np.empty((steps + 1, 2))
    path[0] = point
    for k in range(1, steps + 1):
        grad = np.asarray(grad_fn(point.copy()), dtype=np.float64).reshape(-1)
        if grad.shape != (2,):
            raise ShapeError(f"`grad_fn` phải trả về gradient 2 thành phần, nhưng trả về {grad.shape}.")
        optimizer.step(params, {"xy": grad})
        path[k] = point
    return path


__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "optimize_2d",
]
