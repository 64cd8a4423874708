"""Sequential: the curriculum's hand-computed 1-2-1 backprop step, comparison with logistic
regression, XOR, training on digits, fit/predict behaviour."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from dlbook.errors import DlbookError, DTypeError
from dlbook.scratch import (
    SGD,
    Adam,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LogisticRegressionGD,
    MaxPool2D,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    binary_cross_entropy,
    sigmoid,
    sigmoid_grad,
    train_test_split,
)


def _hand_network():
    """1 input → 2 sigmoid units → 1 sigmoid output, with the seeds' initial weights:
    w¹₁₁ = 0.5, w¹₁₂ = 1, b¹ = 0, w²₁₁ = 1, w²₂₁ = 0.5, b² = 1."""
    hidden = Dense(1, 2)
    hidden.params["W"][...] = [[0.5, 1.0]]
    hidden.params["b"][...] = [0.0, 0.0]
    out = Dense(2, 1)
    out.params["W"][...] = [[1.0], [0.5]]
    out.params["b"][...] = [1.0]
    return Sequential(hidden, Sigmoid(), out, Sigmoid())


def test_hand_computed_121_forward_pass():
    net = _hand_network()
    y_hat = net.forward(np.array([[0.5]]))
    a = net.layers[1].cache[1]  # the hidden activations
    assert a[0, 0] == pytest.approx(0.562, abs=5e-4)
    assert a[0, 1] == pytest.approx(0.622, abs=5e-4)
    assert y_hat[0, 0] == pytest.approx(0.867, abs=5e-4)
    # the same numbers from the formulas, unrounded
    a1, a2 = sigmoid(0.5 * 0.5), sigmoid(0.5 * 1.0)
    assert a[0] == pytest.approx([a1, a2], rel=1e-12)
    assert y_hat[0, 0] == pytest.approx(sigmoid(a1 * 1.0 + a2 * 0.5 + 1.0), rel=1e-12)


def test_hand_computed_121_backprop_step_matches_the_worked_numbers_and_torch():
    net = _hand_network()
    x, y = np.array([[0.5]]), np.array([[0.5]])
    p = net.forward(x)
    _, dp = binary_cross_entropy(p, y)
    net.backward(dp)
    g1, g2 = net.layers[0].grads, net.layers[2].grads
    # the seeds' rounded gradients (∂L/∂b² = ŷ − y etc.)
    assert g2["b"][0] == pytest.approx(0.367, abs=1e-3)
    assert g2["W"][:, 0] == pytest.approx([0.206, 0.228], abs=1e-3)
    assert g1["b"] == pytest.approx([0.090, 0.043], abs=1e-3)
    assert g1["W"][0] == pytest.approx([0.045, 0.0215], abs=1e-3)
    SGD(lr=0.1).step(*net.params_and_grads())
    # the seeds' weights after the step (rounded there to 4–5 digits)
    assert net.layers[0].params["W"][0] == pytest.approx([0.4955, 0.99785], abs=1e-4)
    assert net.layers[0].params["b"] == pytest.approx([-0.009, -0.0043], abs=1e-4)
    assert net.layers[2].params["W"][:, 0] == pytest.approx([0.9794, 0.4772], abs=1e-4)
    assert net.layers[2].params["b"][0] == pytest.approx(0.9633, abs=1e-4)
    # exact values from torch autograd on the same network
    W1 = torch.tensor([[0.5, 1.0]], dtype=torch.float64, requires_grad=True)
    b1 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    W2 = torch.tensor([[1.0], [0.5]], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    out = torch.sigmoid(torch.sigmoid(torch.tensor(x) @ W1 + b1) @ W2 + b2)
    torch.nn.functional.binary_cross_entropy(out, torch.tensor(y)).backward()
    with torch.no_grad():
        for ours, t in [(net.layers[0].params["W"], W1), (net.layers[0].params["b"], b1),
                        (net.layers[2].params["W"], W2), (net.layers[2].params["b"], b2)]:
            np.testing.assert_allclose(ours, (t - 0.1 * t.grad).numpy(), rtol=1e-12)


def test_fit_with_batch_size_one_reproduces_the_hand_step():
    net = _hand_network()
    net.fit(np.array([[0.5]]), np.array([0.5]), loss="binary_cross_entropy",
            optimizer=SGD(0.1), epochs=1, batch_size=1, dtype=None, progress=False)
    assert net.layers[2].params["b"][0] == pytest.approx(1 - 0.1 * (sigmoid(1.8734) - 0.5), abs=1e-4)


def test_unscaled_inputs_saturate_the_sigmoid():
    # height 160 cm with weight 0.5 gives z = 80: the derivative vanishes, nothing is learned
    assert sigmoid_grad(80.0) < 1e-34
    assert sigmoid_grad(160.0) < 1e-69
    assert sigmoid_grad(0.25) > 0.24


def test_network_without_hidden_layer_equals_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.7, 60) > 0).astype(int)
    dense = Dense(2, 1)
    dense.params["W"][...] = 0.0
    net = Sequential(dense, Sigmoid())
    net.fit(X, y, loss="binary_cross_entropy", optimizer=SGD(0.5), epochs=200, batch_size=60,
            shuffle=False, dtype=None, progress=False)
    logreg = LogisticRegressionGD(lr=0.5, max_epochs=200, tol=0).fit(X, y)
    np.testing.assert_allclose(dense.params["W"][:, 0], logreg.coef_, rtol=1e-9)
    assert dense.params["b"][0] == pytest.approx(logreg.intercept_, rel=1e-9)
    np.testing.assert_array_equal(net.predict(X), logreg.predict(X))


def test_two_layer_network_solves_xor_where_logistic_regression_cannot():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = Sequential(Dense(2, 8, init="xavier", seed=1), Tanh(), Dense(8, 1, init="xavier", seed=2))
    history = net.fit(X, y, loss="binary_cross_entropy_with_logits", optimizer=Adam(0.05),
                      epochs=300, batch_size=4, progress=False)
    assert history["train_loss"][-1] < 0.05
    np.testing.assert_array_equal(net.predict(X), y)
    assert LogisticRegressionGD(lr=0.5, max_epochs=2000).fit(X, y).score(X, y) <= 0.75


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, seed=0, stratify=y)


def test_mlp_trains_on_digits_and_reports_history(digits):
    X_train, X_test, y_train, y_test = digits
    net = Sequential(Dense(64, 64, seed=0), ReLU(), Dropout(0.1, seed=0), Dense(64, 10, seed=1))
    history = net.fit(X_train, y_train, epochs=15, batch_size=32, progress=False,
                      validation_data=(X_test, y_test))
    assert set(history) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "time"}
    assert len(history["train_loss"]) == 15
    assert history["train_loss"][-1] < history["train_loss"][0] / 3
    assert net.score(X_test, y_test) > 0.93
    assert net.predict(X_test).shape == (len(X_test),)
    np.testing.assert_allclose(net.predict_proba(X_test).sum(axis=1), 1, rtol=1e-5)
    assert not net.layers[2].training  # fit leaves the network in evaluation mode
    assert net.layers[0].params["W"].dtype == np.float32


def test_small_cnn_trains_on_digits(digits):
    X_train, X_test, y_train, y_test = digits
    net = Sequential(Conv2D(1, 8, 3, padding=1, seed=0), ReLU(), MaxPool2D(2),
                     Flatten(), Dense(8 * 4 * 4, 10, seed=1))
    net.fit(X_train.reshape(-1, 1, 8, 8), y_train, epochs=6, batch_size=32, seed=0,
            optimizer=Adam(3e-3), progress=False)
    assert net.score(X_test.reshape(-1, 1, 8, 8), y_test) > 0.9


def test_network_gradients_match_torch_end_to_end():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 1, 6, 6))
    conv, dense = Conv2D(1, 2, 3, seed=0), Dense(2 * 2 * 2, 3, seed=1)
    net = Sequential(conv, ReLU(), MaxPool2D(2), Flatten(), dense)
    out = net.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = net.backward(dout)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                torch.nn.Flatten(), torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(conv.params["W"]))
        model[0].bias.zero_()
        model[4].weight.copy_(torch.tensor(dense.params["W"].T))
        model[4].bias.zero_()
    xt = torch.tensor(x, requires_grad=True)
    ref = model(xt)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(conv.grads["W"], model[0].weight.grad.numpy(), rtol=1e-10)
    params, grads = net.params_and_grads()
    assert set(params) == {"0.W", "0.b", "4.W", "4.b"}
    assert params["0.W"] is conv.params["W"]


def test_summary_counts_parameters():
    net = Sequential(Dense(784, 128), ReLU(), Dense(128, 10))
    assert net.num_params() == 784 * 128 + 128 + 128 * 10 + 10
    assert "101,770" in net.summary()


def test_fit_validates_its_arguments_in_vietnamese():
    net = Sequential(Dense(2, 2))
    with pytest.raises(DlbookError, match="Hàm mất mát"):
        net.fit(np.zeros((4, 2)), np.zeros(4), loss="hinge", progress=False)
    with pytest.raises(Exception, match="cùng số mẫu"):
        net.fit(np.zeros((4, 2)), np.zeros(3), progress=False)
    with pytest.raises(DTypeError, match="forward/backward"):
        Sequential(Dense(2, 2), "relu")


def test_diverging_training_stops_with_a_clear_message():
    X = np.array([[1e3], [2e3], [3e3]])
    net = Sequential(Dense(1, 1, seed=0))
    with pytest.raises(DlbookError, match="NaN"):
        net.fit(X, X[:, 0] * 1e3, loss="mse", optimizer=SGD(10.0), epochs=50, batch_size=3,
                dtype=None, progress=False)


def test_fit_shows_a_progress_bar_only_when_asked(capsys):
    X = np.random.default_rng(0).standard_normal((8, 2))
    y = np.array([0, 1] * 4)
    Sequential(Dense(2, 2)).fit(X, y, epochs=2, batch_size=4, progress=True)
    assert "Huấn luyện" in capsys.readouterr().err
    Sequential(Dense(2, 2)).fit(X, y, epochs=2, batch_size=4, progress=False)
    assert "Huấn luyện" not in capsys.readouterr().err
