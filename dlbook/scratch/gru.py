"""Gated recurrent unit (GRU) cell in numpy, forward and backward, in PyTorch's formulation.

Gate blocks in the order r, z, n (reset, update, new)::

    r = σ(W_xr x + b_xr + W_hr h + b_hr)
    z = σ(W_xz x + b_xz + W_hz h + b_hz)
    n = tanh(W_xn x + b_xn + r ⊙ (W_hn h + b_hn))     # reset gate applied after W_hn h + b_hn
    h' = (1 − z) ⊙ n + z ⊙ h

Because ``r`` multiplies ``W_hn h + b_hn``, the two biases of the ``n`` block cannot be merged,
so the cell keeps ``b_x`` and ``b_h`` like ``torch.nn.GRUCell`` (``bias_ih``, ``bias_hh``).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive
from dlbook.scratch.rnn import RecurrentCell

__all__ = ["GRUCell"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class GRUCell(RecurrentCell):
    """GRU cell: ``forward(x, h) -> h'``, ``backward(dh') -> (dx, dh)``.

    ``params``: ``W_x`` ``(3H, D)``, ``W_h`` ``(3H, H)``, ``b_x`` ``(3H,)``, ``b_h`` ``(3H,)``,
    blocks r, z, n — the same tensors as ``torch.nn.GRUCell``'s ``weight_ih``, ``weight_hh``,
    ``bias_ih``, ``bias_hh``.
    """

    def __init__(self, input_size: int, hidden_size: int, seed: int = 0):
        check_positive(input_size, "input_size", integer=True)
        check_positive(hidden_size, "hidden_size", integer=True)
        rng = np.random.default_rng(seed)
        H, bound = hidden_size, 1 / np.sqrt(hidden_size)
        self.params = {
            "W_x": rng.uniform(-bound, bound, (3 * H, input_size)),
            "W_h": rng.uniform(-bound, bound, (3 * H, H)),
            "b_x": np.zeros(3 * H),
            "b_h": np.zeros(3 * H),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.input_size, self.hidden_size = input_size, hidden_size
        self.state_sizes = (H,)
        self.cache = None

    def step(self, x, state):
        (h_prev,) = state
        p, H = self.params, self.hidden_size
        ax = x @ p["W_x"].T + p["b_x"]
        ah = h_prev @ p["W_h"].T + p["b_h"]
        r = _sigmoid(ax[:, :H] + ah[:, :H])
        z = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
        h = (1 - z) * n + z * h_prev
        return (h,), (x, h_prev, r, z, n, ah[:, 2 * H :])

    def step_backward(self, dstate, cache):
        (dh,) = dstate
        x, h_prev, r, z, n, ah_n = cache
        dn = dh * (1 - z)
        dz = dh * (h_prev - n)
        dh_prev = dh * z
        dan = dn * (1 - n**2)  # gradient w.r.t. the pre-activation of n
        dr = dan * ah_n
        dax = np.concatenate([dr * r * (1 - r), dz * z * (1 - z), dan], axis=1)
        dah = np.concatenate([dax[:, : 2 * self.hidden_size], dan * r], axis=1)
        p = self.params
        dh_prev = dh_prev + dah @ p["W_h"]
        grads = {"W_x": dax.T @ x, "W_h": dah.T @ h_prev, "b_x": dax.sum(axis=0),
                 "b_h": dah.sum(axis=0)}
        return dax @ p["W_x"], (dh_prev,), grads
