"""dlbook.train: fit / evaluate / predict, early stopping, checkpoints, determinism."""

import numpy as np
import pytest
import torch
from torch import nn

import dlbook
import dlbook.nn
from dlbook.data import make_gaussian_blobs, to_dataloader
from dlbook.train import EarlyStopping, History, accuracy, evaluate, fit, load_checkpoint, predict, save_checkpoint


def _blobs_loaders(seed=0, n=300):
    X, y = make_gaussian_blobs(n, centers=[[0, 0], [4, 0], [0, 4]], std=0.8, seed=seed)
    X = X.astype(np.float32)
    return to_dataloader(X[:200], y[:200], batch_size=32, seed=seed), to_dataloader(X[200:], y[200:], 64, shuffle=False)


def _classifier(dropout=0.0):
    return dlbook.nn.mlp([2, 16, 3], "relu", dropout=dropout)


def test_fit_trains_a_classifier_and_records_history():
    torch.manual_seed(0)
    train, val = _blobs_loaders()
    model = _classifier()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, train, val, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=15, progress=False)
    assert isinstance(history, History) and history.epochs == 15
    assert len(history.val_loss) == len(history.metrics["accuracy"]) == len(history.metrics["val_accuracy"]) == 15
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.metrics["val_accuracy"][-1] > 0.9
    assert set(history.as_dict()) == {"train_loss", "val_loss", "accuracy", "val_accuracy"}
    assert 1 <= history.best_epoch <= 15
    assert next(model.parameters()).device == dlbook.try_gpu()


def test_fit_regression_accepts_1d_float_targets_and_mae_metric():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (256, 2)).astype(np.float32)
    y = (2 * X[:, 0] + 3 * X[:, 1] + 4).astype(np.float32)  # shape (N,): the model outputs (N, 1)
    model = dlbook.nn.LinearRegression(2)
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    loader = to_dataloader(X, y, batch_size=32)
    history = fit(model, loader, loader, loss_fn=nn.MSELoss(), optimizer=opt, epochs=60, metrics=("mae",), progress=False)
    assert history.val_loss[-1] < 1e-3
    assert history.metrics["val_mae"][-1] < 0.03
    w = model.linear.weight.detach().numpy().ravel()
    np.testing.assert_allclose([*w, model.linear.bias.item()], [2, 3, 4], atol=0.1)


def test_evaluate_loss_equals_full_batch_loss_for_1d_targets():
    model = dlbook.nn.LinearRegression(1)
    X = torch.linspace(0, 1, 10)[:, None]
    y = 3 * X[:, 0]
    loader = to_dataloader(X, y, batch_size=3, shuffle=False)
    got = evaluate(model, loader, nn.MSELoss(), metrics=())["loss"]
    with torch.no_grad():
        expected = ((model(X)[:, 0] - y) ** 2).mean().item()
    assert got == pytest.approx(expected, rel=1e-6)


def _run_once(seed):
    dlbook.set_seed(seed)
    X, y = make_gaussian_blobs(200, centers=3, std=2.0, seed=1)
    loader = to_dataloader(X.astype(np.float32), y, batch_size=16, seed=None)  # shuffles with torch's global RNG
    model = _classifier(dropout=0.3)  # initial weights and dropout masks also come from the global RNG
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return fit(model, loader, loader, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=4, progress=False)


def test_fit_is_deterministic_under_set_seed():
    first, second = _run_once(123), _run_once(123)
    assert first.as_dict() == second.as_dict()
    assert _run_once(7).as_dict() != first.as_dict()


def test_early_stopping_counts_patience_and_keeps_best_weights():
    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=3)
    decisions = []
    for epoch, value in enumerate([1.0, 0.9, 0.95, 0.96, 0.97], start=1):
        with torch.no_grad():
            model.weight.fill_(epoch)
        decisions.append(stopper.step(value, model))
    assert decisions == [False, False, False, False, True]
    assert stopper.best_epoch == 2 and stopper.best == 0.9
    assert stopper.best_state["weight"].item() == 2.0


def test_early_stopping_mode_follows_monitor_and_min_delta():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    s = EarlyStopping(patience=1, min_delta=0.1)
    s.step(1.0)
    assert s.step(0.95)  # not better by more than 0.1: stop
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_fit_stops_early_and_restores_the_best_epoch(tmp_path):
    # Validation labels are the opposite of the training labels: the better the model fits the
    # training set, the worse the validation loss, so the best epoch is the first one.
    torch.manual_seed(0)
    X = torch.randn(128, 2)
    y = (X[:, 0] > 0).long()
    train = to_dataloader(X, y, batch_size=32)
    val = to_dataloader(X, 1 - y, batch_size=64, shuffle=False)
    model = dlbook.nn.mlp([2, 8, 2])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    ckpt = tmp_path / "best.pt"
    history = fit(model, train, val, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=30,
                  early_stopping=EarlyStopping(patience=3), checkpoint=ckpt, progress=False)
    assert history.stopped_early and history.epochs == 1 + 3
    assert history.best_epoch == 1
    saved = load_checkpoint(ckpt)
    assert saved["epoch"] == 1 and saved["extra"]["monitor"] == "val_loss"
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, saved["model_state"][name])
    assert evaluate(model, val, nn.CrossEntropyLoss())["loss"] == pytest.approx(history.val_loss[0], rel=1e-5)


def test_checkpoint_round_trip_restores_model_and_optimizer(tmp_path):
    torch.manual_seed(0)
    model = dlbook.nn.small_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 1, 28, 28)).sum().backward()
    opt.step()
    path = save_checkpoint(tmp_path / "sub" / "m.pt", model, opt, epoch=3, note="thử")
    other = dlbook.nn.small_cnn()
    other_opt = torch.optim.Adam(other.parameters(), lr=1e-3)
    state = load_checkpoint(path, other, other_opt)
    assert state["epoch"] == 3 and state["extra"] == {"note": "thử"}
    x = torch.randn(3, 1, 28, 28)
    model.eval(), other.eval()
    assert torch.equal(model(x), other(x))
    assert other_opt.state_dict()["state"][0]["step"] == 1


def test_load_checkpoint_errors_are_vietnamese(tmp_path):
    with pytest.raises(FileNotFoundError, match="Không tìm thấy"):
        load_checkpoint(tmp_path / "none.pt")
    path = save_checkpoint(tmp_path / "m.pt", dlbook.nn.mlp([2, 3, 1]))
    with pytest.raises(ValueError, match="không khớp"):
        load_checkpoint(path, dlbook.nn.mlp([2, 4, 1]))
    with pytest.raises(ValueError, match="bộ tối ưu"):
        m = dlbook.nn.mlp([2, 3, 1])
        load_checkpoint(path, m, torch.optim.SGD(m.parameters(), lr=0.1))


def test_predict_accepts_arrays_tensors_datasets_and_loaders():
    torch.manual_seed(0)
    model = _classifier()
    X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    y = np.zeros(50, dtype=np.int64)
    loader = to_dataloader(X, y, batch_size=7, shuffle=False)
    expected = model.eval()(torch.from_numpy(X)).detach()
    for source in (X, torch.from_numpy(X), loader.dataset, loader):
        out = predict(model, source, batch_size=8)
        assert out.shape == (50, 3)
        assert torch.allclose(out, expected, atol=1e-6)
    with pytest.raises(TypeError, match="X_or_loader"):
        predict(model, [1, 2, 3])


def test_accuracy_uses_argmax_or_logit_sign():
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    assert accuracy(logits, torch.tensor([0, 1])) == 0.5
    assert accuracy(torch.tensor([[1.2], [-0.3], [0.4]]), torch.tensor([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)


def test_fit_shows_progress_bar_and_verbose_lines(capsys):
    train, val = _blobs_loaders()
    model = _classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(model, train, val, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=2, verbose=True)
    captured = capsys.readouterr()
    assert "Huấn luyện" in captured.err and "2/2" in captured.err
    assert "Epoch 1/2: train_loss" in captured.out and "val_accuracy" in captured.out


def test_fit_steps_the_scheduler_each_epoch():
    train, _ = _blobs_loaders()
    model = _classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=3, scheduler=sched, progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)


def test_fit_steps_a_batch_scheduler_after_every_batch():
    train, _ = _blobs_loaders()  # 200 samples, batches of 32: 7 batches per epoch
    model = _classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1 + step))
    fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=2, scheduler=sched,
        scheduler_interval="batch", progress=False)
    assert sched.last_epoch == 14
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 / 15)


def test_fit_rejects_bad_epochs_and_val_monitor_without_val_loader():
    train, _ = _blobs_loaders()
    model = _classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=0)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, epochs=1, early_stopping=EarlyStopping())
