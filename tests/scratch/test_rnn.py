import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch.rnn import (
    RNNCell,
    SimpleRNN,
    jacobian_norms,
    rnn_backward,
    rnn_forward,
    step_jacobian,
)

from dlbook.scratch.gradcheck import gradient_check


def test_rnn_cell_forward_and_backward_match_torch_rnncell():
    rng = np.random.default_rng(0)
    cell = RNNCell(3, 5, seed=1)
    x, s_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 5))
    cell.params["b"] = rng.normal(size=5)
    ref = torch.nn.RNNCell(3, 5).double()
    with torch.no_grad():
        ref.weight_ih.copy_(torch.tensor(cell.params["U"]))
        ref.weight_hh.copy_(torch.tensor(cell.params["W"]))
        ref.bias_ih.copy_(torch.tensor(cell.params["b"]))
        ref.bias_hh.zero_()
    xt, st = torch.tensor(x, requires_grad=True), torch.tensor(s_prev, requires_grad=True)
    out_t = ref(xt, st)
    s = cell.forward(x, s_prev)
    np.testing.assert_allclose(s, out_t.detach().numpy(), atol=1e-12)

    ds = rng.normal(size=s.shape)
    out_t.backward(torch.tensor(ds))
    dx, ds_prev = cell.backward(ds)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ds_prev, st.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(cell.grads["U"], ref.weight_ih.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(cell.grads["W"], ref.weight_hh.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(cell.grads["b"], ref.bias_ih.grad.numpy(), atol=1e-12)


def test_rnn_forward_and_bptt_match_torch_rnn_over_a_sequence():
    rng = np.random.default_rng(1)
    N, T, D, H = 2, 6, 3, 4
    x, s0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    U, W, b = rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.5, rng.normal(size=H)
    s, cache = rnn_forward(x, s0, U, W, b)

    ref = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.tensor(U))
        ref.weight_hh_l0.copy_(torch.tensor(W))
        ref.bias_ih_l0.copy_(torch.tensor(b))
        ref.bias_hh_l0.zero_()
    xt, st = torch.tensor(x, requires_grad=True), torch.tensor(s0[None], requires_grad=True)
    out_t, _ = ref(xt, st)
    np.testing.assert_allclose(s, out_t.detach().numpy(), atol=1e-12)

    ds = rng.normal(size=s.shape)
    out_t.backward(torch.tensor(ds))
    dx, ds0, dU, dW, db = rnn_backward(ds, cache)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ds0, st.grad.numpy()[0], atol=1e-10)
    np.testing.assert_allclose(dU, ref.weight_ih_l0.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(dW, ref.weight_hh_l0.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(db, ref.bias_ih_l0.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("kind", ["cross_entropy", "mse"])
def test_simple_rnn_bptt_passes_gradient_check(kind):
    rng = np.random.default_rng(2)
    model = SimpleRNN(3, 4, 5, seed=0)
    model.params["b"] = rng.normal(size=4) * 0.1
    x = rng.normal(size=(2, 5, 3))
    y = rng.integers(0, 5, (2, 5)) if kind == "cross_entropy" else rng.normal(size=(2, 5, 5))
    _, grads = model.loss(x, y, kind=kind)
    grads = {k: v.copy() for k, v in grads.items()}

    def f():
        return model.loss(x, y, kind=kind)[0]

    for name, param in model.params.items():
        assert gradient_check(lambda _: f(), param, grads[name]) < 1e-6, name


def test_simple_rnn_learns_to_recall_the_previous_symbol():
    rng = np.random.default_rng(3)
    sym = rng.integers(0, 4, (32, 8))
    x = np.eye(4)[sym]
    y = np.roll(sym, 1, axis=1)
    y[:, 0] = 0
    model = SimpleRNN(4, 16, 4, seed=0)
    first, _ = model.loss(x, y)
    for _ in range(150):
        loss, grads = model.loss(x, y)
        for k in model.params:
            model.params[k] -= 0.5 * grads[k]
    assert loss < 0.5 * first
    pred = model.forward(x).argmax(-1)
    assert np.mean(pred[:, 1:] == y[:, 1:]) > 0.9


def test_step_jacobian_matches_numerical_derivative():
    rng = np.random.default_rng(4)
    H, D = 4, 3
    U, W, b = rng.normal(size=(H, D)), rng.normal(size=(H, H)), rng.normal(size=H)
    x, s_prev = rng.normal(size=D), rng.normal(size=H)
    s_t = np.tanh(U @ x + W @ s_prev + b)
    J = np.zeros((H, H))
    for j in range(H):
        e = np.zeros(H)
        e[j] = 1e-6
        J[:, j] = (np.tanh(U @ x + W @ (s_prev + e) + b)
                   - np.tanh(U @ x + W @ (s_prev - e) + b)) / 2e-6
    np.testing.assert_allclose(step_jacobian(s_t, W), J, atol=1e-8)


def test_jacobian_norms_equal_norm_of_numerical_long_range_derivative():
    rng = np.random.default_rng(5)
    T, D, H = 6, 2, 3
    U, W, b = rng.normal(size=(H, D)), rng.normal(size=(H, H)), np.zeros(H)
    x = rng.normal(size=(1, T, D))
    s, _ = rnn_forward(x, np.zeros((1, H)), U, W, b)
    norms = jacobian_norms(s[0], W)
    assert norms.shape == (T,)

    k = 3  # d s_T / d s_{T−k}: re-run the last k steps from a perturbed state
    def last_state(start):
        out, _ = rnn_forward(x[:, T - k:], start[None], U, W, b)
        return out[0, -1]

    start = s[0, T - k - 1]
    J = np.zeros((H, H))
    for j in range(H):
        e = np.zeros(H)
        e[j] = 1e-6
        J[:, j] = (last_state(start + e) - last_state(start - e)) / 2e-6
    assert norms[k - 1] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6)


def test_gradient_vanishes_geometrically_with_a_small_recurrent_matrix():
    rng = np.random.default_rng(6)
    H = 8
    W = rng.normal(size=(H, H))
    W *= 0.5 / np.linalg.norm(W, 2)  # spectral norm 0.5
    states = np.tanh(rng.normal(size=(20, H)))
    norms = jacobian_norms(states, W)
    assert np.all(np.diff(norms) < 0)
    assert np.all(norms <= 0.5 ** np.arange(1, 21) + 1e-12)


def test_bad_inputs_give_vietnamese_errors():
    with pytest.raises(ShapeError, match="đặc trưng"):
        rnn_forward(np.zeros((1, 2, 3)), np.zeros((1, 4)), np.zeros((4, 2)), np.zeros((4, 4)),
                    np.zeros(4))
    with pytest.raises(DlbookError, match="forward"):
        RNNCell(2, 2).backward(np.zeros((1, 2)))


def test_rnn_cell_forward_sequence_equals_functional_rnn_forward_and_backward():
    rng = np.random.default_rng(7)
    cell = RNNCell(3, 4, seed=0)
    x = rng.normal(size=(2, 5, 3))
    hs = cell.forward_sequence(x)
    p = cell.params
    s, cache = rnn_forward(x, np.zeros((2, 4)), p["U"], p["W"], p["b"])
    np.testing.assert_allclose(hs, s)
    ds = rng.normal(size=s.shape)
    dx, (ds0,) = cell.backward_sequence(ds)
    dx_ref, ds0_ref, dU, dW, db = rnn_backward(ds, cache)
    np.testing.assert_allclose(dx, dx_ref)
    np.testing.assert_allclose(ds0, ds0_ref)
    np.testing.assert_allclose(cell.grads["W"], dW)
