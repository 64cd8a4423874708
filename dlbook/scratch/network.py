"""A small object-oriented neural network in numpy (Phần 3, chương 8).

``Sequential(layer1, layer2, ...)`` chains layers: ``forward`` calls them in order, ``backward``
in reverse order (the chain rule), and ``fit`` runs mini-batch training with any optimiser of
``dlbook.scratch.optim``::

    net = Sequential(Dense(784, 128), ReLU(), Dense(128, 10))
    history = net.fit(X_train, y_train, loss="cross_entropy", optimizer=Adam(1e-3),
                      epochs=10, batch_size=64)
    y_pred = net.predict(X_test)

Losses for ``fit`` (the last layer's output is what they receive):

- ``"cross_entropy"``: logits ``(N, K)`` (no softmax layer) and integer labels or one-hot rows;
- ``"binary_cross_entropy_with_logits"``: one logit per sample, labels 0/1;
- ``"binary_cross_entropy"``: a probability per sample (the net ends with ``Sigmoid``);
- ``"mse"``, ``"mae"``, ``"huber"``: regression;
- or any function ``(output, y) -> (loss, grad)``.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
from tqdm.auto import tqdm

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_positive, check_same_length
from dlbook.scratch import losses as L
from dlbook.scratch._checks import as_float_array, make_rng
from dlbook.scratch.activations import sigmoid, softmax
from dlbook.scratch.layers.base import Layer
from dlbook.scratch.optim import Adam, Optimizer


def _column(out, y):
    """Binary losses: a ``(N, 1)`` output against labels ``(N,)``."""
    return np.asarray(y, dtype=out.dtype).reshape(out.shape)


LOSSES = {
    "cross_entropy": (lambda out, y: L.cross_entropy_with_logits(out, y), "multiclass"),
    "binary_cross_entropy_with_logits": (
        lambda out, y: L.binary_cross_entropy_with_logits(out, _column(out, y)), "logit"),
    "binary_cross_entropy": (
        lambda out, y: L.binary_cross_entropy(out, _column(out, y)), "probability"),
    "mse": (lambda out, y: L.mse_loss(out, _column(out, y)), None),
    "mae": (lambda out, y: L.mae_loss(out, _column(out, y)), None),
    "huber": (lambda out, y: L.huber_loss(out, _column(out, y)), None),
}


class Sequential:
    """A stack of layers trained end to end."""

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise DTypeError(
                    f"Phần tử thứ {i} của Sequential phải là một lớp có forward/backward, "
                    f"nhưng nhận được {type(layer).__name__}."
                )
        self.layers = list(layers)
        self.training = True
        self.loss_ = None

    # ------------------------------------------------------------------ the network itself
    def forward(self, x):
        """Output of the last layer."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout, input_grad: bool = True):
        """Backpropagate ``dout = ∂L/∂output`` through every layer; returns ``∂L/∂x``.

        With ``input_grad=False`` (what ``fit`` uses) the pass stops at the first layer that
        has parameters and does not compute the gradient with respect to the input data,
        which nobody needs (one matrix product less); it then returns ``None``.
        """
        first = 0
        if not input_grad:
            trainable = [i for i, layer in enumerate(self.layers) if getattr(layer, "params", None)]
            first = trainable[0] if trainable else len(self.layers)
        for i in range(len(self.layers) - 1, first - 1, -1):
            layer = self.layers[i]
            if i == first and not input_grad:
                layer.skip_input_grad = True
                try:
                    dout = layer.backward(dout)
                finally:
                    layer.skip_input_grad = False
                return None
            dout = layer.backward(dout)
        return None if not input_grad else dout

    def params_and_grads(self):
        """``(params, grads)``: two dicts with keys ``"<layer index>.<name>"`` (``"0.W"``),
        referring to the layers' own arrays, for ``optimizer.step(params, grads)``."""
        params, grads = {}, {}
        for i, layer in enumerate(self.layers):
            for name, p in getattr(layer, "params", {}).items():
                params[f"{i}.{name}"] = p
                grads[f"{i}.{name}"] = layer.grads[name]
        return params, grads

    def train(self, mode: bool = True):
        """Training mode for every layer (Dropout drops, BatchNorm uses batch statistics)."""
        self.training = bool(mode)
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def eval(self):
        """Evaluation mode for every layer."""
        return self.train(False)

    def astype(self, dtype):
        """Convert every parameter to ``dtype`` (``np.float32`` trains faster than float64)."""
        for layer in self.layers:
            if hasattr(layer, "astype"):
                layer.astype(dtype)
        return self

    def num_params(self) -> int:
        """Number of learnable scalars of the whole network."""
        return int(sum(layer.num_params() for layer in self.layers if hasattr(layer, "num_params")))

    def summary(self) -> str:
        """One line per layer with its number of parameters, and the total."""
        lines = []
        for i, layer in enumerate(self.layers):
            n = layer.num_params() if hasattr(layer, "num_params") else 0
            lines.append(f"{i:>3}  {layer!r:<60} {n:>12,}")
        lines.append(f"     {'Tổng số tham số':<60} {self.num_params():>12,}")
        return "\n".join(lines)

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"

    # -------------------------------------------------------------------------- training
    def _resolve_loss(self, loss):
        if callable(loss):
            return loss, None
        if loss not in LOSSES:
            raise DlbookError(
                f"Hàm mất mát {loss!r} không có; hãy chọn một trong {sorted(LOSSES)} "
                "hoặc truyền một hàm (đầu ra, y) -> (loss, grad)."
            )
        return LOSSES[loss]

    @staticmethod
    def _n_correct(kind, out, y):
        if kind == "multiclass":
            y = np.asarray(y)
            labels = y.argmax(axis=1) if y.ndim == 2 else y
            return int(np.sum(out.argmax(axis=1) == labels))
        if kind == "logit":
            return int(np.sum((out.reshape(-1) > 0) == (np.asarray(y).reshape(-1) > 0.5)))
        if kind == "probability":
            return int(np.sum((out.reshape(-1) > 0.5) == (np.asarray(y).reshape(-1) > 0.5)))
        return 0

    def fit(self, X, y, loss="cross_entropy", optimizer: Optional[Optimizer] = None,
            epochs: int = 10, batch_size: int = 64, seed=0, progress: bool = True,
            validation_data=None, dtype=np.float32, shuffle: bool = True,
            augment: Optional[Callable] = None) -> dict:
        """Mini-batch training; returns the history dict.

        Each epoch shuffles the data (``seed``), cuts it into batches of ``batch_size``, and
        for each batch runs forward, the loss, backward and ``optimizer.step`` (default
        ``Adam(1e-3)``). ``dtype`` (float32 by default) converts the parameters and the data:
        float32 halves the memory traffic, is faster and is precise enough to train (the
        network stays in that dtype afterwards; gradient checks need float64). ``augment(x_batch, rng)``,
        if given, transforms each training batch (data augmentation).

        The history has ``"train_loss"`` and, for classification, ``"train_accuracy"``
        (averages over the batches of the epoch, measured while training), plus ``"val_loss"``
        and ``"val_accuracy"`` when ``validation_data=(X_val, y_val)`` is given, and
        ``"time"`` (seconds per epoch).
        """
        loss_fn, kind = self._resolve_loss(loss)
        if optimizer is None:
            optimizer = Adam(1e-3)
        if not hasattr(optimizer, "step"):
            raise DTypeError(f"`optimizer` phải có phương thức step, nhưng nhận được {optimizer!r}.")
        check_positive(epochs, "epochs", integer=True, allow_zero=True)
        check_positive(batch_size, "batch_size", integer=True)
        X = as_float_array(X, "X", check_finite=True)
        y = np.asarray(y)
        check_same_length(X, y, "X", "y")
        if len(X) == 0:
            raise ShapeError("`X` rỗng: cần ít nhất một mẫu để huấn luyện.")
        if kind == "multiclass" and y.ndim == 1 and not np.issubdtype(y.dtype, np.integer):
            if not np.all(np.mod(y, 1) == 0):
                raise DTypeError("Với loss='cross_entropy', `y` phải là nhãn nguyên 0..K−1 hoặc one-hot.")
            y = y.astype(np.int64)
        if dtype is not None:
            self.astype(dtype)
            X = X.astype(dtype, copy=False)
            if y.dtype.kind == "f":
                y = y.astype(dtype, copy=False)
        val = None
        if validation_data is not None:
            Xv, yv = validation_data
            Xv = as_float_array(Xv, "X_val", check_finite=True)
            yv = np.asarray(yv)
            check_same_length(Xv, yv, "X_val", "y_val")
            val = (Xv.astype(dtype, copy=False) if dtype is not None else Xv, yv)
        self.loss_ = loss if isinstance(loss, str) else "custom"
        self._kind = kind
        rng = make_rng(seed)
        history = {"train_loss": [], "time": []}
        if kind is not None:
            history["train_accuracy"] = []
        if val is not None:
            history["val_loss"] = []
            if kind is not None:
                history["val_accuracy"] = []
        n = len(X)
        bar = tqdm(range(epochs), desc="Huấn luyện", unit="epoch", disable=not progress)
        for _ in bar:
            t0 = time.perf_counter()
            self.train()
            order = rng.permutation(n) if shuffle else np.arange(n)
            total_loss, correct = 0.0, 0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, yb = X[idx], y[idx]
                if augment is not None:
                    xb = augment(xb, rng)
                out = self.forward(xb)
                with np.errstate(over="ignore", invalid="ignore"):
                    finite = bool(np.all(np.isfinite(out)))
                    value, grad = loss_fn(out, yb) if finite else (np.inf, None)
                if not np.isfinite(value):
                    raise DlbookError(
                        "Hàm mất mát thành NaN/vô cùng trong khi huấn luyện: tốc độ học quá lớn "
                        "hoặc dữ liệu chưa được chuẩn hoá."
                    )
                self.backward(grad, input_grad=False)
                optimizer.step(*self.params_and_grads())
                total_loss += value * len(idx)
                correct += self._n_correct(kind, out, yb)
            history["train_loss"].append(total_loss / n)
            if kind is not None:
                history["train_accuracy"].append(correct / n)
            if val is not None:
                v_loss, v_acc = self.evaluate(*val, loss=loss)
                history["val_loss"].append(v_loss)
                if kind is not None:
                    history["val_accuracy"].append(v_acc)
            history["time"].append(time.perf_counter() - t0)
            post = {"loss": f"{history['train_loss'][-1]:.4f}"}
            if kind is not None:
                post["acc"] = f"{history['train_accuracy'][-1]:.3f}"
            if val is not None and kind is not None:
                post["val_acc"] = f"{history['val_accuracy'][-1]:.3f}"
            bar.set_postfix(post)
        self.eval()
        return history

    # ------------------------------------------------------------------------ inference
    def _forward_eval(self, X, batch_size=1024):
        X = as_float_array(X, "X")
        was_training = self.training
        self.eval()
        try:
            outs = [self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        finally:
            self.train(was_training)
        return np.concatenate(outs) if outs else self.forward(X)

    def predict_proba(self, X, batch_size: int = 1024):
        """Class probabilities (softmax or sigmoid of the output, in evaluation mode)."""
        out = self._forward_eval(X, batch_size)
        kind = getattr(self, "_kind", None)
        if kind == "multiclass":
            return softmax(out, axis=1)
        if kind == "logit":
            return sigmoid(out)
        if kind == "probability":
            return out
        raise DlbookError("predict_proba chỉ dùng cho mạng phân loại đã huấn luyện bằng fit.")

    def predict(self, X, batch_size: int = 1024):
        """Predictions in evaluation mode: class labels when the network was trained with a
        classification loss (``argmax`` of the logits, or threshold 0.5 on the probability),
        the raw output otherwise."""
        out = self._forward_eval(X, batch_size)
        kind = getattr(self, "_kind", None)
        if kind == "multiclass":
            return out.argmax(axis=1)
        if kind == "logit":
            return (out.reshape(-1) > 0).astype(np.int64)
        if kind == "probability":
            return (out.reshape(-1) > 0.5).astype(np.int64)
        return out

    def evaluate(self, X, y, loss=None, batch_size: int = 1024):
        """``(loss, accuracy)`` on ``(X, y)`` in evaluation mode (accuracy is ``None`` for
        regression)."""
        loss = self.loss_ if loss is None else loss
        if loss is None:
            raise DlbookError("Hãy truyền `loss` hoặc gọi fit trước evaluate.")
        loss_fn, kind = self._resolve_loss(loss)
        out = self._forward_eval(X, batch_size)
        y = np.asarray(y)
        check_same_length(out, y, "X", "y")
        value, _ = loss_fn(out, y)
        acc = self._n_correct(kind, out, y) / len(y) if kind is not None else None
        return float(value), acc

    def score(self, X, y) -> float:
        """Accuracy on ``(X, y)`` (classification)."""
        _, acc = self.evaluate(X, y)
        if acc is None:
            raise DlbookError("score chỉ dùng cho mạng phân loại.")
        return acc


__all__ = ["LOSSES", "Layer", "Sequential"]
