"""LinearRegression, LogisticRegression and mlp: shapes, errors, and fits compared with references."""

import numpy as np
import pytest
import torch

from dlbook import nn as dnn


def test_mlp_2_3_4_1_has_the_chapters_shapes():
    model = dnn.mlp([2, 3, 4, 1], "sigmoid")
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    # PyTorch stores W as (out, in): the chapter's W¹ is 2×3, i.e. weight.T
    assert [tuple(m.weight.T.shape) for m in linears] == [(2, 3), (3, 4), (4, 1)]
    assert dnn.count_parameters(model) == (2 * 3 + 3) + (3 * 4 + 4) + (4 * 1 + 1)
    assert isinstance(model[-1], torch.nn.Linear)


def test_mlp_output_activation_dropout_and_batch_norm_are_added():
    model = dnn.mlp([4, 8, 3], "relu", output_activation="sigmoid", dropout=0.5, batch_norm=True)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "Sigmoid"]


@pytest.mark.parametrize("sizes", [[3], [3, 0, 1], [2.5, 1]])
def test_mlp_rejects_bad_sizes_in_vietnamese(sizes):
    with pytest.raises(ValueError, match="sizes"):
        dnn.mlp(sizes)


def test_mlp_rejects_unknown_activation():
    with pytest.raises(ValueError, match="kích hoạt"):
        dnn.mlp([2, 2], "nope")


def test_linear_regression_recovers_2x0_plus_3x1_plus_4():
    torch.manual_seed(0)
    x = torch.rand(200, 2)
    y = 2 * x[:, :1] + 3 * x[:, 1:] + 4 + 0.01 * torch.randn(200, 1)
    model = dnn.LinearRegression(2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(800):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    w = model.linear.weight.detach().numpy().ravel()
    b = model.linear.bias.item()
    # reference: least squares with numpy
    X1 = np.c_[np.ones(200), x.numpy()]
    ref = np.linalg.lstsq(X1, y.numpy().ravel(), rcond=None)[0]
    np.testing.assert_allclose([b, *w], ref, atol=2e-3)
    np.testing.assert_allclose([b, *w], [4, 2, 3], atol=0.05)


def test_logistic_regression_matches_scikit_learn_without_penalty():
    from sklearn.linear_model import LogisticRegression as SkLogReg

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=1.0, size=200) > 0).astype(np.float32)
    model = dnn.LogisticRegression(2)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=500, tolerance_grad=1e-10, tolerance_change=1e-12)
    xt, yt = torch.from_numpy(X), torch.from_numpy(y)[:, None]

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt), yt)
        loss.backward()
        return loss

    opt.step(closure)
    ref = SkLogReg(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(model.linear.weight.detach().numpy(), ref.coef_, atol=1e-3)
    proba = model.predict_proba(xt).numpy()
    np.testing.assert_allclose(proba, ref.predict_proba(X)[:, 1], atol=1e-4)
    assert set(model.predict(xt).tolist()) <= {0, 1}
    assert model.predict(xt).dtype == torch.int64


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_regression_models_reject_bad_in_features(bad):
    with pytest.raises(ValueError, match="in_features"):
        dnn.LinearRegression(bad)
    with pytest.raises(ValueError, match="in_features"):
        dnn.LogisticRegression(bad)
