import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError
from dlbook.scratch.gru import GRUCell

from dlbook.scratch.gradcheck import gradient_check


def _random_cell(rng, d=3, h=4):
    cell = GRUCell(d, h, seed=1)
    cell.params["b_x"] = rng.normal(size=3 * h)
    cell.params["b_h"] = rng.normal(size=3 * h)  # distinct biases: b_hn sits inside r ⊙ (...)
    return cell


def test_gru_cell_forward_and_backward_match_torch_grucell():
    rng = np.random.default_rng(0)
    cell = _random_cell(rng)
    ref = torch.nn.GRUCell(3, 4).double()
    with torch.no_grad():
        ref.weight_ih.copy_(torch.tensor(cell.params["W_x"]))
        ref.weight_hh.copy_(torch.tensor(cell.params["W_h"]))
        ref.bias_ih.copy_(torch.tensor(cell.params["b_x"]))
        ref.bias_hh.copy_(torch.tensor(cell.params["b_h"]))
    x, h0 = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    h_ref = ref(xt, ht)
    h = cell.forward(x, h0)
    np.testing.assert_allclose(h, h_ref.detach().numpy(), atol=1e-12)

    dh = rng.normal(size=h.shape)
    h_ref.backward(torch.tensor(dh))
    dx, dh0 = cell.backward(dh)
    for ours, theirs in [(dx, xt.grad), (dh0, ht.grad),
                         (cell.grads["W_x"], ref.weight_ih.grad),
                         (cell.grads["W_h"], ref.weight_hh.grad),
                         (cell.grads["b_x"], ref.bias_ih.grad),
                         (cell.grads["b_h"], ref.bias_hh.grad)]:
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_gru_sequence_backward_passes_gradient_check():
    rng = np.random.default_rng(1)
    cell = _random_cell(rng, 2, 3)
    x = rng.normal(size=(2, 4, 2))
    dh_seq = rng.normal(size=(2, 4, 3))
    cell.forward_sequence(x)
    dx, _ = cell.backward_sequence(dh_seq)
    grads = {k: v.copy() for k, v in cell.grads.items()}

    def f():
        return float(np.sum(cell.forward_sequence(x) * dh_seq))

    assert gradient_check(lambda _: f(), x, dx) < 1e-6
    for name, param in cell.params.items():
        assert gradient_check(lambda _: f(), param, grads[name]) < 1e-6, name


def test_update_gate_near_one_copies_the_previous_state():
    cell = GRUCell(2, 3, seed=0)
    cell.params["b_x"][3:6] = 30.0  # z = σ(30) ≈ 1
    h0 = np.array([[0.3, -0.2, 0.9]])
    np.testing.assert_allclose(cell.forward(np.ones((1, 2)), h0), h0, atol=1e-10)


def test_gru_backward_before_forward_is_an_error():
    with pytest.raises(DlbookError, match="forward"):
        GRUCell(2, 2).backward(np.zeros((1, 2)))
