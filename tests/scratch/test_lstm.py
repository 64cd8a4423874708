import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch.lstm import LSTMCell

from dlbook.scratch.gradcheck import gradient_check


def _torch_copy(cell):
    ref = torch.nn.LSTMCell(cell.input_size, cell.hidden_size).double()
    with torch.no_grad():
        ref.weight_ih.copy_(torch.tensor(cell.params["W_x"]))
        ref.weight_hh.copy_(torch.tensor(cell.params["W_h"]))
        ref.bias_ih.copy_(torch.tensor(cell.params["b"]))
        ref.bias_hh.zero_()
    return ref


def test_lstm_cell_forward_and_backward_match_torch_lstmcell():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, seed=1)
    cell.params["b"] = rng.normal(size=16)
    x, h0, c0 = rng.normal(size=(5, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    ref = _torch_copy(cell)
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    h_ref, c_ref = ref(xt, (ht, ct))
    h, c = cell.forward(x, (h0, c0))
    np.testing.assert_allclose(h, h_ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c, c_ref.detach().numpy(), atol=1e-12)

    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    torch.autograd.backward([h_ref, c_ref], [torch.tensor(dh), torch.tensor(dc)])
    dx, dh0, dc0 = cell.backward(dh, dc)
    for ours, theirs in [(dx, xt.grad), (dh0, ht.grad), (dc0, ct.grad),
                         (cell.grads["W_x"], ref.weight_ih.grad),
                         (cell.grads["W_h"], ref.weight_hh.grad),
                         (cell.grads["b"], ref.bias_ih.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_lstm_sequence_matches_torch_lstm_and_passes_gradient_check():
    rng = np.random.default_rng(1)
    cell = LSTMCell(2, 3, seed=2)
    x = rng.normal(size=(2, 5, 2))
    hs = cell.forward_sequence(x)
    ref = torch.nn.LSTM(2, 3, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.tensor(cell.params["W_x"]))
        ref.weight_hh_l0.copy_(torch.tensor(cell.params["W_h"]))
        ref.bias_ih_l0.copy_(torch.tensor(cell.params["b"]))
        ref.bias_hh_l0.zero_()
    out, _ = ref(torch.tensor(x))
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-12)

    dh_seq = rng.normal(size=hs.shape)
    dx, _ = cell.backward_sequence(dh_seq)
    grads = {k: v.copy() for k, v in cell.grads.items()}

    def f():
        return float(np.sum(cell.forward_sequence(x) * dh_seq))

    assert gradient_check(lambda _: f(), x, dx) < 1e-6
    for name, param in cell.params.items():
        assert gradient_check(lambda _: f(), param, grads[name]) < 1e-6, name


def test_cell_state_gradient_is_multiplied_only_by_the_forget_gate():
    rng = np.random.default_rng(2)
    cell = LSTMCell(2, 3, seed=0)
    x, h0, c0 = rng.normal(size=(4, 2)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    cell.forward(x, (h0, c0))
    dc = rng.normal(size=(4, 3))
    _, _, dc_prev = cell.backward(np.zeros((4, 3)), dc)  # gradient only along c
    forget = cell.cache[4]
    np.testing.assert_allclose(dc_prev, dc * forget)


def test_lstm_learns_to_remember_the_first_input():
    rng = np.random.default_rng(3)
    x = np.zeros((64, 6, 1))
    x[:, 0, 0] = rng.choice([-1.0, 1.0], 64)
    x[:, 1:, 0] = rng.normal(0, 0.1, (64, 5))  # distractors
    y = x[:, 0, 0]
    cell = LSTMCell(1, 6, seed=0)
    w_out = np.zeros(6)

    def loss_and_grads():
        hs = cell.forward_sequence(x)
        pred = hs[:, -1] @ w_out
        err = pred - y
        dh = np.zeros_like(hs)
        dh[:, -1] = np.outer(2 * err / len(y), w_out)
        cell.backward_sequence(dh)
        return np.mean(err**2), hs[:, -1].T @ (2 * err / len(y))

    first, _ = loss_and_grads()
    for _ in range(200):
        loss, dw = loss_and_grads()
        w_out -= 0.5 * dw
        for k in cell.params:
            cell.params[k] -= 0.5 * cell.grads[k]
    assert loss < 0.2 * first


def test_lstm_rejects_wrong_feature_count_and_early_backward():
    with pytest.raises(ShapeError, match="đặc trưng"):
        LSTMCell(3, 2).forward(np.zeros((1, 4)))
    with pytest.raises(DlbookError, match="forward"):
        LSTMCell(3, 2).backward(np.zeros((1, 2)))
    with pytest.raises(DlbookError, match="forward_sequence"):
        LSTMCell(3, 2).backward_sequence(np.zeros((1, 2, 2)))
