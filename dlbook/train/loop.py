"""The training loop of the book: ``fit``, ``evaluate`` and ``predict``.

Read it top to bottom: one epoch = for each batch, move it to the device, forward, loss,
``zero_grad``, ``backward``, ``step``. Everything else (metrics, validation, early stopping,
checkpoints, the progress bar) is bookkeeping around those five lines.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np
import torch
from tqdm.auto import tqdm

from dlbook.device import try_gpu
from dlbook.train.callbacks import EarlyStopping
from dlbook.train.checkpoint import save_checkpoint
from dlbook.train.history import History
from dlbook.train.metrics import resolve_metrics
from dlbook.train.steps import match_targets, supervised_step


class _Average:
    """Running mean of per-batch values, weighted by the batch size."""

    def __init__(self, names):
        self.sums = {n: 0.0 for n in names}
        self.count = 0

    def add(self, values: dict, n: int) -> None:
        for name, v in values.items():
            self.sums[name] += v * n
        self.count += n

    def result(self) -> dict:
        return {name: s / max(self.count, 1) for name, s in self.sums.items()}


def train_one_epoch(model, loader, loss_fn, optimizer, metrics: dict, device, batch_scheduler=None,
                    *, step=None, clip_grad_norm=None) -> dict:
    """One pass over ``loader`` updating the weights; returns the mean loss and metrics.

    Each batch (a tuple of tensors) is moved to ``device`` and given to ``step`` (default
    :func:`dlbook.train.steps.supervised_step` with ``loss_fn``, ``metrics`` and
    ``clip_grad_norm``). ``batch_scheduler`` (e.g. ``OneCycleLR``) is stepped after every batch.
    """
    model.train()
    avg = None
    for batch in loader:
        batch = tuple(t.to(device) for t in batch)
        if step is None:
            values = supervised_step(model, batch, optimizer, loss_fn=loss_fn, metrics=metrics,
                                     clip_grad_norm=clip_grad_norm)
        else:
            values = step(model, batch, optimizer)
        if batch_scheduler is not None:
            batch_scheduler.step()
        avg = avg or _Average(values)
        avg.add(values, len(batch[0]))
    return avg.result() if avg is not None else {"loss": float("nan")}


@torch.no_grad()
def evaluate(model, loader, loss_fn=None, metrics=("accuracy",), device=None) -> dict:
    """Mean loss (if ``loss_fn`` is given) and metrics of ``model`` on ``loader``, in eval mode."""
    device = device or next(model.parameters()).device
    metrics = resolve_metrics(metrics)
    model.eval()
    avg = _Average((["loss"] if loss_fn is not None else []) + list(metrics))
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        outputs = model(X)
        y = match_targets(outputs, y)
        values = {name: f(outputs, y) for name, f in metrics.items()}
        if loss_fn is not None:
            values["loss"] = loss_fn(outputs, y).item()
        avg.add(values, len(X))
    return avg.result()


@torch.no_grad()
def predict(model, X_or_loader, device=None, batch_size: int = 256) -> torch.Tensor:
    """The model's outputs for a numpy array, a tensor, a ``Dataset`` or a ``DataLoader``.

    Runs in eval mode, batch by batch, and returns one tensor on the CPU (for a classifier,
    ``predict(model, X).argmax(1)`` gives the classes). For a loader or dataset of ``(x, y)``
    pairs only ``x`` is used.
    """
    device = device or next(model.parameters()).device
    if isinstance(X_or_loader, np.ndarray):
        X_or_loader = torch.as_tensor(X_or_loader, dtype=torch.float32 if X_or_loader.dtype.kind == "f" else None)
    if isinstance(X_or_loader, torch.Tensor):
        batches = X_or_loader.split(batch_size)
    elif isinstance(X_or_loader, torch.utils.data.DataLoader):
        batches = X_or_loader
    elif isinstance(X_or_loader, torch.utils.data.Dataset):
        batches = torch.utils.data.DataLoader(X_or_loader, batch_size=batch_size, shuffle=False)
    else:
        raise TypeError(
            "`X_or_loader` phải là mảng numpy, tensor, Dataset hoặc DataLoader, "
            f"nhưng nhận được {type(X_or_loader).__name__}."
        )
    model.eval()
    outputs = []
    for batch in batches:
        X = batch[0] if isinstance(batch, (list, tuple)) else batch
        outputs.append(model(X.to(device)).cpu())
    return torch.cat(outputs)


def _format(values: dict) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in values.items())


def fit(
    model: torch.nn.Module,
    train_loader,
    val_loader=None,
    *,
    loss_fn=None,
    optimizer,
    epochs: int,
    metrics=("accuracy",),
    device=None,
    early_stopping: Optional[EarlyStopping] = None,
    checkpoint=None,
    scheduler=None,
    scheduler_interval: str = "epoch",
    progress: bool = True,
    verbose: bool = False,
    step=None,
    clip_grad_norm: Optional[float] = None,
    desc: str = "Huấn luyện",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the :class:`History`.

    Each epoch trains on ``train_loader`` and, if given, evaluates on ``val_loader`` (eval
    mode, no gradients). ``metrics`` are names (``"accuracy"``, ``"mae"``, ``"mse"``) or
    functions ``f(outputs, targets) -> float``; use ``metrics=()`` for none (e.g. regression
    with only the loss). The model runs on ``device`` (default :func:`dlbook.try_gpu`).

    ``early_stopping`` (an :class:`EarlyStopping`) may end the run early and restore the best
    weights. ``checkpoint`` is a file path: the model and optimizer are saved there each time
    the monitored value improves (the early-stopping monitor, else ``val_loss`` when there is a
    validation set, else ``train_loss``). ``scheduler`` is stepped after each epoch
    (``ReduceLROnPlateau`` receives the monitored value), or after each batch with
    ``scheduler_interval="batch"`` (``OneCycleLR``). A tqdm bar shows the progress
    (``progress=False`` hides it, ``desc`` labels it); ``verbose=True`` also prints one line
    per epoch.

    ``clip_grad_norm`` clips the global gradient norm before every optimizer step (RNNs).
    ``step(model, batch, optimizer) -> dict`` replaces the default supervised step for models
    that train differently (:func:`dlbook.train.steps.teacher_forcing_step`, the GAN's two
    players in :func:`dlbook.nn.gan.gan_step`, whose ``optimizer`` is a dict); it returns the
    values to average over the epoch, ``"loss"`` among them (``loss_fn`` and ``metrics`` are then
    used for validation only). ``train_loader`` is any iterable of batches: a ``DataLoader`` or
    :class:`dlbook.train.TensorBatches`.

    Run after :func:`dlbook.set_seed`, two calls give the same history.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"`epochs` phải là số nguyên ≥ 1, nhưng nhận được {epochs!r}.")
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"`scheduler_interval` phải là 'epoch' hoặc 'batch', nhưng nhận được {scheduler_interval!r}.")
    if step is None and loss_fn is None:
        raise ValueError("Cần `loss_fn` (hoặc một `step` tự tính hàm mất mát).")
    if val_loader is not None and loss_fn is None:
        raise ValueError("Đánh giá trên `val_loader` cần `loss_fn`.")
    batch_scheduler = scheduler if scheduler_interval == "batch" else None
    device = device or try_gpu()
    model.to(device)
    metric_fns = resolve_metrics(metrics)
    history = History()
    monitor = early_stopping.monitor if early_stopping else ("val_loss" if val_loader is not None else "train_loss")
    if monitor.startswith("val_") and val_loader is None:
        raise ValueError(f"Theo dõi {monitor!r} cần có `val_loader`.")
    rule = early_stopping or EarlyStopping(monitor=monitor)
    # Tracks the best epoch (for the history and the checkpoint) with the same rule as early stopping.
    watcher = EarlyStopping(patience=epochs, min_delta=rule.min_delta, monitor=monitor, mode=rule.mode, restore_best=False)

    bar = tqdm(range(1, epochs + 1), desc=desc, unit="epoch", disable=not progress)
    for epoch in bar:
        start = time.perf_counter()
        history.record(train_one_epoch(model, train_loader, loss_fn, optimizer, metric_fns, device,
                                       batch_scheduler, step=step, clip_grad_norm=clip_grad_norm))
        if val_loader is not None:
            history.record(evaluate(model, val_loader, loss_fn, metric_fns, device), prefix="val_")
        history.epoch_time.append(time.perf_counter() - start)

        current = history.last()
        value = current[monitor]
        if watcher.improved(value):
            history.best_epoch = epoch
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, optimizer, epoch, monitor=monitor, value=value)
        watcher.step(value)
        if scheduler is not None and batch_scheduler is None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(value)
            else:
                scheduler.step()
        bar.set_postfix({k: f"{v:.4f}" for k, v in current.items()})
        if verbose:
            print(f"Epoch {epoch}/{epochs}: {_format(current)}")
        if early_stopping is not None and early_stopping.step(value, model):
            history.stopped_early = True
            if verbose:
                print(f"Dừng sớm: {monitor} không cải thiện sau {early_stopping.patience} epoch.")
            break
    bar.close()
    if early_stopping is not None and early_stopping.restore_best and early_stopping.best_state is not None:
        model.load_state_dict(early_stopping.best_state)
    return history
