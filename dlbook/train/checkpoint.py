"""Saving and loading a model (and its optimizer) to resume training or reuse the best weights."""

from __future__ import annotations

import os
from pathlib import Path

import torch


def save_checkpoint(path, model, optimizer=None, epoch=None, **extra) -> Path:
    """Save the model's ``state_dict`` (and the optimizer's, the epoch, any extra values) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model_state": model.state_dict(), "epoch": epoch, "extra": extra}
    if optimizer is not None:
        state["optimizer_state"] = optimizer.state_dict()
    torch.save(state, path)
    return path


def load_checkpoint(path, model=None, optimizer=None, map_location="cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint`; put the weights into ``model`` and
    ``optimizer`` when they are given. Returns the whole checkpoint dict (``"epoch"``, ``"extra"``).
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"Không tìm thấy tệp checkpoint: {path}")
    state = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or "model_state" not in state:
        raise ValueError(f"Tệp {path} không phải checkpoint của dlbook (thiếu khoá 'model_state').")
    if model is not None:
        try:
            model.load_state_dict(state["model_state"])
        except RuntimeError as exc:
            raise ValueError(
                f"Trọng số trong {path} không khớp với kiến trúc mô hình (tên hoặc kích thước lớp khác): {exc}"
            ) from exc
    if optimizer is not None:
        if "optimizer_state" not in state:
            raise ValueError(f"Checkpoint {path} không lưu trạng thái của bộ tối ưu.")
        optimizer.load_state_dict(state["optimizer_state"])
    return state
