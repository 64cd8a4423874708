"""A vanilla recurrent neural network in numpy, with back-propagation through time (BPTT).

    s_t = tanh(U x_t + W s_{t−1} + b),        ŷ_t = softmax(V s_t + c)

Shapes: ``x`` is ``(N, T, D)`` (batch, time, features), hidden states ``(N, T, H)``,
``U`` is ``(H, D)``, ``W`` is ``(H, H)``, ``V`` is ``(O, H)``.

Why gradients vanish: ``∂s_t/∂s_{t−1} = diag(1 − s_t²) · W``, so the gradient that reaches
``s_{t−k}`` is a product of ``k`` such matrices; with ``|1 − s²| ≤ 1`` and a small ``W`` it
shrinks geometrically (:func:`jacobian_norms` computes it for a figure).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array, check_positive, check_positive_ints

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "RecurrentCell",
    "RNNCell",
    "SimpleRNN",
    "step_jacobian",
    "jacobian_norms",
]


def rnn_step_forward(x, s_prev, U, W, b):
    """One time step: ``s = tanh(x Uᵀ + s_prev Wᵀ + b)``. Returns ``(s, cache)``."""
    s = np.tanh(x @ U.T + s_prev @ W.T + b)
    return s, (x, s_prev, s, U, W)


def rnn_step_backward(ds, cache):
    """Gradients of one step: returns ``dx, ds_prev, dU, dW, db``."""
    x, s_prev, s, U, W = cache
    dz = ds * (1 - s**2)  # tanh'(z) = 1 − tanh(z)²
    return dz @ U, dz @ W, dz.T @ x, dz.T @ s_prev, dz.sum(axis=0)


def rnn_forward(x, s0, U, W, b):
    """Run the recurrence over a whole sequence ``x`` ``(N, T, D)`` from state ``s0`` ``(N, H)``.

    Returns ``(s, cache)`` with ``s`` of shape ``(N, T, H)``.
    """
    x = check_array(x, "x", ndim=3)
    s0 = check_array(s0, "s0", shape=(x.shape[0], W.shape[0]))
    if x.shape[2] != U.shape[1]:
        raise ShapeError(f"`x` có {x.shape[2]} đặc trưng nhưng `U` có kích thước {U.shape}.")
    states, caches = [], []
    s = s0
    for t in range(x.shape[1]):
        s, cache = rnn_step_forward(x[:, t], s, U, W, b)
        states.append(s)
        caches.append(cache)
    return np.stack(states, axis=1), caches


def rnn_backward(ds, caches):
    """Back-propagation through time.

    ``ds`` ``(N, T, H)`` is the loss gradient w.r.t. every hidden state coming from *above*
    (the output layer). Walking back in time, each step also receives the gradient flowing in
    from step ``t + 1``. Returns ``dx, ds0, dU, dW, db``.
    """
    x0, _, _, U, W = caches[0]
    N, T, H = ds.shape
    dx = np.zeros((N, T, x0.shape[1]))
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(H)
    ds_next = np.zeros((N, H))  # gradient arriving from the future
    for t in reversed(range(T)):
        dx[:, t], ds_next, dU_t, dW_t, db_t = rnn_step_backward(ds[:, t] + ds_next, caches[t])
        dU += dU_t
        dW += dW_t
        db += db_t
    return dx, ds_next, dU, dW, db


def _init(rng, fan_in, shape):
    return rng.uniform(-1, 1, shape) / np.sqrt(fan_in)


class RecurrentCell:
    """Base of :class:`RNNCell`, ``LSTMCell`` and ``GRUCell``: one step, or a whole sequence.

    A subclass defines ``state_sizes`` (``(H,)`` for RNN/GRU, ``(H, H)`` for LSTM's ``(h, c)``),
    ``step(x, state) -> (state, cache)`` and ``step_backward(dstate, cache) -> (dx, dstate_prev,
    grads)``, where ``state`` is a tuple whose first entry is the output ``h``.
    """

    state_sizes: tuple = ()

    def _init_state(self, x, state):
        if state is None:
            return tuple(np.zeros((x.shape[0], n)) for n in self.state_sizes)
        state = state if isinstance(state, tuple) else (state,)
        return tuple(check_array(s, f"state[{i}]", shape=(x.shape[0], n))
                     for i, (s, n) in enumerate(zip(state, self.state_sizes)))

    def _check_x(self, x, ndim):
        x = check_array(x, "x", ndim=ndim)
        if x.shape[-1] != self.input_size:
            raise ShapeError(
                f"`x` phải có {self.input_size} đặc trưng ở chiều cuối, nhưng có kích thước "
                f"{x.shape}."
            )
        return x

    def forward(self, x, state=None):
        """One step as a layer: ``x`` ``(N, D)`` and the previous state (zeros if ``None``) give
        the new state, ``h`` for a cell with one state and ``(h, c)`` for LSTM; cached for
        :meth:`backward`."""
        x = self._check_x(x, 2)
        new_state, self.cache = self.step(x, self._init_state(x, state))
        return new_state[0] if len(new_state) == 1 else new_state

    def backward(self, dh, *dstate):
        """Backward of :meth:`forward`: ``dh`` (and ``dc`` for LSTM, zeros if left out) give
        ``(dx, dh_prev)`` (``(dx, dh_prev, dc_prev)`` for LSTM); ``self.grads`` holds the step's
        parameter gradients."""
        if self.cache is None:
            raise DlbookError("Hãy gọi `forward` trước `backward`.")
        dstate = (dh, *dstate) + tuple(np.zeros_like(dh) for _ in self.state_sizes[1 + len(dstate):])
        dx, dstate_prev, self.grads = self.step_backward(dstate, self.cache)
        return (dx, *dstate_prev)

    def forward_sequence(self, x, state=None):
        """Run over ``x`` ``(N, T, D)``; returns the outputs ``h`` ``(N, T, H)`` and caches."""
        x = self._check_x(x, 3)
        state = self._init_state(x, state)
        self._seq_caches, outputs = [], []
        for t in range(x.shape[1]):
            state, cache = self.step(x[:, t], state)
            self._seq_caches.append(cache)
            outputs.append(state[0])
        self.final_state_ = state
        return np.stack(outputs, axis=1)

    def backward_sequence(self, dh_seq, dstate_last=None):
        """BPTT: ``dh_seq`` ``(N, T, H)`` comes from above; returns ``dx`` and ``dstate0``.

        Parameter gradients are summed over time into ``self.grads``.
        """
        if not getattr(self, "_seq_caches", None):
            raise DlbookError("Hãy gọi `forward_sequence` trước `backward_sequence`.")
        N, T, _ = dh_seq.shape
        dstate = (tuple(np.zeros((N, n)) for n in self.state_sizes)
                  if dstate_last is None else tuple(dstate_last))
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        dx = np.zeros((N, T, self.input_size))
        for t in reversed(range(T)):
            dstate = (dstate[0] + dh_seq[:, t],) + dstate[1:]
            dx[:, t], dstate, grads = self.step_backward(dstate, self._seq_caches[t])
            for k, g in grads.items():
                self.grads[k] += g
        return dx, dstate


class RNNCell(RecurrentCell):
    """One recurrent step as a layer: ``forward(x, s_prev) -> s``, ``backward(ds) -> (dx, ds_prev)``.

    ``params``: ``U`` ``(H, D)``, ``W`` ``(H, H)``, ``b`` ``(H,)`` (PyTorch's ``RNNCell`` has
    ``weight_ih = U``, ``weight_hh = W`` and two biases whose sum is ``b``).
    """

    def __init__(self, input_size: int, hidden_size: int, seed: int = 0):
        check_positive(input_size, "input_size", integer=True)
        check_positive(hidden_size, "hidden_size", integer=True)
        rng = np.random.default_rng(seed)
        self.params = {
            "U": _init(rng, hidden_size, (hidden_size, input_size)),
            "W": _init(rng, hidden_size, (hidden_size, hidden_size)),
            "b": np.zeros(hidden_size),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.input_size, self.hidden_size = input_size, hidden_size
        self.state_sizes = (hidden_size,)
        self.cache = None

    def step(self, x, state):
        p = self.params
        s, cache = rnn_step_forward(x, state[0], p["U"], p["W"], p["b"])
        return (s,), cache

    def step_backward(self, dstate, cache):
        dx, ds_prev, dU, dW, db = rnn_step_backward(dstate[0], cache)
        return dx, (ds_prev,), {"U": dU, "W": dW, "b": db}


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class SimpleRNN:
    """Many-to-many RNN: ``s_t = tanh(U x_t + W s_{t−1} + b)``, output ``o_t = V s_t + c``.

    ``loss(x, y)`` returns ``(loss, grads)`` and fills ``self.grads``:
    ``"cross_entropy"`` (``y`` integer classes ``(N, T)``, ``ŷ = softmax(o)``) or ``"mse"``
    (``y`` ``(N, T, O)``). ``params``: ``U, W, b, V, c``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, seed: int = 0):
        check_positive_ints(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        rng = np.random.default_rng(seed)
        self.params = {
            "U": _init(rng, hidden_size, (hidden_size, input_size)),
            "W": _init(rng, hidden_size, (hidden_size, hidden_size)),
            "b": np.zeros(hidden_size),
            "V": _init(rng, hidden_size, (output_size, hidden_size)),
            "c": np.zeros(output_size),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.hidden_size = hidden_size
        self._cache = None

    def forward(self, x, s0=None):
        """Outputs ``o`` ``(N, T, O)`` (logits for classification); caches for ``backward``."""
        x = check_array(x, "x", ndim=3)
        if s0 is None:
            s0 = np.zeros((x.shape[0], self.hidden_size))
        p = self.params
        s, caches = rnn_forward(x, s0, p["U"], p["W"], p["b"])
        self._cache = (s, caches)
        self.states_ = s
        return s @ p["V"].T + p["c"]

    def backward(self, dout):
        """``dout`` = dLoss/d(outputs) ``(N, T, O)``; returns ``dx`` and fills ``self.grads``."""
        if self._cache is None:
            raise DlbookError("Hãy gọi `forward` trước `backward`.")
        s, caches = self._cache
        N, T, H = s.shape
        self.grads["V"] = dout.reshape(N * T, -1).T @ s.reshape(N * T, H)
        self.grads["c"] = dout.sum(axis=(0, 1))
        ds = dout @ self.params["V"]
        dx, _, self.grads["U"], self.grads["W"], self.grads["b"] = rnn_backward(ds, caches)
        return dx

    def loss(self, x, y, kind: str = "cross_entropy"):
        """Mean loss over all ``N·T`` outputs and its gradients (``self.grads``)."""
        out = self.forward(x)
        N, T, O = out.shape
        if kind == "cross_entropy":
            y = check_array(y, "y", shape=(N, T), dtype="int")
            probs = _softmax(out)
            picked = probs[np.arange(N)[:, None], np.arange(T)[None, :], y]
            loss = -np.mean(np.log(picked + 1e-12))
            dout = probs.copy()
            dout[np.arange(N)[:, None], np.arange(T)[None, :], y] -= 1
            dout /= N * T
        elif kind == "mse":
            y = check_array(y, "y", shape=(N, T, O))
            loss = np.mean((out - y) ** 2)
            dout = 2 * (out - y) / out.size
        else:
            raise DlbookError(f"`kind` phải là 'cross_entropy' hoặc 'mse', không phải {kind!r}.")
        self.backward(dout)
        return float(loss), self.grads


def step_jacobian(s_t, W):
    """``∂s_t/∂s_{t−1} = diag(1 − s_t²) · W`` for one sequence (``s_t`` of shape ``(H,)``)."""
    return (1 - np.asarray(s_t) ** 2)[:, None] * W


def jacobian_norms(states, W) -> np.ndarray:
    """Spectral norms of ``∂s_T/∂s_{T−k}`` for ``k = 1 … T`` (one sequence).

    ``states`` are ``s_1 … s_T`` with shape ``(T, H)``. Entry ``k − 1`` is
    ``‖J_T J_{T−1} ⋯ J_{T−k+1}‖₂`` with ``J_t = diag(1 − s_t²) W``: how much of a gradient at
    step ``T`` survives ``k`` steps back.
    """
    states = check_array(states, "states", ndim=2)
    product = np.eye(W.shape[0])
    norms = []
    for t in reversed(range(states.shape[0])):
        product = product @ step_jacobian(states[t], W)
        norms.append(np.linalg.norm(product, 2))
    return np.asarray(norms)
