"""Long short-term memory (LSTM) cell in numpy, forward and backward.

With ``z = W_x x + W_h h_{t−1} + b`` split into four blocks (PyTorch's order i, f, g, o)::

    i = σ(z_i)   input gate          f = σ(z_f)   forget gate
    g = tanh(z_g) candidate c̃        o = σ(z_o)   output gate
    c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)

Along the cell state the gradient is only multiplied by the forget gate,
``∂c_t/∂c_{t−1} = diag(f_t)``, with no weight matrix and no squashing derivative in between,
so it survives many steps when ``f ≈ 1``.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive
from dlbook.scratch.rnn import RecurrentCell

__all__ = ["LSTMCell"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # numerically stable logistic function


class LSTMCell(RecurrentCell):
    """LSTM cell: ``forward(x, (h, c)) -> (h, c)``, ``backward(dh, dc) -> (dx, dh_prev, dc_prev)``.

    ``params``: ``W_x`` ``(4H, D)``, ``W_h`` ``(4H, H)``, ``b`` ``(4H,)`` with gate blocks in the
    order i, f, g, o, i.e. PyTorch's ``weight_ih``, ``weight_hh`` and ``bias_ih + bias_hh``.
    ``forward_sequence`` / ``backward_sequence`` run a whole sequence (BPTT).
    """

    def __init__(self, input_size: int, hidden_size: int, seed: int = 0,
                 forget_bias: float = 1.0):
        check_positive(input_size, "input_size", integer=True)
        check_positive(hidden_size, "hidden_size", integer=True)
        rng = np.random.default_rng(seed)
        H, bound = hidden_size, 1 / np.sqrt(hidden_size)
        b = np.zeros(4 * H)
        b[H : 2 * H] = forget_bias  # start by remembering: f ≈ σ(1) ≈ 0.73
        self.params = {
            "W_x": rng.uniform(-bound, bound, (4 * H, input_size)),
            "W_h": rng.uniform(-bound, bound, (4 * H, H)),
            "b": b,
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.input_size, self.hidden_size = input_size, hidden_size
        self.state_sizes = (H, H)
        self.cache = None

    def step(self, x, state):
        """One step from ``state = (h_prev, c_prev)``; returns ``((h, c), cache)``."""
        h_prev, c_prev = state
        p, H = self.params, self.hidden_size
        z = x @ p["W_x"].T + h_prev @ p["W_h"].T + p["b"]
        i, f = _sigmoid(z[:, :H]), _sigmoid(z[:, H : 2 * H])
        g, o = np.tanh(z[:, 2 * H : 3 * H]), _sigmoid(z[:, 3 * H :])
        c = f * c_prev + i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c
        return (h, c), (x, h_prev, c_prev, i, f, g, o, tanh_c)

    def step_backward(self, dstate, cache):
        """Gradients of one step; ``dstate = (dh, dc)`` w.r.t. this step's outputs."""
        dh, dc = dstate
        x, h_prev, c_prev, i, f, g, o, tanh_c = cache
        do = dh * tanh_c
        dc = dc + dh * o * (1 - tanh_c**2)  # both paths into c_t
        di, df, dg = dc * g, dc * c_prev, dc * i
        dc_prev = dc * f  # the forget gate is the whole local derivative along the cell state
        dz = np.concatenate(
            [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1
        )
        p = self.params
        grads = {"W_x": dz.T @ x, "W_h": dz.T @ h_prev, "b": dz.sum(axis=0)}
        return dz @ p["W_x"], (dz @ p["W_h"], dc_prev), grads
